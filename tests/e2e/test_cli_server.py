"""``desk-cli`` against a live desk server (in a thread of this process, on SQLite and PostgreSQL): pin the
server's certificate with ``trust-server``, then ``export-report`` and ``import`` sign in as a real account
(the password from ``DESK_PASSWORD``, as a scheduled run has it, or a prompt) and run as jobs on the server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from server_support import LiveServer
from sqlalchemy import func, select

from desk_app.__main__ import main
from desk_app.api.pinning import certificate_file, pinned_certificate
from desk_app.db.models import Complaint, ImportBatch
from desk_app.services.accounts import authenticate
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.report_scope import ReportScope
from desk_app.services.statistics import export_statistics
from tests.reports.report_data import Q2, build_report_data
from tests.support.imported import exported_csv


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own user config folder (where the pinned certificates are kept)."""
    home = tmp_path / "config-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("DESK_SERVER_URL", raising=False)
    monkeypatch.delenv("DESK_PASSWORD", raising=False)
    return home


def cli(*args: str) -> int:
    return main(["--language", "en", *args])


@pytest.fixture
def trusted(server: LiveServer) -> LiveServer:
    assert cli("trust-server", server.url, "--fingerprint", server.certificate.fingerprint) == 0
    return server


def test_trust_server_pins_the_certificate_once_confirmed(server: LiveServer, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fingerprint = server.certificate.fingerprint
    wrong = fingerprint[:-2] + ("00" if not fingerprint.endswith("00") else "11")
    assert cli("trust-server", server.url, "--fingerprint", wrong) == 2
    assert fingerprint in capsys.readouterr().out
    assert pinned_certificate(server.url) is None
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli("trust-server", server.url) == 1
    assert pinned_certificate(server.url) is None
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert cli("trust-server", server.url) == 0
    assert "from now on this PC trusts only this certificate" in capsys.readouterr().out
    assert pinned_certificate(server.url) == server.certificate
    assert cli("trust-server", server.url, "--fingerprint", fingerprint.replace(":", "").lower()) == 0
    assert "already trusts" in capsys.readouterr().out


def test_export_report_through_the_server(trusted: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    build_report_data(trusted.db, count=120)
    monkeypatch.setenv("DESK_PASSWORD", DEMO_PASSWORD)
    out = tmp_path / "out" / "q2.xlsx"
    period = ["--from", Q2[0].isoformat(), "--to", Q2[1].isoformat()]
    assert cli("--server", trusted.url, "export-report", *period, "--out", str(out), "--user", "hq.analyst") == 0
    local = export_statistics(trusted.db, authenticate(trusted.db, "hq.analyst", DEMO_PASSWORD), ReportScope(*Q2),
                              tmp_path / "local.xlsx")
    assert f"Wrote {out}: {local.summary.total} cases" in capsys.readouterr().out
    assert load_workbook(out).sheetnames == load_workbook(tmp_path / "local.xlsx").sheetnames

    detail = tmp_path / "out" / "detail.xlsx"
    monkeypatch.setenv("DESK_SERVER_URL", trusted.url)
    assert cli("export-report", *period, "--out", str(detail), "--detail", "--user", "sh01.manager",
               "--reveal-personal-data") == 0
    assert "personal data NOT masked" in capsys.readouterr().out
    assert load_workbook(detail)["Case details"].max_row > 3
    # the server decides what the account may do: an HQ analyst may not reveal personal data
    assert cli("export-report", *period, "--out", str(tmp_path / "out" / "x.xlsx"), "--detail", "--user",
               "hq.analyst", "--reveal-personal-data") == 2
    assert "Error:" in capsys.readouterr().err
    assert sorted(p.name for p in out.parent.iterdir()) == ["detail.xlsx", "q2.xlsx"]


def test_a_wrong_password_or_an_untrusted_server_is_refused(server: LiveServer, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    build_report_data(server.db, count=20)
    out = tmp_path / "q2.xlsx"
    args = ["--server", server.url, "export-report", "--from", "2026-04-01", "--to", "2026-06-30", "--out", str(out),
            "--user", "hq.analyst"]
    monkeypatch.setenv("DESK_PASSWORD", DEMO_PASSWORD)
    assert cli(*args) == 2
    assert "does not trust the desk server" in capsys.readouterr().err
    certificate_file(server.url).parent.mkdir(parents=True)
    certificate_file(server.url).write_text(server.certificate.pem)
    prompts: list[str] = []

    def typed(prompt: str) -> str:
        prompts.append(prompt)
        return "not the password"

    monkeypatch.delenv("DESK_PASSWORD")
    monkeypatch.setattr("getpass.getpass", typed)
    assert cli(*args) == 2
    assert prompts == [f"Password of hq.analyst on {server.url}: "]
    assert "Error:" in capsys.readouterr().err
    assert cli(*args[:-2]) == 2  # no account named
    assert "--user" in capsys.readouterr().err
    assert not out.exists()


def test_import_through_the_server(trusted: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    build_report_data(trusted.db, count=20)
    with trusted.db.unit_of_work() as session:
        before = session.scalar(select(func.count()).select_from(Complaint))
    register = exported_csv(tmp_path / "register.csv")
    monkeypatch.setenv("DESK_PASSWORD", DEMO_PASSWORD)
    server = ["--server", trusted.url]
    capsys.readouterr()
    assert cli(*server, "import", str(register), "--dry-run", "--user", "sh01.manager") == 1  # no A axis column
    mapping = tmp_path / "mapping.json"
    columns = {"received_at": "投诉日期", "customer_name": "客户姓名", "phone": "联系电话", "id_number": "证件号码",
               "channel": "投诉渠道", "axis_b": "业务类别", "axis_c": "投诉原因", "facts_what": "投诉内容",
               "request_text": "客户诉求", "claimed_amount": "涉及金额", "closed_on": "完成时间",
               "result": "处理结果"}
    mapping.write_text(json.dumps({"columns": columns, "defaults": {"axis_a": "A01"}}, ensure_ascii=False))
    assert cli(*server, "import", str(register), "--mapping-file", str(mapping), "--save-mapping", "csv台账",
               "--dry-run", "--user", "sh01.manager") == 0, capsys.readouterr()
    assert "6 to import" in capsys.readouterr().out
    assert cli(*server, "import", str(register), "--mapping", "csv台账", "--user", "sh01.manager") == 0
    assert "Imported 6 cases (SH01-" in capsys.readouterr().out
    with trusted.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == before + 6
        assert session.scalars(select(ImportBatch.source_name)).all() == ["register.csv"]
    assert cli(*server, "import", str(register), "--mapping", "csv台账", "--user", "sh01.manager") == 1
    assert "already imported" in capsys.readouterr().out


def test_database_commands_stay_on_this_pc(server: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["migrate"], ["check"], ["backup"], ["restore", "x.sqlite3"]):
        assert cli("--server", server.url, *command) == 2
        assert "without --server" in capsys.readouterr().err
    assert cli("--server", server.url, "--database-url", "sqlite:///x.sqlite3", "export-report", "--from",
               "2026-04-01", "--to", "2026-06-30", "--out", "x.xlsx", "--user", "x") == 2
    assert "exclude each other" in capsys.readouterr().err
