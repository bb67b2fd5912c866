"""The start-up import graph (issue 21): starting the app on this PC's database paints the sign-in dialog before
SQLAlchemy, the models, the services, the password hash and the main window are imported (they load behind it),
and up to the main window's first paint loads none of the heavy modules the first window does not need — they
load on first use. Checked in a fresh process, since this test process has imported everything already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from desk_app.domain.enums import InstitutionType
from desk_app.services import setup
from ui.app import EXIT_CANCELLED
from ui.context import open_local_database

PROBE = Path(__file__).with_name("startup_probe.py")
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "start2026x"


def _database(folder: Path) -> str:
    """A set-up SQLite database at schema head: a head-office administrator sees every page the start builds."""
    url = f"sqlite:///{folder / 'desk.sqlite3'}"
    db, _revision = open_local_database(url)
    try:
        setup.initialise(db, setup.SetupRequest("HQ01", "总行", InstitutionType.BANK, "admin", "王管理", PASSWORD,
                                                is_headquarters=True))
    finally:
        db.dispose()
    return url


def _probe(tmp_path: Path, *args: str) -> dict[str, Any]:
    """What startup_probe.py reports, run in a fresh process with its own configuration, data and log folders."""
    home = tmp_path / "home"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), XDG_STATE_HOME=str(home / "state"),
               XDG_CACHE_HOME=str(home / "cache"), PYTHONPATH=os.pathsep.join([str(ROOT), str(PROBE.parent)]))
    env.pop("DESK_DATABASE_URL", None)
    done = subprocess.run([sys.executable, str(PROBE), *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_the_start_loads_no_heavy_module_before_the_first_window(tmp_path: Path) -> None:
    report = _probe(tmp_path, _database(tmp_path), PASSWORD)
    assert report["exit_code"] == 0 and report["signed_in_by_dialog"], report
    assert report["first_window"] == "loginDialog"
    assert report["at_first_window"] == [], "loaded before the sign-in dialog was painted"
    assert report["at_first_paint"] == [], "loaded before the first window was painted"
    assert report["after_first_loads"] == [], "loaded by the first window's own loads"


def test_the_first_run_wizard_is_painted_before_the_database_layer_loads(tmp_path: Path) -> None:
    report = _probe(tmp_path, "--first-run")
    assert report["exit_code"] == EXIT_CANCELLED and report["first_window"] == "firstRunWizard", report
    loaded = [name for name in report["at_first_window"] if not name.startswith("ui.dialogs.first_run_wizard")]
    assert loaded == [], "loaded before the first-run wizard was painted"
