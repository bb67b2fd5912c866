"""SQLite backups: online copies with rotation, a schedule check, and a restore that verifies first.

A restore never touches the live database until the backup has passed ``PRAGMA integrity_check`` and
carries a schema revision this program knows; the live file is itself backed up before it is replaced.
The keys are not in a backup (``desk_app.key_archive``): the check says whether the backup's timelines
verify with this installation's chain key, so a restore on a replacement PC asks for the key archive.
PostgreSQL is backed up with pg_dump (see README).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from desk_app.db.engine import sqlite_path
from desk_app.db.migrate import alembic_config, backup_sqlite
from desk_app.db.models import ComplaintEvent
from desk_app.errors import DatabaseUnavailableError, ValidationError
from desk_app.i18n import _
from desk_app.security import chain_key, chain_key_file
from desk_app.services.timeline import check_chain

DEFAULT_KEEP = 14
SCHEDULED_LABEL = "scheduled"


@dataclass(frozen=True)
class BackupCheck:
    path: Path
    revision: str
    complaints: int
    chain_key_matches: bool | None = None
    """Whether the backup's timelines verify with this installation's chain key (None: no timeline yet)."""


def _backups(folder: Path, label: str) -> list[Path]:
    return sorted(folder.glob(f"*-{label}-*.sqlite3"), key=lambda p: p.stat().st_mtime)


def rotate(folder: Path, label: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups with this label; returns the deleted files."""
    old = _backups(folder, label)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


def backup_now(engine: Engine, folder: Path, label: str = "manual", keep: int = DEFAULT_KEEP) -> Path | None:
    target = backup_sqlite(engine, folder, label=label)
    if target is not None:
        rotate(folder, label, keep)
    return target


def backup_if_due(engine: Engine, folder: Path, every: timedelta = timedelta(hours=24),
                  keep: int = DEFAULT_KEEP, now: datetime | None = None) -> Path | None:
    """The scheduled backup: make one when the newest scheduled backup is older than ``every``."""
    if sqlite_path(str(engine.url)) is None:
        return None
    existing = _backups(folder, SCHEDULED_LABEL) if folder.exists() else []
    now = now or datetime.now()
    if existing and now - datetime.fromtimestamp(existing[-1].stat().st_mtime) < every:
        return None
    return backup_now(engine, folder, SCHEDULED_LABEL, keep)


def verify_backup(path: Path) -> BackupCheck:
    """Open a backup read-only and check it: a SQLite file, intact, at a known schema revision."""
    if not path.is_file():
        raise ValidationError(_("The backup file {path} does not exist.").format(path=path))
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise ValidationError(_("The backup {path} is damaged: {detail}").format(path=path, detail=result))
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            complaints = conn.execute("SELECT COUNT(*) FROM complaints").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValidationError(_("{path} is not a Complaint Desk backup: {error}").format(path=path, error=exc)) from exc
    from alembic.script import ScriptDirectory  # loaded only here, not when the app starts

    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if revision not in known:
        raise ValidationError(_("The backup {path} is from a newer program version (schema {revision}).").format(
            path=path, revision=revision))
    return BackupCheck(path, revision, int(complaints), _sealed_with_this_key(path))


def _sealed_with_this_key(path: Path, sample: int = 20) -> bool | None:
    """Whether the timelines of a sample of the backup's cases verify with this installation's chain key.
    One intact chain is enough (a tampered case is for ``desk-cli check``; another key breaks them all)."""
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with Session(engine) as session:
            ids = session.scalars(select(ComplaintEvent.complaint_id).where(ComplaintEvent.seq == 1)
                                  .limit(sample)).all()
            if not ids:
                return None
            if not chain_key_file().exists():
                return False
            key = chain_key()
            return any(check_chain(session, cid, key) is None for cid in ids)
    finally:
        engine.dispose()


def restore(backup: Path, target: Path, safety_folder: Path) -> BackupCheck:
    """Replace the database file ``target`` with ``backup`` after verifying it. The current file is
    first saved to ``safety_folder``. No client may have the database open while this runs."""
    check = verify_backup(backup)
    if target.exists():
        src = sqlite3.connect(str(target))
        try:
            safety_folder.mkdir(parents=True, exist_ok=True)
            safety = safety_folder / f"{target.stem}-before-restore-{datetime.now():%Y%m%d-%H%M%S-%f}.sqlite3"
            dst = sqlite3.connect(str(safety))
            try:
                src.backup(dst)
            finally:
                dst.close()
        except sqlite3.DatabaseError as exc:
            raise DatabaseUnavailableError(_("The current database could not be saved before the restore: "
                                             "{error}").format(error=exc)) from exc
        finally:
            src.close()
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)  # writes through SQLite: the WAL of the live file stays consistent
        finally:
            dest.close()
    finally:
        source.close()
    return check
