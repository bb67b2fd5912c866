"""The file a branch sends for consolidation, opened and verified: a detail export workbook (its manifest,
the SHA-256 of its records part, the format version, the branch's Ed25519 signature checked against the
key registered at headquarters) or a branch's SQLite database (copied with SQLite's online backup and
upgraded to the current schema in the copy, and refused as unsigned). Both are read as records encoded by
``records.encode_raw``."""

from __future__ import annotations

import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select

from desk_app import signing
from desk_app.db.engine import make_engine
from desk_app.db.migrate import upgrade_to_head
from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.reports.detail import record_sections
from desk_app.reports.records import (
    FORMAT_NAME,
    FORMAT_VERSION,
    KINDS,
    MANIFEST_SHEET,
    OPTIONAL_KINDS,
    RECORDS_PART,
    TABLES,
    columns,
    encode_raw,
)
from desk_app.reports.records_db import DamagedRecordsError, extract
from desk_app.reports.xlsx_read import XlsxReader

SQLITE_MAGIC = b"SQLite format 3\x00"


def is_consolidation_source(path: Path) -> bool:
    """A SQLite database file, or a workbook with the manifest sheet of a detail export."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    if head == SQLITE_MAGIC:
        return True
    if not zipfile.is_zipfile(path):
        return False
    try:
        with XlsxReader(path) as reader:
            return any(s.name == MANIFEST_SHEET for s in reader.sheets)
    except UserError:
        return False


def _records(engine: Any) -> Iterator[tuple[str, str]]:
    """Every record of a database file (a branch's database, or the records part of an export); an
    optional kind whose table the file lacks (made before the kind was added) has none."""
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        absent = frozenset(kind for kind in OPTIONAL_KINDS if TABLES[kind].name not in present)
        for kind, query in record_sections(None, raw=True, without=absent):
            for row in conn.execute(query):
                yield kind, encode_raw(kind, row)


class WorkbookSource:
    kind = "workbook"

    def __init__(self, path: Path) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.engine: Any = None
        self.manifest: dict[str, Any] = {}
        self.problems: list[str] = []
        with XlsxReader(path) as reader:
            names = {s.name for s in reader.sheets}
            if MANIFEST_SHEET not in names:
                self.problems.append(_("This workbook is not a Complaint Desk detail export (its technical sheets "
                                       "are missing)."))
                return
            for _n, row in reader.rows(reader.sheet(MANIFEST_SHEET)):
                if row and row[0] is not None:
                    self.manifest[str(row[0])] = row[1] if len(row) > 1 else None
        if self.manifest.get("format") != FORMAT_NAME:
            self.problems.append(_("Unknown export format {name}.").format(name=self.manifest.get("format")))
            return
        version = self.manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            self.problems.append(_("This export was made by a newer version of Complaint Desk (format {v}); "
                                   "update the program at headquarters.").format(v=version))
            return
        if version < FORMAT_VERSION:
            self.problems.append(_("This export was made by an older version of Complaint Desk (format {v}); "
                                   "export it again at the branch.").format(v=version))
            return
        damaged_part = _damaged_part(path)
        if damaged_part:
            self.problems.append(_("The workbook is damaged ({part}); ask the branch to export it again.").format(
                part=damaged_part))
            return
        self._extract(path)

    def _extract(self, path: Path) -> None:
        damaged = _("The technical records of this workbook are damaged: {error}")
        self._tmp = tempfile.TemporaryDirectory(prefix="desk-consolidate-")
        copy = Path(self._tmp.name) / "records.sqlite3"
        try:
            with zipfile.ZipFile(path) as zf, zf.open(RECORDS_PART) as part:
                digest = extract(part, copy)
        except KeyError:  # Excel and LibreOffice do not keep a part they do not know when they save a workbook
            self.problems.append(_("This workbook has no technical records: it was probably saved again in a "
                                   "spreadsheet program, which drops them. Send the file exactly as it was exported, "
                                   "or export it again."))
            return
        except (OSError, zipfile.BadZipFile, DamagedRecordsError) as exc:
            self.problems.append(damaged.format(error=exc))
            return
        if digest != self.manifest.get("sha256"):
            self.problems.append(_("The technical records do not match their checksum: the file was changed after "
                                   "the export."))
            return
        missing = _missing_record_columns(copy)
        if missing:
            self.problems.append(damaged.format(error=_("missing {names}").format(names=", ".join(missing[:5]))))
            return
        _index_for_reading(copy)
        self.engine = make_engine(f"sqlite:///{copy}")

    def records(self) -> Iterator[tuple[str, str]]:
        yield from _records(self.engine)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        if self._tmp is not None:
            self._tmp.cleanup()


def _damaged_part(path: Path) -> str | None:
    """The first part of the workbook whose data fail their zip checksum (any damage to the file, also
    in the sheets consolidation does not read), or None."""
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.testzip()
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        return str(exc)


def _index_for_reading(path: Path) -> None:
    """The records file has no indexes (it is written as fast as possible); reading it as records looks
    up each customer's cases, which without this index is a scan of all cases per customer."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute("CREATE INDEX IF NOT EXISTS ix_records_complaints_customer ON complaints (customer_id)")
    finally:
        conn.close()


def _missing_record_columns(path: Path) -> list[str]:
    """table.column of every record column the file lacks (all of them when it is not a database); an
    optional kind's table may be missing altogether (a file made before the kind was added)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            present = {(table, row[1]) for table in {t.name for t in TABLES.values()}
                       for row in conn.execute(f'PRAGMA table_info("{table}")')}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        present = set()
    tables = {table for table, _column in present}
    return [f"{TABLES[kind].name}.{c.name}" for kind in KINDS for c in columns(kind)
            if (TABLES[kind].name, c.name) not in present
            and not (kind in OPTIONAL_KINDS and TABLES[kind].name not in tables)]


class SqliteSource:
    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="desk-consolidate-")
        copy = Path(self._tmp.name) / "branch.sqlite3"
        self.problems: list[str] = []
        self.manifest: dict[str, Any] = {"personal_data": "full", "source_database": "sqlite"}
        self.engine = None
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                target = sqlite3.connect(copy)
                with target:
                    source.backup(target)
                target.close()
            finally:
                source.close()
            check = sqlite3.connect(copy)
            try:
                tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            finally:
                check.close()
        except sqlite3.DatabaseError as exc:
            self.problems.append(_("The file is not a readable SQLite database: {error}").format(error=exc))
            return
        if "alembic_version" not in tables or "complaints" not in tables:
            self.problems.append(_("This SQLite file is not a Complaint Desk database."))
            return
        self.engine = make_engine(f"sqlite:///{copy}")
        try:
            upgrade_to_head(self.engine)  # the copy only: an older branch database is read at today's schema
        except Exception as exc:
            self.problems.append(_("The branch database cannot be brought to the current schema: {error}").format(
                error=exc))

    def records(self) -> Iterator[tuple[str, str]]:
        yield from _records(self.engine)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        self._tmp.cleanup()


def open_source(path: Path) -> WorkbookSource | SqliteSource:
    with Path(path).open("rb") as fh:
        head = fh.read(16)
    return SqliteSource(path) if head == SQLITE_MAGIC else WorkbookSource(path)


@dataclass(frozen=True)
class Signer:
    code: str
    is_headquarters: bool


def verify_signer(db: Database, source: WorkbookSource | SqliteSource) -> Signer | str:
    """The branch whose registered key signed the file, or the problem (naming the fix) that refuses it."""
    if isinstance(source, SqliteSource):
        return _("A branch's database file is not signed, so headquarters cannot tell where it came from or "
                 "whether it was changed. At the branch, export every case (Reports › Export, every case), "
                 "which is signed, and consolidate that file.")
    code = str(source.manifest.get(signing.SIGNER) or "")
    if not code or not source.manifest.get(signing.SIGNATURE):
        return _("This file is not signed. Ask the branch to export it again with this version of Complaint "
                 "Desk: its exports are signed with the branch's key, which an administrator at headquarters "
                 "registers once (Administration › Branches › Signing key).")
    with db.unit_of_work() as session:
        branch = session.scalars(select(Branch).where(Branch.code == code)).first()
        if branch is None or not branch.signing_public_key:
            return _("No signing key is registered for branch {code}. An administrator at headquarters registers "
                     "the key that the branch's administrator reads out (Administration › Branches › Signing "
                     "key), then consolidate again.").format(code=code)
        if not signing.verify(source.manifest, branch.signing_public_key):
            return _("The signature does not match branch {code}'s registered key: the file was changed after "
                     "the export, or was not signed by that branch. Nothing was imported.").format(code=code)
        return Signer(branch.code, branch.is_headquarters)


