"""Where things live: bundled resources (source checkout or PyInstaller bundle) and user directories.

The user directories hold personal data (the local database, its backups, drafts of intakes, logs) and the
keys of this PC: each is made, and kept, readable by its owner only (0700), whatever the umask.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import platformdirs

APP_NAME = "complaint-desk"


def resources_dir() -> Path:
    """The ``resources/`` folder: next to the packages in a checkout, inside ``sys._MEIPASS`` when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def private_dir(path: Path) -> Path:
    """``path`` as a folder only its owner may enter (made if missing; group and others' rights removed)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o700)
    return path


def user_data_dir() -> Path:
    return private_dir(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def user_config_dir() -> Path:
    """Not made here: whether config.toml exists tells the first start (made when something is saved)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def user_log_dir() -> Path:
    return private_dir(Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)))


def default_database_path() -> Path:
    return user_data_dir() / "desk.sqlite3"


def backup_dir() -> Path:
    return private_dir(user_data_dir() / "backups")
