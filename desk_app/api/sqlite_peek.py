"""A look into this PC's SQLite file before SQLAlchemy is loaded (start-up time, issue 21): whether it already
holds accounts, so the start can show the sign-in dialog at once and open the database behind it. Only the
standard library's sqlite3, read-only; any doubt answers False and the start opens the database first, as
before (the first-run wizard, a migration error, a URL this look does not understand)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import unquote

#: The URL forms ``AppConfig.db_url`` takes for a SQLite file (the default database is ``sqlite:///<path>``).
_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


def sqlite_file(url: str) -> Path | None:
    """The file a plain SQLite URL names; None for any other database, in-memory SQLite or a URL with options."""
    for prefix in _PREFIXES:
        if url.startswith(prefix):
            database = url[len(prefix):]
            if not database or "?" in database or database == ":memory:":
                return None
            return Path(unquote(database))
    return None


def has_accounts(url: str) -> bool:
    """True when ``url`` names an existing SQLite file whose ``users`` table holds at least one account."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return False
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error:
        return False
    try:
        return connection.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None
    except sqlite3.Error:  # no such table yet, locked, not a database: open it the usual way
        return False
    finally:
        connection.close()
