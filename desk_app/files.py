"""Writing the files users ask for (exports, backups, letters) safely.

A file is written under a temporary name in the target folder and renamed over the requested name only
when complete, so a failure or a cancel never leaves a half-written file there. A full disk (or a file
too big for the volume or the user's quota) becomes a DiskFullError with a message the user can act on,
instead of an OSError traceback.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desk_app.errors import DiskFullError
from desk_app.i18n import _

#: "No space left on device", "File too large", "Disk quota exceeded".
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


def is_disk_full(exc: BaseException) -> bool:
    """An OSError for a full disk, or SQLite's "database or disk is full". SQLite reports only "no
    space" as full; a write refused because the file would grow past the system's limit (EFBIG)
    comes as a write I/O error, which is taken as the same thing."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_FULL_ERRNOS
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", 0)
        return code & 0xFF == sqlite3.SQLITE_FULL or code == sqlite3.SQLITE_IOERR_WRITE
    return False


def disk_full_error(path: Path) -> DiskFullError:
    return DiskFullError(_("{path} could not be written: the disk is full (or the file is too big for it). Free "
                           "some space or choose another folder, then try again.").format(path=path))


def partial_path(path: Path) -> Path:
    """A hidden temporary name next to ``path``."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.partial")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``, on error it is removed,
    so a cancelled or failed export never leaves a half-written file under the chosen name. A full disk
    raises DiskFullError."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = partial_path(path)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full_error(path) from exc
        raise
    finally:
        tmp_path.unlink(missing_ok=True)


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` all at once or not at all (see ``atomic_path``)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path
