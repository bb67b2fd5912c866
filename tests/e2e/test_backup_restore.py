"""Backups with rotation, the schedule check, and a restore that verifies before replacing anything."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desk_app.__main__ import main
from desk_app.db.engine import make_engine
from desk_app.errors import ValidationError
from desk_app.services.backups import backup_if_due, backup_now, verify_backup


def _cases(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM complaints").fetchone()[0])


def test_rotation_and_schedule(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite3"
    assert main(["--database-url", f"sqlite:///{db}", "demo-data", "--count", "20", "--seed", "1"]) == 0
    engine = make_engine(f"sqlite:///{db}")
    folder = tmp_path / "backups"
    for _ in range(4):
        backup_now(engine, folder, keep=3)
        time.sleep(0.01)
    assert len(list(folder.glob("*-manual-*.sqlite3"))) == 3
    first = backup_if_due(engine, folder)
    assert first is not None and verify_backup(first).complaints == 20
    assert backup_if_due(engine, folder) is None  # the newest scheduled backup is fresh
    old = time.time() - 2 * 86400
    os.utime(first, (old, old))
    assert backup_if_due(engine, folder, now=datetime.now() + timedelta(minutes=1)) is not None
    engine.dispose()


def test_restore_verifies_first_and_keeps_the_current_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "desk.sqlite3"
    url = f"sqlite:///{db}"
    assert main(["--database-url", url, "demo-data", "--count", "10", "--seed", "1"]) == 0
    assert main(["--language", "en", "--database-url", url, "backup", "--out", str(tmp_path / "b")]) == 0
    backup = next((tmp_path / "b").glob("*.sqlite3"))
    assert main(["--database-url", url, "demo-data", "--count", "5", "--seed", "2"]) == 0
    assert _cases(db) == 15

    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(backup.read_bytes()[:5000])
    with pytest.raises(ValidationError):
        verify_backup(broken)
    assert main(["--language", "en", "--database-url", url, "restore", str(broken), "--yes"]) == 2
    assert _cases(db) == 15  # untouched

    assert main(["--language", "en", "--database-url", url, "restore", str(backup)]) == 1  # asks for --yes
    assert main(["--language", "en", "--database-url", url, "restore", str(backup), "--yes"]) == 0
    assert "Restored" in capsys.readouterr().out
    assert _cases(db) == 10
    assert main(["--language", "en", "--database-url", url, "check"]) == 0
