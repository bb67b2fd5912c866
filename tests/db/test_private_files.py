"""Personal data on disk and in errors: the user folders and a new SQLite database are their owner's only,
and a failed statement's parameters (a customer's name, phone) never appear in the error."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from desk_app import paths
from desk_app.config import save_config
from desk_app.db.engine import make_engine
from desk_app.services.drafts import DraftStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return tmp_path


def test_user_folders_are_owner_only_whatever_the_umask(homes: Path) -> None:
    old = os.umask(0o022)
    try:
        folders = [paths.user_data_dir(), paths.user_log_dir(), paths.backup_dir()]
        save_config({"language": "en"})
        folders.append(paths.user_config_dir())
        drafts = DraftStore("clerk", homes / "drafts")
        drafts.save({"name": "王芳", "phone": "13812345678"})
        folders.append(homes / "drafts")
    finally:
        os.umask(old)
    assert {str(f): mode(f) for f in folders} == {str(f): 0o700 for f in folders}


def test_a_folder_made_open_earlier_is_closed_again(homes: Path) -> None:
    folder = homes / "xdg_data_home" / paths.APP_NAME
    folder.mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    assert paths.user_data_dir() == folder and mode(folder) == 0o700


def test_a_new_sqlite_database_is_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'shared' / 'desk.sqlite3'}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
        engine.dispose()
    finally:
        os.umask(old)
    assert mode(tmp_path / "shared" / "desk.sqlite3") == 0o600


def test_parameters_of_a_failed_statement_are_hidden(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (phone TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO customers VALUES ('13812345678')"))
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO customers VALUES (:phone)"), {"phone": "13812345678"})
    assert "13812345678" not in str(caught.value)
    engine.dispose()
