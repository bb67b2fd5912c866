"""Configuration: the database discovery order, when the first-run wizard is needed, no password on disk."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from desk_app.config import ENV_DATABASE_URL, first_run_needed, load_config, save_config, without_password
from desk_app.errors import ValidationError
from desk_app.paths import default_database_path


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    return tmp_path / "config.toml"


def test_discovery_order_option_then_environment_then_file_then_local(
        config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_config(path=config_path).db_url == f"sqlite:///{default_database_path()}"
    save_config({"db_url": "postgresql+psycopg://desk@file-host/desk"}, config_path)
    assert load_config(path=config_path).db_url == "postgresql+psycopg://desk@file-host/desk"
    monkeypatch.setenv(ENV_DATABASE_URL, "postgresql+psycopg://desk@env-host/desk")
    assert load_config(path=config_path).db_url == "postgresql+psycopg://desk@env-host/desk"
    assert load_config("sqlite:////tmp/option.sqlite3", path=config_path).db_url == "sqlite:////tmp/option.sqlite3"


def test_first_run_is_needed_only_when_nothing_names_a_database(
        config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default_database_path().unlink(missing_ok=True)
    assert first_run_needed(path=config_path)
    assert not first_run_needed("sqlite:////tmp/x.sqlite3", path=config_path)
    monkeypatch.setenv(ENV_DATABASE_URL, "sqlite:////tmp/x.sqlite3")
    assert not first_run_needed(path=config_path)
    monkeypatch.delenv(ENV_DATABASE_URL)
    save_config({"language": "en"}, config_path)
    assert first_run_needed(path=config_path)  # a language alone does not name a database
    save_config({"db_url": "postgresql+psycopg://desk@server/desk"}, config_path)
    assert not first_run_needed(path=config_path)
    config_path.unlink()
    default_database_path().touch()
    try:
        assert not first_run_needed(path=config_path)
    finally:
        default_database_path().unlink()


def test_config_file_never_holds_a_database_password(config_path: Path) -> None:
    save_config({"db_url": "postgresql+psycopg://desk:S3cret%21pw@db.example/desk?sslmode=require",
                 "idle_lock_minutes": 7}, config_path)
    content = config_path.read_text(encoding="utf-8")
    assert "S3cret" not in content
    config = load_config(path=config_path)
    assert config.db_url == "postgresql+psycopg://desk@db.example/desk?sslmode=require"
    assert config.idle_lock_minutes == 7


def test_without_password_leaves_other_urls_alone() -> None:
    assert without_password("sqlite:////tmp/a b.sqlite3") == "sqlite:////tmp/a b.sqlite3"
    assert without_password("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    assert without_password("not a url") == "not a url"


@pytest.mark.parametrize(("line", "key"), [
    ('idle_lock_minutes = "five"', "idle_lock_minutes"),
    ("idle_lock_minutes = 0", "idle_lock_minutes"),
    ("idle_lock_minutes = true", "idle_lock_minutes"),
    ("retention_years = 1000", "retention_years"),
    ("first_contact_hours = 2.5", "first_contact_hours"),
    ('language = "fr"', "language"),
    ("language = 1", "language"),
    ('office_timezone = "Mars/Olympus"', "office_timezone"),
])
def test_a_wrong_setting_is_named_in_a_translated_message(config_path: Path, line: str, key: str) -> None:
    config_path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_config(path=config_path)
    assert key in str(caught.value)
    assert str(config_path) in str(caught.value)


def test_saved_settings_are_valid_toml_that_loads_back(config_path: Path) -> None:
    """The old writer wrote Python's ``True`` and broke the next start; tomli-w writes TOML."""
    save_config({"language": 'en', "idle_lock_minutes": 9, "server_url": 'https://desk.example:8443/"x"\\y'},
                config_path)
    save_config({"retention_years": 4}, config_path)  # merged with what is there
    with config_path.open("rb") as fh:
        data = tomllib.load(fh)
    assert data == {"idle_lock_minutes": 9, "language": "en", "retention_years": 4,
                    "server_url": 'https://desk.example:8443/"x"\\y'}
    config = load_config(path=config_path)
    assert (config.language, config.idle_lock_minutes, config.retention_years) == ("en", 9, 4)
    assert config.server_url == 'https://desk.example:8443/"x"\\y'


def test_defaults_come_from_one_place(config_path: Path) -> None:
    config = load_config(path=config_path)
    assert (config.language, config.idle_lock_minutes, config.first_contact_hours, config.retention_years,
            config.office_timezone, config.server_url) == ("zh_CN", 5, 24, 3, "Asia/Shanghai", "")
