"""Consolidation at headquarters: bring a branch's cases into the HQ database.

Sources: a detail export workbook made at the branch (its manifest sheet and records part, see
``desk_app.reports.records``) or the branch's SQLite database file itself (copied with SQLite's
online backup, upgraded to the current schema in the copy). Both are read the same way: as
records encoded by ``records.encode_raw`` from a SQLite file. Records are merged by UUID, so
consolidating the same file again changes nothing.

Validation comes first and is complete: the manifest and the SHA-256 of the records part (a record
edited after the export is caught), the number of records of each kind, every record against its
table, every case's hash-chained timeline, references between records (customer, users, branch),
taxonomy codes known at HQ, and case numbers not used at HQ by another case. Any problem → nothing
is imported and the report lists the problems.

Each case is then compared with HQ's copy through its timeline (the hash chain tells who changed
what): new at HQ → inserted; HQ's timeline is the start of the branch's → updated (fast-forward:
the case row, its parties, resolutions, callbacks and root cause are replaced, the new events
appended); the same timeline → unchanged (or updated when only the branch's version moved on);
the branch's timeline is the start of HQ's → HQ is newer, left alone; the timelines part ways →
changed on both sides: a *conflict*, left alone at HQ and listed with both versions and update
times. Branches unknown at HQ are created (or matched by code); staff unknown at HQ are added as
inactive accounts that cannot sign in, so the timelines keep their authors.
Who may consolidate: HQ analysts and HQ administrators.
"""

from __future__ import annotations

import sqlite3
import tempfile
import uuid
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from desk_app import signing
from desk_app.db.engine import make_engine
from desk_app.db.migrate import upgrade_to_head
from desk_app.db.models import (
    Branch,
    Callback,
    Complaint,
    ComplaintEvent,
    ComplaintParty,
    Customer,
    ImportBatch,
    ImprovementAction,
    Resolution,
    RootCause,
    TaxonomyCode,
    User,
    improvement_action_cases,
)
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission
from desk_app.domain.timeline import GENESIS_HASH, ChainLink, event_hash, verify_links
from desk_app.errors import PermissionDeniedError, UserError
from desk_app.i18n import _
from desk_app.reports.detail import record_sections
from desk_app.reports.records import (
    FORMAT_NAME,
    FORMAT_VERSION,
    KINDS,
    MANIFEST_SHEET,
    PERSONAL_COLUMNS,
    RECORDS_PART,
    TABLES,
    RecordDigest,
    RecordError,
    columns,
    decode,
    encode_raw,
)
from desk_app.reports.records_db import DamagedRecordsError, extract
from desk_app.reports.xlsx_read import XlsxReader
from desk_app.security import chain_key
from desk_app.services import audit
from desk_app.services.access import require, sees_all_branches
from desk_app.services.seals import current_seal

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]
CHUNK = 500
MAX_PROBLEMS = 200
SQLITE_MAGIC = b"SQLite format 3\x00"


class ConsolidationCancelled(UserError):
    """The user cancelled; nothing was imported."""


@dataclass(frozen=True)
class Conflict:
    case_number: str
    complaint_id: uuid.UUID
    reason: str
    hq_version: int
    hq_updated_at: datetime
    branch_version: int
    branch_updated_at: datetime


@dataclass
class ConsolidationReport:
    source: str
    source_kind: str
    dry_run: bool
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    hq_newer: int = 0
    branches_created: list[str] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    records_written: dict[str, int] = field(default_factory=dict)

    @property
    def imported(self) -> bool:
        return not self.dry_run and not self.problems

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        lines = [_("Source: {source} ({kind}){dry}").format(
            source=self.source, kind=self.source_kind, dry=_(" — dry run, nothing written") if self.dry_run else "")]
        if self.manifest:
            lines.append(_("Exported {at} by {user}; branches {branches}; personal data {pd}.").format(
                at=self.manifest.get("exported_at", "?"), user=self.manifest.get("exported_by", "?"),
                branches=self.manifest.get("branches", "?"), pd=self.manifest.get("personal_data", "?")))
        if self.problems:
            lines.append(_("The file failed validation; nothing was imported ({n} problems):").format(
                n=len(self.problems)))
            lines += [f"  - {p}" for p in self.problems]
            return "\n".join(lines)
        lines.append(_("Cases: {ins} new, {upd} updated, {same} unchanged, {newer} newer at HQ, {conf} in conflict."
                       ).format(ins=self.inserted, upd=self.updated, same=self.unchanged, newer=self.hq_newer,
                                conf=len(self.conflicts)))
        if self.branches_created:
            lines.append(_("Branches created: {codes}").format(codes=", ".join(self.branches_created)))
        if self.users_created:
            lines.append(_("Staff added as inactive accounts: {names}").format(names=", ".join(self.users_created)))
        if self.conflicts:
            lines.append(_("Conflicts (changed at the branch and at HQ; HQ's version kept):"))
            for c in self.conflicts:
                lines.append(_("  {number}: HQ version {hv} ({hat}) · branch version {bv} ({bat}) — {reason}").format(
                    number=c.case_number, hv=c.hq_version, hat=c.hq_updated_at.isoformat(timespec="minutes"),
                    bv=c.branch_version, bat=c.branch_updated_at.isoformat(timespec="minutes"), reason=c.reason))
        return "\n".join(lines)


# ---- sources ------------------------------------------------------------------------------------

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
    """Every record of a database file (a branch's database, or the records part of an export)."""
    with engine.connect() as conn:
        for kind, query in record_sections(None, raw=True):
            for row in conn.execute(query):
                yield kind, encode_raw(kind, row)


class _WorkbookSource:
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
    """table.column of every record column the file lacks (all of them when it is not a database)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            present = {(table, row[1]) for table in {t.name for t in TABLES.values()}
                       for row in conn.execute(f'PRAGMA table_info("{table}")')}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        present = set()
    return [f"{TABLES[kind].name}.{c.name}" for kind in KINDS for c in columns(kind)
            if (TABLES[kind].name, c.name) not in present]


class _SqliteSource:
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


def _open(path: Path) -> _WorkbookSource | _SqliteSource:
    with Path(path).open("rb") as fh:
        head = fh.read(16)
    return _SqliteSource(path) if head == SQLITE_MAGIC else _WorkbookSource(path)


# ---- pass 1: validate and decide ----------------------------------------------------------------

@dataclass
class _CaseInfo:
    case_number: str
    version: int
    updated_at: datetime
    customer_id: uuid.UUID
    events: list[uuid.UUID] = field(default_factory=list)
    """The ids of its timeline's events, in order (compared with HQ's to tell who is ahead)."""
    decision: str = ""


@dataclass
class _Plan:
    branch_map: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    new_branches: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    new_users: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    cases: dict[uuid.UUID, _CaseInfo] = field(default_factory=dict)
    hq_customers: dict[uuid.UUID, int] = field(default_factory=dict)
    """Customers of the file already at HQ → their version there."""
    hq_masked_customers: set[uuid.UUID] = field(default_factory=set)
    """… of which HQ only holds masked personal data (from an earlier masked export)."""
    masked: bool = False


class _Validator:
    def __init__(self, session: Session, report: ConsolidationReport) -> None:
        self.session, self.report = session, report
        self.plan = _Plan()
        self.digest = RecordDigest()
        self.branches: dict[uuid.UUID, dict[str, Any]] = {}
        self.users: dict[uuid.UUID, dict[str, Any]] = {}
        self.customers: set[uuid.UUID] = set()
        self.actions: set[uuid.UUID] = set()
        self.codes = {code: axis for code, axis in session.execute(select(TaxonomyCode.code, TaxonomyCode.axis))}
        self.referenced_users: set[uuid.UUID] = set()
        self.referenced_branches: set[uuid.UUID] = set()
        self.case_branches: set[uuid.UUID] = set()
        self._chain: list[ChainLink] = []
        self._chain_ids: list[uuid.UUID] = []
        self._chain_case: uuid.UUID | None = None
        self.count = 0

    def problem(self, message: str) -> None:
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(message)

    def add(self, kind: str, textual: str) -> None:
        self.count += 1
        self.digest.add(kind, textual)
        if kind not in TABLES:
            self.problem(_("Record {n}: unknown kind {kind}.").format(n=self.count, kind=kind))
            return
        try:
            values = decode(kind, textual)
        except RecordError as exc:
            self.problem(_("Record {n} ({kind}): {error}").format(n=self.count, kind=kind, error=exc))
            return
        getattr(self, f"_{kind}")(values)

    def _branch(self, v: dict[str, Any]) -> None:
        self.branches[v["id"]] = v

    def _user(self, v: dict[str, Any]) -> None:
        self.users[v["id"]] = v
        self.referenced_branches.add(v["branch_id"])
        if v["branch_id"] not in self.branches:
            self.problem(_("Staff account {name}: its branch is not in the file.").format(name=v["username"]))

    def _customer(self, v: dict[str, Any]) -> None:
        self.customers.add(v["id"])

    def _complaint(self, v: dict[str, Any]) -> None:
        number = v["case_number"]
        if v["branch_id"] not in self.branches:
            self.problem(_("Case {number}: its branch is not in the file.").format(number=number))
        if v["customer_id"] not in self.customers:
            self.problem(_("Case {number}: its customer is not in the file.").format(number=number))
        for axis in "abcd":
            code = v[f"axis_{axis}"]
            if code is not None and self.codes.get(code) != axis.upper():
                self.problem(_("Case {number}: code {code} is unknown at headquarters (load the current taxonomy "
                               "first).").format(number=number, code=code))
        self.referenced_users.update(u for u in (v["created_by_id"], v["owner_id"]) if u is not None)
        self.referenced_branches.add(v["branch_id"])
        self.case_branches.add(v["branch_id"])
        self.plan.cases[v["id"]] = _CaseInfo(number, v["version"], v["updated_at"], v["customer_id"])

    def _child(self, kind: str, v: dict[str, Any]) -> None:
        if v["complaint_id"] not in self.plan.cases:
            self.problem(_("A {kind} record belongs to a case that is not in the file.").format(kind=kind))

    def _party(self, v: dict[str, Any]) -> None:
        self._child("party", v)

    def _event(self, v: dict[str, Any]) -> None:
        self._child("event", v)
        if v["complaint_id"] != self._chain_case:
            self.finish_chain()
            self._chain_case = v["complaint_id"]
        self._chain.append(ChainLink(v["complaint_id"], v["seq"], v["kind"], v["actor_id"], v["occurred_at"],
                                     v["payload"], v["prev_hash"], v["hash"], v.get("seal")))
        self._chain_ids.append(v["id"])
        if v["actor_id"] is not None:
            self.referenced_users.add(v["actor_id"])

    def finish_chain(self) -> None:
        if not self._chain:
            return
        broken = verify_links(self._chain)
        case = self.plan.cases.get(self._chain[0].complaint_id)
        if broken is not None:
            self.problem(_("Case {number}: its timeline is broken at entry {seq} ({reason}).").format(
                number=case.case_number if case else broken.complaint_id, seq=broken.seq, reason=broken.reason))
        elif case is not None:
            case.events = list(self._chain_ids)
        self._chain = []
        self._chain_ids = []

    def _resolution(self, v: dict[str, Any]) -> None:
        self._child("resolution", v)
        self.referenced_users.update(u for u in (v["proposed_by_id"], v["approved_by_id"]) if u is not None)

    def _callback(self, v: dict[str, Any]) -> None:
        self._child("callback", v)
        self.referenced_users.add(v["called_by_id"])

    def _root_cause(self, v: dict[str, Any]) -> None:
        self._child("root_cause", v)
        self.referenced_users.add(v["recorded_by_id"])

    def _action(self, v: dict[str, Any]) -> None:
        self.actions.add(v["id"])
        if v["branch_id"] is not None:
            self.referenced_branches.add(v["branch_id"])
        if v["owner_id"] is not None:
            self.referenced_users.add(v["owner_id"])

    def _action_case(self, v: dict[str, Any]) -> None:
        if v["action_id"] not in self.actions or v["complaint_id"] not in self.plan.cases:
            self.problem(_("A link between an improvement action and a case names a record not in the file."))

    # -- after the whole file has been read ------------------------------------------------------

    def finish(self, manifest: dict[str, Any]) -> None:
        self.finish_chain()
        if manifest.get("format") == FORMAT_NAME:  # an export's records (their checksum is checked on opening)
            for kind in KINDS:
                expected = manifest.get(f"count_{kind}")
                if expected is not None and expected != self.digest.counts.get(kind, 0):
                    self.problem(_("The file should hold {n} {kind} records but holds {m}.").format(
                        n=expected, kind=kind, m=self.digest.counts.get(kind, 0)))
        self.plan.masked = manifest.get("personal_data") == "masked"
        s = self.session
        hq_branches = {b.id: b for b in s.scalars(select(Branch))}
        by_code = {b.code.upper(): b for b in hq_branches.values()}
        for bid, v in self.branches.items():
            if bid in hq_branches:
                self.plan.branch_map[bid] = bid
            elif v["code"].upper() in by_code:
                self.plan.branch_map[bid] = by_code[v["code"].upper()].id
            elif bid in self.referenced_branches:
                self.plan.branch_map[bid] = bid
                self.plan.new_branches[bid] = v
        for uid in self.referenced_users:
            if uid not in self.users:
                known = s.get(User, uid)
                if known is None:
                    self.problem(_("A record names a staff account that is neither in the file nor at headquarters."))
        customer_ids = list(self.customers)
        for i in range(0, len(customer_ids), CHUNK):
            for cid, version, id_number, phone in s.execute(
                    select(Customer.id, Customer.version, Customer.id_number, Customer.phone)
                    .where(Customer.id.in_(customer_ids[i:i + CHUNK]))):
                self.plan.hq_customers[cid] = version
                if "*" in id_number or "*" in phone:
                    self.plan.hq_masked_customers.add(cid)
        hq_users = set(self._existing(User.id, list(self.users)))
        taken = {name.lower() for name in s.scalars(select(User.username))}
        for uid, v in self.users.items():
            if uid in hq_users:
                continue
            name = v["username"]
            if name.lower() in taken:
                code = self.branches.get(v["branch_id"], {}).get("code", "x").lower()
                name = f"{code}.{v['username']}"[:64]
                n = 2
                while name.lower() in taken:
                    name, n = f"{code}.{v['username']}.{n}"[:64], n + 1
            taken.add(name.lower())
            self.plan.new_users[uid] = {**v, "username": name}
        self._decide()

    def _existing(self, column: Any, ids: list[Any]) -> Iterator[Any]:
        for i in range(0, len(ids), CHUNK):
            yield from self.session.scalars(select(column).where(column.in_(ids[i:i + CHUNK])))

    def _decide(self) -> None:
        s, plan, report = self.session, self.plan, self.report
        ids = list(plan.cases)
        hq: dict[uuid.UUID, tuple[str, int, datetime]] = {}
        for i in range(0, len(ids), CHUNK):
            for cid, number, version, updated in s.execute(
                    select(Complaint.id, Complaint.case_number, Complaint.version, Complaint.updated_at)
                    .where(Complaint.id.in_(ids[i:i + CHUNK]))):
                hq[cid] = (number, version, updated)
        numbers = [c.case_number for cid, c in plan.cases.items() if cid not in hq]
        for i in range(0, len(numbers), CHUNK):
            for number in s.scalars(select(Complaint.case_number).where(
                    Complaint.case_number.in_(numbers[i:i + CHUNK]))):
                self.problem(_("Case number {number} is already used at headquarters by another case.").format(
                    number=number))
        chains: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        present = list(hq)
        for i in range(0, len(present), CHUNK):
            for cid, event_id in s.execute(select(ComplaintEvent.complaint_id, ComplaintEvent.id)
                                           .where(ComplaintEvent.complaint_id.in_(present[i:i + CHUNK]))
                                           .order_by(ComplaintEvent.complaint_id, ComplaintEvent.seq)):
                chains[cid].append(event_id)
        for cid, case in plan.cases.items():
            if cid not in hq:
                case.decision = "insert"
                report.inserted += 1
                continue
            _number, hq_version, hq_updated = hq[cid]
            mine, theirs = chains.get(cid, []), case.events
            common = len(mine) == len(theirs) and mine == theirs
            if common:
                if case.version == hq_version:
                    case.decision = "same"
                elif case.version > hq_version:
                    case.decision = "update"
                else:
                    case.decision = "hq_newer"
            elif theirs[:len(mine)] == mine:  # HQ's timeline is the start of the branch's: fast-forward
                case.decision = "update" if case.version >= hq_version else "conflict"
            elif mine[:len(theirs)] == theirs:
                case.decision = "hq_newer" if hq_version >= case.version else "conflict"
            else:
                case.decision = "conflict"
            if case.decision == "conflict":
                report.conflicts.append(Conflict(case.case_number, cid, _("changed at the branch and at headquarters"),
                                                 hq_version, hq_updated, case.version, case.updated_at))
            elif case.decision == "update":
                report.updated += 1
            elif case.decision == "same":
                report.unchanged += 1
            else:
                report.hq_newer += 1


# ---- pass 2: write ------------------------------------------------------------------------------

class _Applier:
    def __init__(self, session: Session, plan: _Plan, report: ConsolidationReport) -> None:
        self.session, self.plan, self.report = session, plan, report
        self.conn = session.connection()
        self.pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.hq_last_seq: dict[uuid.UUID, int] = {}
        self.written: dict[str, int] = defaultdict(int)
        # The branch's chains are hashed with the branch's key, which never leaves it (its signature covers the
        # file): each event taken is chained again with HQ's key as it is written (INSERT only, so the
        # desk server's runtime role may do it), and each case's newest event is held back to be sealed at
        # the end over the case's rows as they then stand at HQ.
        self.key = chain_key()
        self.prev: dict[uuid.UUID, str] = {}
        self.held: dict[uuid.UUID, dict[str, Any]] = {}

    def _remap(self, v: dict[str, Any]) -> dict[str, Any]:
        if v.get("branch_id") is not None:
            v["branch_id"] = self.plan.branch_map.get(v["branch_id"], v["branch_id"])
        return v

    def flush(self) -> None:
        """Insert everything queued, parents before children (the record kinds are in that order)."""
        for kind in KINDS:
            rows = self.pending.pop(kind, [])
            if rows:
                self.conn.execute(TABLES[kind].insert(), rows)
                self.written[kind] += len(rows)

    def _queue(self, kind: str, v: dict[str, Any]) -> None:
        self.pending[kind].append(v)
        if len(self.pending[kind]) >= CHUNK:
            self.flush()

    def _case(self, cid: uuid.UUID) -> str:
        case = self.plan.cases.get(cid)
        return case.decision if case else ""

    def add(self, kind: str, values: dict[str, Any]) -> None:
        getattr(self, f"_{kind}")(values)

    def _branch(self, v: dict[str, Any]) -> None:
        if v["id"] in self.plan.new_branches:
            self.session.add(Branch(**{**v, "is_headquarters": False}))
            self.session.flush()
            self.report.branches_created.append(v["code"])
            self.written["branch"] += 1

    def _user(self, v: dict[str, Any]) -> None:
        new = self.plan.new_users.get(v["id"])
        if new is not None:
            values = self._remap(dict(new))
            # Inactive, and "!" is no argon2 hash: the account keeps the timeline's author but cannot sign in.
            values.update(password_hash="!", active=False, must_change_password=True, failed_logins=0)
            self.session.add(User(**values))
            self.session.flush()
            self.report.users_created.append(new["username"])
            self.written["user"] += 1

    def _customer(self, v: dict[str, Any]) -> None:
        current = self.plan.hq_customers.get(v["id"])
        if current is None:
            self._queue("customer", v)
        elif v["version"] > current or (not self.plan.masked and v["id"] in self.plan.hq_masked_customers):
            # newer at the branch, or HQ holds masked data and this file brings the full data
            values = {k: val for k, val in v.items() if k != "id"}
            if self.plan.masked:  # never overwrite full personal data with masked values
                for name in PERSONAL_COLUMNS["customer"]:
                    values.pop(name, None)
            self.conn.execute(update(Customer).where(Customer.id == v["id"]).values(**values))
            self.written["customer"] += 1

    def _complaint(self, v: dict[str, Any]) -> None:
        decision = self._case(v["id"])
        self._remap(v)
        if decision == "insert":
            self._queue("complaint", v)
        elif decision == "update":
            self.flush()
            self.conn.execute(update(Complaint).where(Complaint.id == v["id"])
                              .values(**{k: val for k, val in v.items() if k != "id"}))
            self.written["complaint"] += 1
            last = self.session.execute(select(ComplaintEvent.seq, ComplaintEvent.hash)
                                        .where(ComplaintEvent.complaint_id == v["id"])
                                        .order_by(ComplaintEvent.seq.desc()).limit(1)).first()
            self.hq_last_seq[v["id"]] = int(last[0]) if last else 0
            self.prev[v["id"]] = str(last[1]) if last else GENESIS_HASH
            for model in (ComplaintParty, Resolution, Callback, RootCause):
                self.conn.execute(delete(model).where(model.complaint_id == v["id"]))

    def _child(self, kind: str, v: dict[str, Any]) -> None:
        decision = self._case(v["complaint_id"])
        new_at_hq = kind != "event" or v["seq"] > self.hq_last_seq.get(v["complaint_id"], 0)
        if decision == "insert" or (decision == "update" and new_at_hq):
            self._queue(kind, v)

    def _party(self, v: dict[str, Any]) -> None:
        self._child("party", v)

    def _event(self, v: dict[str, Any]) -> None:
        cid = v["complaint_id"]
        decision = self._case(cid)
        if not (decision == "insert" or (decision == "update" and v["seq"] > self.hq_last_seq.get(cid, 0))):
            return
        held = self.held.get(cid)
        if held is not None:
            self._queue("event", self._chained(held))
        self.held[cid] = v

    def _chained(self, v: dict[str, Any], seal: str | None = None) -> dict[str, Any]:
        """``v`` linked to the case's chain at HQ and hashed with HQ's key (``seal``: sealed anew)."""
        cid = v["complaint_id"]
        if seal is not None:
            v["seal"] = seal
        at = v["occurred_at"] if v["occurred_at"].tzinfo else v["occurred_at"].replace(tzinfo=UTC)
        v["prev_hash"] = self.prev.get(cid, GENESIS_HASH)
        v["hash"] = event_hash(v["prev_hash"], cid, v["seq"], v["kind"], v["actor_id"], at, v["payload"],
                               seal=v.get("seal"), key=self.key)
        self.prev[cid] = v["hash"]
        return v

    def finish(self) -> None:
        """Write what is queued, then each case's newest event, sealed with HQ's key over its rows now."""
        self.flush()
        for cid, v in self.held.items():
            self._queue("event", self._chained(v, current_seal(self.session, self.key, cid)[0]))
        self.held.clear()
        self.flush()

    def _resolution(self, v: dict[str, Any]) -> None:
        self._child("resolution", v)

    def _callback(self, v: dict[str, Any]) -> None:
        self._child("callback", v)

    def _root_cause(self, v: dict[str, Any]) -> None:
        self._child("root_cause", v)

    def _action(self, v: dict[str, Any]) -> None:
        self.flush()
        self._remap(v)
        current = self.session.execute(select(ImprovementAction.version)
                                       .where(ImprovementAction.id == v["id"])).scalar()
        if current is None:
            self.conn.execute(insert(ImprovementAction), [v])
            self.written["action"] += 1
        elif v["version"] > current:
            self.conn.execute(update(ImprovementAction).where(ImprovementAction.id == v["id"])
                              .values(**{k: val for k, val in v.items() if k != "id"}))
            self.written["action"] += 1

    def _action_case(self, v: dict[str, Any]) -> None:
        if self._case(v["complaint_id"]) not in ("insert", "update", "same", "hq_newer"):
            return
        links = improvement_action_cases
        exists = self.conn.execute(select(links.c.action_id).where(
            links.c.action_id == v["action_id"], links.c.complaint_id == v["complaint_id"])).first()
        if exists is None:
            self.conn.execute(links.insert(), [v])
            self.written["action_case"] += 1


# ---- the use case -------------------------------------------------------------------------------

def _spooled(spool: IO[str]) -> Iterator[tuple[str, str]]:
    """Read back what pass 1 wrote: kind, length, text (the length makes any character in a text safe)."""
    while True:
        kind = _read_until(spool, "\t")
        if not kind:
            return
        length = int(_read_until(spool, "\t"))
        text = spool.read(length)
        spool.read(1)  # the newline
        yield kind, text


def _read_until(spool: IO[str], stop: str) -> str:
    chars = []
    while (ch := spool.read(1)) and ch != stop:
        chars.append(ch)
    return "".join(chars)


@dataclass(frozen=True)
class _Signer:
    code: str
    is_headquarters: bool


def _signer(db: Database, source: _WorkbookSource | _SqliteSource) -> _Signer | str:
    """The branch whose registered key signed the file, or the problem (naming the fix) that refuses it."""
    if isinstance(source, _SqliteSource):
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
        return _Signer(branch.code, branch.is_headquarters)


def _check_senders(validator: _Validator, signer: _Signer) -> None:
    """A branch may send only its own cases; headquarters may send any branch's."""
    if signer.is_headquarters:
        return
    others = sorted({str(validator.branches[b]["code"]) for b in validator.case_branches if b in validator.branches}
                    - {signer.code})
    if others:
        validator.problem(_("This file holds cases of {codes}, which branch {signer} may not send.").format(
            codes=", ".join(others), signer=signer.code))


def consolidate(db: Database, actor: Actor, path: Path, *, dry_run: bool = False,
                progress: ProgressFn | None = None, cancelled: CancelFn | None = None) -> ConsolidationReport:
    """Validate a branch export workbook or SQLite file and merge its cases into this database (see the
    module documentation). With ``dry_run`` nothing is written; the report says what would happen."""
    require(actor, Permission.CONSOLIDATE)
    if not sees_all_branches(actor):
        raise PermissionDeniedError(_("Only HQ analysts and HQ administrators may consolidate branch data."))
    path = Path(path)
    source = _open(path)
    report = ConsolidationReport(path.name, source.kind, dry_run)
    try:
        report.manifest = dict(source.manifest)
        if source.problems:
            report.problems.extend(source.problems)
            return report
        signer = _signer(db, source)
        if isinstance(signer, str):
            report.problems.append(signer)
            return report
        total = [0]

        def tick(done: int) -> None:
            if done % 1000 == 0:
                if cancelled is not None and cancelled():
                    raise ConsolidationCancelled(_("Consolidation was cancelled; nothing was imported."))
                if progress is not None:
                    progress(done, max(total[0], done))

        with db.unit_of_work() as session, tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
            validator = _Validator(session, report)
            for kind, textual in source.records():
                validator.add(kind, textual)
                # Keep the records for the second pass: reading the workbook again would cost more.
                spool.write(f"{kind}\t{len(textual)}\t{textual}\n")
                tick(validator.count)
            validator.finish(report.manifest)
            _check_senders(validator, signer)
            total[0] = validator.count * (1 if dry_run else 2)
            if report.problems:
                report.inserted = report.updated = report.unchanged = report.hq_newer = 0
                report.conflicts = []
                return report
            if dry_run:
                return report
            applier = _Applier(session, validator.plan, report)
            done = validator.count
            spool.seek(0)
            for kind, textual in _spooled(spool):
                applier.add(kind, decode(kind, textual))
                done += 1
                tick(done)
            applier.finish()
            report.records_written = dict(applier.written)
            digest = str(report.manifest.get("sha256") or validator.digest.hexdigest())
            session.add(ImportBatch(kind="consolidation", source_name=path.name[:300], sha256=digest,
                                    imported_by_id=actor.user_id if session.get(User, actor.user_id) else None,
                                    imported_at=utcnow(), rows=report.inserted + report.updated,
                                    summary={"inserted": report.inserted, "updated": report.updated,
                                             "unchanged": report.unchanged, "hq_newer": report.hq_newer,
                                             "conflicts": [c.case_number for c in report.conflicts],
                                             "source_kind": source.kind}))
            session.flush()
            audit.record(session, actor if session.get(User, actor.user_id) else None, audit.AuditAction.CONSOLIDATION,
                         None, {"file": path.name, "by": actor.username, "sha256": digest, "result": "imported",
                                "inserted": report.inserted, "updated": report.updated})
            if progress is not None:
                progress(total[0], total[0])
        return report
    finally:
        source.close()
        if not dry_run and report.problems:  # a refused file is audited too (forged, unsigned, damaged)
            audit.record_now(db, actor, audit.AuditAction.CONSOLIDATION, None, {
                "file": path.name, "by": actor.username, "result": "refused", "problems": len(report.problems),
                "first_problem": report.problems[0][:300]})

