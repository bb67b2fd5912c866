"""Account rules: no common password (the bundled deny-list), no password containing the user name; demo data
(accounts with a published password) only on a database created as a demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk_app.__main__ import main
from desk_app.db.engine import make_engine
from desk_app.db.migrate import upgrade_to_head
from desk_app.db.models import DatabaseFact, User
from desk_app.db.uow import Database
from desk_app.domain.enums import Role
from desk_app.errors import ValidationError
from desk_app.services import accounts, demo
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff


def test_the_deny_list_holds_thousands_of_common_passwords() -> None:
    common = accounts.common_passwords()
    assert len(common) >= 5000
    assert {"123456", "password", "qwerty", "woaini1314", "password1"} <= common


@pytest.mark.parametrize("password", ["password1", "woaini1314", "Qwerty123", "1q2w3e4r"])
def test_a_common_password_is_refused(database: Database, staff: Staff, password: str) -> None:
    with pytest.raises(ValidationError, match="most common passwords") as caught:
        accounts.create_user(database, staff.admin, username="li.ming", display_name="Li", password=password,
                             role=Role.HANDLER)
    assert caught.value.field == "password"


@pytest.mark.parametrize(("username", "password"), [
    ("liming", "liming2026"), ("li.ming", "LI.MING.2026x"), ("zhang.wei", "Zhangwei0815"),
    ("sh01.handler", "handler99x")])
def test_a_password_containing_the_user_name_is_refused(database: Database, staff: Staff, username: str,
                                                        password: str) -> None:
    with pytest.raises(ValidationError, match="must not contain the user name"):
        accounts.create_user(database, staff.admin, username=username, display_name="X", password=password,
                             role=Role.HANDLER)
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(User).where(User.username == username)) == 0


def test_changing_and_resetting_follow_the_same_rules(database: Database, staff: Staff) -> None:
    with pytest.raises(ValidationError, match="user name"):
        accounts.change_password(database, staff.clerk, PASSWORD, "myclerk2027")
    with pytest.raises(ValidationError, match="most common"):
        accounts.change_password(database, staff.clerk, PASSWORD, "iloveyou1")
    with pytest.raises(ValidationError, match="user name"):
        accounts.reset_password(database, staff.admin, staff.handler.user_id, "handler-temp-1")
    accounts.change_password(database, staff.clerk, PASSWORD, "Lantern-2027")
    assert accounts.authenticate(database, "clerk", "Lantern-2027").username == "clerk"


def test_generated_temporary_passwords_pass() -> None:
    for _i in range(50):
        accounts.validate_password(accounts.generate_temporary_password(), "someone")


def test_demo_data_refuses_a_real_database(database: Database, staff: Staff) -> None:
    with database.unit_of_work() as session:
        users = session.scalar(select(func.count()).select_from(User))
    with pytest.raises(demo.NotADemoDatabaseError, match="not created as a demo database") as caught:
        demo.generate_demo_data(database, 5, seed=1)
    assert demo.DEMO_PASSWORD in str(caught.value)
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(User)) == users
        assert session.get(DatabaseFact, "purpose") is None


def test_the_cli_refuses_demo_data_on_a_real_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'real.sqlite3'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    db = Database(engine)
    from desk_app.domain.enums import InstitutionType
    from desk_app.services.setup import SetupRequest, initialise

    initialise(db, SetupRequest("SH01", "上海浦东支行", InstitutionType.BANK, "admin", "管理员", "Keeper-2026"))
    db.dispose()
    assert main(["--language", "en", "--database-url", url, "demo-data", "--count", "5"]) == 2
    assert "not created as a demo database" in capsys.readouterr().err


def test_a_new_database_becomes_a_demo_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert main(["--database-url", url, "demo-data", "--count", "5", "--seed", "1"]) == 0
    assert main(["--database-url", url, "demo-data", "--count", "5", "--seed", "2"]) == 0  # still a demo
    db = Database(make_engine(url))
    with db.unit_of_work() as session:
        fact = session.get(DatabaseFact, "purpose")
        assert fact is not None and fact.value == "demo"
    db.dispose()
