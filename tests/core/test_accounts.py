"""Sign-in, lock-out, account creation and password changes (desk_app.services.accounts)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.errors import NotFoundError, PermissionDeniedError, ValidationError
from desk_app.security import hash_password, verify_password
from desk_app.services import accounts
from desk_app.services.accounts import (
    AccountDisabledError,
    AccountLockedError,
    AuthenticationError,
    authenticate,
    change_password,
    create_user,
    list_users,
)
from tests.support.passwords import PASSWORD

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@dataclass
class Org:
    branch_id: uuid.UUID
    hq_id: uuid.UUID
    admin: Actor


def _branch(session: Session, code: str, hq: bool = False) -> Branch:
    branch = Branch(code=code, name=f"{code} 支行", institution_type="bank", regime="banking_insurance",
                    is_headquarters=hq)
    session.add(branch)
    return branch


def _user(session: Session, branch: Branch, username: str, role: Role, *, active: bool = True) -> User:
    user = User(username=username, display_name=username.title(), password_hash=hash_password(PASSWORD),
                role=role.value, branch_id=branch.id, active=active, failed_logins=0)
    session.add(user)
    return user


@pytest.fixture
def org(database: Database) -> Org:
    with database.unit_of_work() as s:
        hq = _branch(s, "HQ", hq=True)
        br = _branch(s, "BJ01")
        s.flush()
        admin = _user(s, br, "admin", Role.ADMINISTRATOR)
        _user(s, br, "clerk", Role.COUNTER_CLERK)
        _user(s, br, "gone", Role.HANDLER, active=False)
        s.flush()
        actor = Actor(user_id=admin.id, username="admin", display_name="Admin", role=Role.ADMINISTRATOR,
                      branch_id=br.id, branch_code="BJ01")
        return Org(branch_id=br.id, hq_id=hq.id, admin=actor)


def _user_row(database: Database, username: str) -> User:
    with database.unit_of_work() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        s.expunge(user)
        return user


def test_right_password_returns_actor_and_records_login(database: Database, org: Org) -> None:
    actor = authenticate(database, "Clerk ", PASSWORD, now=NOW)
    assert actor.username == "clerk"
    assert actor.role is Role.COUNTER_CLERK
    assert actor.branch_code == "BJ01"
    assert actor.is_hq is False
    assert _user_row(database, "clerk").last_login_at == NOW


@pytest.mark.parametrize("username", ["clerk", "nobody"])
def test_wrong_password_or_unknown_user_gives_the_same_generic_message(
        database: Database, org: Org, username: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        authenticate(database, username, "wrong-password1", now=NOW)
    assert str(info.value) == "Wrong user name or password."
    assert type(info.value) is AuthenticationError


def test_failed_attempts_are_recorded_despite_the_error(database: Database, org: Org) -> None:
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            authenticate(database, "clerk", "nope", now=NOW)
    assert _user_row(database, "clerk").failed_logins == 2
    authenticate(database, "clerk", PASSWORD, now=NOW)
    assert _user_row(database, "clerk").failed_logins == 0


def test_five_failures_lock_the_account_for_fifteen_minutes(database: Database, org: Org) -> None:
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        with pytest.raises(AuthenticationError) as info:
            authenticate(database, "clerk", "nope", now=NOW)
        assert not isinstance(info.value, AccountLockedError)
    with pytest.raises(AccountLockedError) as locked:
        authenticate(database, "clerk", "nope", now=NOW)
    assert "Try again in 15 minutes" in str(locked.value)
    assert _user_row(database, "clerk").locked_until == NOW + timedelta(minutes=15)

    # Even the right password is refused while locked; the message says how long is left.
    with pytest.raises(AccountLockedError) as still:
        authenticate(database, "clerk", PASSWORD, now=NOW + timedelta(minutes=14, seconds=30))
    assert "Try again in 1 minute " in str(still.value)

    actor = authenticate(database, "clerk", PASSWORD, now=NOW + timedelta(minutes=15, seconds=1))
    assert actor.username == "clerk"
    assert _user_row(database, "clerk").locked_until is None


def test_inactive_user_is_refused_only_after_the_right_password(database: Database, org: Org) -> None:
    with pytest.raises(AuthenticationError) as wrong:
        authenticate(database, "gone", "nope", now=NOW)
    assert type(wrong.value) is AuthenticationError
    with pytest.raises(AccountDisabledError, match="deactivated"):
        authenticate(database, "gone", PASSWORD, now=NOW)


def test_hq_user_is_marked_as_hq(database: Database, org: Org) -> None:
    with database.unit_of_work() as s:
        hq = s.get_one(Branch, org.hq_id)
        _user(s, hq, "analyst", Role.HQ_ANALYST)
    assert authenticate(database, "analyst", PASSWORD).is_hq is True


def test_admin_creates_user(database: Database, org: Org) -> None:
    info = create_user(database, org.admin, username=" Wang.Fang ", display_name="王芳",
                       password="quiet7harbour", role=Role.HANDLER)
    assert info.username == "wang.fang"
    assert info.role is Role.HANDLER
    assert info.branch_code == "BJ01"
    assert info.must_change_password is True
    actor = authenticate(database, "wang.fang", "quiet7harbour")
    assert actor.display_name == "王芳"


def test_only_administrators_create_users(database: Database, org: Org) -> None:
    clerk = authenticate(database, "clerk", PASSWORD)
    with pytest.raises(PermissionDeniedError):
        create_user(database, clerk, username="x1", display_name="X", password="quiet7harbour",
                    role=Role.HANDLER)


def test_branch_admin_cannot_create_users_in_another_branch(database: Database, org: Org) -> None:
    with pytest.raises(PermissionDeniedError):
        create_user(database, org.admin, username="x1", display_name="X", password="quiet7harbour",
                    role=Role.HANDLER, branch_id=org.hq_id)
    hq_admin = Actor(user_id=org.admin.user_id, username="admin", display_name="Admin",
                     role=Role.ADMINISTRATOR, branch_id=org.hq_id, branch_code="HQ", is_hq=True)
    info = create_user(database, hq_admin, username="x1", display_name="X", password="quiet7harbour",
                       role=Role.HANDLER, branch_id=org.branch_id)
    assert info.branch_code == "BJ01"
    with pytest.raises(NotFoundError):
        create_user(database, hq_admin, username="x2", display_name="X", password="quiet7harbour",
                    role=Role.HANDLER, branch_id=uuid.uuid4())


@pytest.mark.parametrize(("password", "fragment"), [
    ("abc123", "at least 8"),
    ("abcdefgh", "letters and digits"),
    ("12345678", "letters and digits"),
    ("a1" * 65, "at most 128"),
])
def test_password_rules(database: Database, org: Org, password: str, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment) as info:
        create_user(database, org.admin, username="newbie", display_name="N", password=password,
                    role=Role.HANDLER)
    assert info.value.field == "password"


def test_user_name_rules_and_uniqueness(database: Database, org: Org) -> None:
    with pytest.raises(ValidationError) as taken:
        create_user(database, org.admin, username="CLERK", display_name="N", password="quiet7harbour",
                    role=Role.HANDLER)
    assert taken.value.field == "username"
    assert "already taken" in str(taken.value)
    with pytest.raises(ValidationError) as bad:
        create_user(database, org.admin, username="a b", display_name="N", password="quiet7harbour",
                    role=Role.HANDLER)
    assert bad.value.field == "username"
    with pytest.raises(ValidationError) as blank:
        create_user(database, org.admin, username="okname", display_name="  ", password="quiet7harbour",
                    role=Role.HANDLER)
    assert blank.value.field == "display_name"


def test_change_password(database: Database, org: Org) -> None:
    clerk = authenticate(database, "clerk", PASSWORD)
    with pytest.raises(ValidationError) as wrong:
        change_password(database, clerk, "not-it-1", "newpass99")
    assert wrong.value.field == "old_password"
    with pytest.raises(ValidationError, match="letters and digits"):
        change_password(database, clerk, PASSWORD, "onlyletters")
    with pytest.raises(ValidationError, match="differ"):
        change_password(database, clerk, PASSWORD, PASSWORD)

    change_password(database, clerk, PASSWORD, "newpass99")
    row = _user_row(database, "clerk")
    assert verify_password(row.password_hash, "newpass99")
    assert row.must_change_password is False
    with pytest.raises(AuthenticationError):
        authenticate(database, "clerk", PASSWORD)
    assert authenticate(database, "clerk", "newpass99").username == "clerk"


def test_list_users_returns_plain_data_ordered(database: Database, org: Org) -> None:
    users = list_users(database)
    assert [(u.branch_code, u.username) for u in users] == [
        ("BJ01", "admin"), ("BJ01", "clerk"), ("BJ01", "gone")]
    gone = users[2]
    assert gone.active is False
    assert gone.role is Role.HANDLER


def test_messages_are_translated(database: Database, org: Org) -> None:
    from desk_app import i18n

    i18n.set_language("zh_CN")
    with pytest.raises(AuthenticationError) as info:
        authenticate(database, "clerk", "nope")
    assert str(info.value) != "Wrong user name or password."
    assert "密码" in str(info.value)
