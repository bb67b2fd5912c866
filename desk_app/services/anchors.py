"""Chain heads written outside the database: an append-only anchor file per database.

Each line records, at a moment, the audit log's head and the head (last seq and hash) of every case
timeline that changed since the previous line. ``desk-cli check`` compares the database with every line:
a chain shorter than an anchored head, or with another hash at that place, lost its tail (or was
rewritten), even when the rest was re-hashed consistently. Lines are written on demand
(``desk-cli anchor``) and daily (``anchor_if_due`` at start-up).

The file lives beside the chain key (``desk_app.security.chain_key_file``), named after the database's
identity (its first branch's id), so several databases on one computer keep separate anchors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from filelock import FileLock
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.db.models import AuditEntry, Branch, Complaint, ComplaintEvent
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.errors import UserError
from desk_app.security import chain_key_file

DAILY = timedelta(hours=24)

#: How long a writer waits for another process's line (reading every head took 14 s at 1.3M cases).
LOCK_WAIT_S = 300.0


@dataclass(frozen=True)
class AnchorWritten:
    path: Path
    chains: int
    audit_seq: int


@dataclass(frozen=True)
class AnchorBreak:
    what: str
    """"audit" or a case number."""
    seq: int
    anchored_at: str
    reason: str


def database_identity(session: Session) -> str | None:
    first = session.scalar(select(Branch.id).order_by(Branch.created_at, Branch.id).limit(1))
    return hashlib.sha256(str(first).encode()).hexdigest()[:16] if first else None


def anchor_file(session: Session) -> Path | None:
    identity = database_identity(session)
    return chain_key_file().parent / "anchors" / f"{identity}.jsonl" if identity else None


def _lines(path: Path) -> Iterator[dict[str, object]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def anchored_heads(path: Path) -> tuple[dict[str, tuple[int, str, str]], tuple[int, str, str] | None, str]:
    """The latest anchored head of every chain (seq, hash, when), of the audit log, and the last line's time."""
    chains: dict[str, tuple[int, str, str]] = {}
    audit_head: tuple[int, str, str] | None = None
    last = ""
    for line in _lines(path):
        at = str(line["at"])
        for cid, (seq, digest) in dict(line.get("chains", {})).items():  # type: ignore[call-overload]
            chains[cid] = (int(seq), str(digest), at)
        seq, digest = line["audit"]  # type: ignore[misc]
        if int(seq):
            audit_head = (int(seq), str(digest), at)
        last = at
    return chains, audit_head, last


def _heads(session: Session) -> dict[str, tuple[int, str]]:
    top = (select(ComplaintEvent.complaint_id, func.max(ComplaintEvent.seq).label("seq"))
           .group_by(ComplaintEvent.complaint_id).subquery())
    rows = session.execute(select(ComplaintEvent.complaint_id, ComplaintEvent.seq, ComplaintEvent.hash)
                           .join(top, (top.c.complaint_id == ComplaintEvent.complaint_id)
                                 & (top.c.seq == ComplaintEvent.seq)).execution_options(yield_per=5000))
    return {str(cid): (int(seq), str(digest)) for cid, seq, digest in rows}


def _locked(path: Path) -> FileLock:
    """One writer at a time per anchor file, across processes: a desk server's workers each sign users in,
    and two long lines appended at once could interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(path.with_name(path.name + ".lock"), timeout=LOCK_WAIT_S, mode=0o600)


def write_anchor(db: Database, now: datetime | None = None) -> AnchorWritten | None:
    """Append the current heads (the chains changed since the last line); None for a database without branches."""
    with db.unit_of_work() as session:
        path = anchor_file(session)
    if path is None:
        return None
    with _locked(path):
        return _append(db, path, now)


def _append(db: Database, path: Path, now: datetime | None) -> AnchorWritten:
    with db.unit_of_work() as session:
        known, _audit, _last = anchored_heads(path)
        changed = {cid: [seq, digest] for cid, (seq, digest) in _heads(session).items()
                   if known.get(cid, (0, ""))[:2] != (seq, digest)}
        last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    audit_head: list[int | str] = [int(last[0]), str(last[1])] if last else [0, ""]
    line = json.dumps({"at": (now or utcnow()).astimezone(UTC).isoformat(timespec="seconds"), "audit": audit_head,
                       "chains": changed}, separators=(",", ":"))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # append only, owner only
    with os.fdopen(descriptor, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return AnchorWritten(path, len(changed), int(audit_head[0]))


def anchor_if_due(db: Database, every: timedelta = DAILY, now: datetime | None = None) -> AnchorWritten | None:
    """Write a line when the last one is older than ``every`` (or there is none).

    Checked again once the file is locked: another process (a desk server's other worker) may have written
    the day's line while this one waited, and then this one reads no heads at all."""
    now = now or utcnow()
    with db.unit_of_work() as session:
        path = anchor_file(session)
    if path is None or not _due(path, now, every):
        return None
    with _locked(path):
        return _append(db, path, now) if _due(path, now, every) else None


def _due(path: Path, now: datetime, every: timedelta) -> bool:
    last = _last_time(path)
    return last is None or last <= now - every


def _last_time(path: Path) -> datetime | None:
    """When the last line was written, read from the file's end (the file grows every day).

    A line is as long as the chains it holds: a day with a hundred changed cases writes more than the 4 KiB
    once read here, and the line's time, at its start, was then not found, so every sign-in found the line
    due and read every head again. The start of the last line is looked for backwards, a chunk at a time."""
    if not path.exists():
        return None
    with path.open("rb") as fh:
        start = _last_line_start(fh, fh.seek(0, os.SEEK_END))
        fh.seek(start)
        head = fh.read(64).decode("utf-8", errors="replace")
    return datetime.fromisoformat(head[7:32]) if head.startswith('{"at":"') else None


def _last_line_start(fh: BinaryIO, end: int, chunk: int = 1 << 16) -> int:
    """The offset where the file's last non-blank line starts (0 for a file of one line)."""
    pos, content_end = end, None
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        fh.seek(pos)
        block = fh.read(step)
        if content_end is None:
            kept = block.rstrip()
            if not kept:
                continue
            content_end = pos + len(kept)
            block = kept
        newline = block.rfind(b"\n", 0, content_end - pos)
        if newline >= 0:
            return pos + newline + 1
    return 0


def check_anchors(session: Session, path: Path) -> list[AnchorBreak]:
    """Every anchored head still present with its hash; the first break per chain, and the audit log's."""
    chains, audit_head, _last = anchored_heads(path)
    breaks: list[AnchorBreak] = []
    if audit_head is not None:
        seq, digest, at = audit_head
        found = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))
        if found != digest:
            breaks.append(AnchorBreak("audit", seq, at, "missing" if found is None else "different"))
    if not chains:
        return breaks
    present = _heads(session)
    numbers: dict[str, str] = {}
    for cid, (seq, digest, at) in chains.items():
        head = present.get(cid)
        if head is not None and head[0] >= seq:
            if head[0] == seq and head[1] == digest:
                continue
            found = session.scalar(select(ComplaintEvent.hash).where(
                ComplaintEvent.complaint_id == uuid.UUID(cid), ComplaintEvent.seq == seq))
            if found == digest:
                continue
            reason = "different"
        else:
            reason = "missing"
        if cid not in numbers:
            numbers[cid] = session.scalar(select(Complaint.case_number).where(
                Complaint.id == uuid.UUID(cid))) or cid
        breaks.append(AnchorBreak(numbers[cid], seq, at, reason))
    return sorted(breaks, key=lambda b: (b.what, b.seq))


def anchor_if_due_quietly(db: Database) -> AnchorWritten | None:
    """``anchor_if_due`` where a failure must not stop the caller (a sign-in): logged, not raised."""
    try:
        return anchor_if_due(db)
    except (OSError, UserError, ValueError):
        logging.getLogger(__name__).warning("chain heads could not be anchored", exc_info=True)
        return None


#: Held while this process writes a line in the background.
_anchoring = threading.Lock()


def anchor_soon(db: Database) -> None:
    """``anchor_if_due_quietly`` at a sign-in, without making the sign-in wait where the database allows it.

    Reading every timeline's head takes seconds at a million cases: a desk server's first sign-ins of the day
    waited up to a minute, each reading them again, and a counter PC's request timed out. On PostgreSQL the
    line is written in a background thread, one at a time per process; sign-ins meanwhile start no other.
    On SQLite a unit of work holds the write lock (BEGIN IMMEDIATE), so a background read would hold up the
    user's first save instead: there it stays in the sign-in."""
    if db.dialect != "postgresql":
        anchor_if_due_quietly(db)
        return
    if not _anchoring.acquire(blocking=False):
        return

    def write() -> None:
        try:
            anchor_if_due_quietly(db)
        finally:
            _anchoring.release()

    try:
        db.in_background("chain-anchor", write)
    except BaseException:  # no thread could start: the next sign-in tries again
        _anchoring.release()
        raise
