"""desk-cli end to end on a SQLite file: migrate, demo-data, check (and tamper detection), backup, self-test."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from desk_app.__main__ import main
from desk_app.db.migrate import head_revision


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_migrate_demo_check_and_tamper(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "desk.sqlite3"
    assert main(["--language", "en", "--database-url", _url(db), "migrate"]) == 0
    assert f"(empty) → {head_revision()}" in capsys.readouterr().out
    assert main(["--language", "en", "--database-url", _url(db), "demo-data", "--count", "120", "--seed", "7"]) == 0
    assert "Added 120 demo cases" in capsys.readouterr().out
    assert main(["--language", "en", "--database-url", _url(db), "check"]) == 0
    out = capsys.readouterr().out
    assert "all case timelines intact" in out and "FAIL" not in out

    with sqlite3.connect(db) as conn:
        number, complaint_id = conn.execute(
            "SELECT case_number, id FROM complaints ORDER BY case_number LIMIT 1").fetchone()
        conn.execute("UPDATE complaint_events SET payload = '{\"to\": \"closed\"}' "
                     "WHERE complaint_id = ? AND seq = 1", (complaint_id,))
    assert main(["--language", "en", "--database-url", _url(db), "check"]) == 1
    out = capsys.readouterr().out
    assert f"timeline of case {number} broken at event 1" in out


def test_demo_data_creates_branches_users_and_a_year_of_cases(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite3"
    assert main(["--database-url", _url(db), "demo-data", "--count", "400", "--seed", "3"]) == 0
    with sqlite3.connect(db) as conn:
        branches = {row[0] for row in conn.execute("SELECT code FROM branches")}
        statuses = {row[0] for row in conn.execute("SELECT DISTINCT status FROM complaints")}
        channels = conn.execute("SELECT COUNT(DISTINCT channel) FROM complaints").fetchone()[0]
        causes = conn.execute("SELECT COUNT(DISTINCT axis_c) FROM complaints").fetchone()[0]
        span = conn.execute("SELECT julianday(MAX(received_at)) - julianday(MIN(received_at)) FROM complaints"
                            ).fetchone()[0]
        numbers = conn.execute("SELECT COUNT(DISTINCT case_number), COUNT(*) FROM complaints").fetchone()
    assert {"HQ", "BJ01", "SH01", "GZ01", "CD01"} <= branches
    assert {"registered", "in_progress", "closed"} <= statuses
    assert channels >= 6 and causes >= 8 and span > 200
    assert numbers[0] == numbers[1] == 400


def test_check_on_a_file_that_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_bytes(b"this is a spreadsheet, not a database" * 100)
    original = bogus.read_bytes()
    assert main(["--language", "en", "--database-url", _url(bogus), "check"]) == 1
    assert "cannot be opened" in capsys.readouterr().out
    assert main(["--language", "en", "--database-url", _url(bogus), "migrate"]) == 2
    assert "Error:" in capsys.readouterr().err
    assert bogus.read_bytes() == original


def test_backup_and_self_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "desk.sqlite3"
    assert main(["--database-url", _url(db), "migrate"]) == 0
    assert main(["--language", "en", "--database-url", _url(db), "backup", "--out", str(tmp_path / "b")]) == 0
    assert len(list((tmp_path / "b").glob("*.sqlite3"))) == 1
    assert main(["--language", "en", "self-test"]) == 0
    out = capsys.readouterr().out
    assert "Self-test passed." in out
    assert re.search(r"\b1[2-9] practice scenarios read; a drill scored (\d+) of \1 on a practice database", out)


def test_retention_lists_first_and_anonymises_only_with_apply(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "desk.sqlite3"
    assert main(["--database-url", _url(db), "demo-data", "--count", "150", "--seed", "5"]) == 0
    with sqlite3.connect(db) as conn:  # five closed cases were closed two years ago
        old = [row[0] for row in conn.execute(
            "SELECT id FROM complaints WHERE status = 'closed' ORDER BY case_number LIMIT 5")]
        conn.executemany("UPDATE complaints SET closed_at = '2024-06-01 08:00:00.000000' WHERE id = ?",
                         [(cid,) for cid in old])
        numbers = {row[0] for row in conn.execute(
            f"SELECT case_number FROM complaints WHERE id IN ({','.join('?' * len(old))})", old)}
        before = conn.execute("SELECT COUNT(*) FROM customers WHERE anonymised = 0").fetchone()[0]
    capsys.readouterr()
    base = ["--language", "en", "--database-url", _url(db), "retention", "--years", "1"]

    assert main([*base, "--user", "sh01.clerk"]) == 2  # only an administrator
    assert "may not" in capsys.readouterr().err
    assert main([*base, "--user", "admin"]) == 0  # the dry run lists them and changes nothing
    out = capsys.readouterr().out
    assert {line.split("\t")[0] for line in out.splitlines() if "\t" in line} == numbers
    assert "5 closed cases are older than 1 years" in out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM customers WHERE anonymised = 0").fetchone()[0] == before

    assert main([*base, "--user", "admin", "--apply"]) == 0
    assert "Personal data removed from 5 cases" in capsys.readouterr().out
    with sqlite3.connect(db) as conn:
        anonymised = conn.execute(
            "SELECT COUNT(DISTINCT cu.id) FROM customers cu JOIN complaints c ON c.customer_id = cu.id "
            f"WHERE cu.anonymised = 1 AND cu.id_number = '' AND c.id IN ({','.join('?' * len(old))})", old
        ).fetchone()[0]
        assert 1 <= anonymised <= 5  # a repeat complainant with a newer case keeps their data
        assert conn.execute("SELECT COUNT(*) FROM complaints").fetchone()[0] == 150  # statistics kept
    assert main([*base, "--user", "admin"]) == 0
    assert main(["--language", "en", "--database-url", _url(db), "check"]) == 0


def test_check_scenarios_reads_each_file_as_the_drills_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.domain.drill_scenario import bundled_scenarios_dir

    assert main(["--language", "en", "check-scenarios"]) == 0
    assert capsys.readouterr().out.count(": valid (") == len(list(bundled_scenarios_dir().glob("*.toml")))
    broken = tmp_path / "bank_queue_respect.toml"
    text = (bundled_scenarios_dir() / broken.name).read_text(encoding="utf-8")
    broken.write_text(text.replace("emotion = 3", "emotion = 9", 1), encoding="utf-8")
    assert main(["--language", "en", "check-scenarios", str(broken)]) == 1
    assert "bank_queue_respect.toml: persona.portrait: emotion must be a whole number from 1 to 5, not 9" in \
        capsys.readouterr().err
