"""desk-cli export-report and import, as HQ would schedule them (SQLite files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from signing_support import trust_branch
from sqlalchemy import func, select

from desk_app.__main__ import main
from desk_app.db.engine import make_engine
from desk_app.db.models import Complaint
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType, Role
from desk_app.services.accounts import create_user
from desk_app.services.setup import SetupRequest, initialise
from tests.reports.messy_files import gb18030_csv


def _cli(db: Path, *args: str) -> int:
    return main(["--language", "en", "--database-url", f"sqlite:///{db}", *args])


def _cases(db: Path) -> int:
    database = Database(make_engine(f"sqlite:///{db}"))
    try:
        with database.unit_of_work() as s:
            return s.scalar(select(func.count()).select_from(Complaint)) or 0
    finally:
        database.dispose()


@pytest.fixture
def branch_db(tmp_path: Path) -> Path:
    db = tmp_path / "branch.sqlite3"
    assert _cli(db, "demo-data", "--count", "150", "--seed", "3") == 0
    return db


def test_export_report(branch_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports" / "q.xlsx"
    assert _cli(branch_db, "export-report", "--from", "2025-01-01", "--to", "2030-12-31", "--out", str(out)) == 0
    assert "Wrote" in capsys.readouterr().out
    assert load_workbook(out).sheetnames[0] == "Summary"
    two = tmp_path / "two.xlsx"
    assert _cli(branch_db, "export-report", "--from", "2025-01-01", "--to", "2030-12-31", "--branch", "sh01,BJ01",
                "--out", str(two)) == 0
    codes = {row[1] for row in load_workbook(two)["By branch"].iter_rows(min_row=5, values_only=True)}
    assert codes == {"SH01", "BJ01"}
    detail = tmp_path / "detail.xlsx"
    assert _cli(branch_db, "export-report", "--from", "2025-01-01", "--to", "2030-12-31", "--out", str(detail),
                "--detail") == 0
    assert "masked" in capsys.readouterr().out
    # unmasked data only for an entitled account named with --user
    assert _cli(branch_db, "export-report", "--from", "2025-01-01", "--to", "2030-12-31", "--out", str(detail),
                "--detail", "--reveal-personal-data") == 2
    assert "may not do this: Export unmasked personal data" in capsys.readouterr().err
    assert _cli(branch_db, "export-report", "--from", "2025-01-01", "--to", "2030-12-31", "--out", str(detail),
                "--detail", "--reveal-personal-data", "--user", "sh01.manager") == 0
    assert "NOT masked" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        _cli(branch_db, "export-report", "--from", "2026-13-01", "--to", "2026-12-31", "--out", "x.xlsx")


def test_import_register_with_a_mapping_file(branch_db: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    register = gb18030_csv(tmp_path / "register.csv")
    before = _cases(branch_db)
    assert _cli(branch_db, "import", str(register), "--dry-run", "--branch", "SH01") == 1  # no A-axis value yet
    assert "axis_a" in capsys.readouterr().out
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"columns": {"received_at": "投诉日期", "customer_name": "客户姓名",
                                               "phone": "联系电话", "facts_what": "投诉内容", "channel": "投诉渠道",
                                               "axis_b": "业务类别", "axis_c": "投诉原因", "claimed_amount": "涉及金额",
                                               "closed_on": "完成时间"},
                                   "defaults": {"axis_a": "A01"}}, ensure_ascii=False), "utf-8")
    assert _cli(branch_db, "import", str(register), "--mapping-file", str(mapping), "--dry-run") == 0
    assert "6 to import" in capsys.readouterr().out
    assert _cli(branch_db, "import", str(register), "--mapping-file", str(mapping)) == 2  # who imports?
    assert _cli(branch_db, "import", str(register), "--mapping-file", str(mapping), "--save-mapping", "csv台账",
                "--user", "sh01.manager") == 0
    assert "Imported 6 cases" in capsys.readouterr().out
    assert _cases(branch_db) == before + 6
    assert _cli(branch_db, "import", str(register), "--mapping", "csv台账", "--user", "sh01.manager") == 1
    assert "already imported" in capsys.readouterr().out
    assert _cli(branch_db, "check") == 0  # every timeline chain intact


def test_consolidate_branch_files(branch_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "sh01.xlsx"
    assert _cli(branch_db, "export-report", "--from", "2025-01-01", "--to", "2030-12-31", "--out", str(export),
                "--detail", "--user", "sh01.manager", "--reveal-personal-data") == 0
    hq = tmp_path / "hq.sqlite3"
    assert _cli(hq, "migrate") == 0
    database = Database(make_engine(f"sqlite:///{hq}"))
    admin = initialise(database, SetupRequest("HQ", "总行", InstitutionType.BANK, "hqadmin", "管理员", "hqadmin2026",
                                              is_headquarters=True))
    create_user(database, admin, username="analyst", display_name="分析员", password="quarterly2026",
                role=Role.HQ_ANALYST, branch_id=admin.branch_id, must_change_password=False)
    trust_branch(database, "SH01")  # headquarters registered the branch's signing key
    database.dispose()
    capsys.readouterr()
    assert _cli(hq, "import", str(export), "--dry-run", "--json") == 0
    expected = json.loads(capsys.readouterr().out)["inserted"]
    assert expected > 0  # the SH01 cases of the branch database
    assert _cli(hq, "import", str(export), "--user", "analyst") == 0
    assert _cases(hq) == expected
    assert _cli(hq, "import", str(export), "--user", "analyst") == 0
    assert f"{expected} unchanged" in capsys.readouterr().out
    capsys.readouterr()
    assert _cli(hq, "import", str(branch_db), "--dry-run") != 0  # a branch's database file is not signed
    assert "not signed" in capsys.readouterr().out
    assert _cli(hq, "check") == 0


def test_branch_signing_key_read_out_then_registered_at_headquarters(
        branch_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.services.accounts import authenticate
    from desk_app.services.branch_keys import registered_signing_key
    from desk_app.services.branches import BranchFields, create_branch
    from desk_app.services.demo import DEMO_PASSWORD
    from desk_app.signing import fingerprint

    branch = Database(make_engine(f"sqlite:///{branch_db}"))
    admin = authenticate(branch, "admin", DEMO_PASSWORD)
    with branch.unit_of_work() as s:
        from desk_app.db.models import Branch

        sh01 = s.query(Branch).filter_by(code="SH01").one().id
    create_user(branch, admin, username="sh01.admin", display_name="网点管理员", password="Kx-7716-pw",
                role=Role.ADMINISTRATOR, branch_id=sh01, must_change_password=False)
    branch.dispose()
    capsys.readouterr()
    assert _cli(branch_db, "branch-key", "--user", "sh01.admin") == 0
    lines = capsys.readouterr().out.splitlines()
    assert "branch SH01" in lines[0]
    key = lines[1]
    assert lines[2] == f"Fingerprint: {fingerprint(key)}"

    hq = tmp_path / "hq.sqlite3"
    assert _cli(hq, "migrate") == 0
    database = Database(make_engine(f"sqlite:///{hq}"))
    hq_admin = initialise(database, SetupRequest("HQ", "总行", InstitutionType.BANK, "hqadmin", "管理员",
                                                 "Hq-9921-pw", is_headquarters=True))
    create_branch(database, hq_admin, "SH01", BranchFields("上海分行", InstitutionType.BANK))
    capsys.readouterr()
    assert _cli(hq, "branch-key", "--user", "hqadmin", "--register", "SH01", key[:30]) != 0  # cut short
    assert "not a branch signing key" in capsys.readouterr().err
    assert _cli(hq, "branch-key", "--user", "hqadmin", "--register", "SH01", key) == 0
    assert fingerprint(key) in capsys.readouterr().out
    assert registered_signing_key(database, hq_admin, "SH01").public_key == key
    database.dispose()
