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

The parts: ``consolidation_source`` opens and verifies the file, ``consolidation_check`` is the first
pass (validate and decide), ``consolidation_writer`` the second (write and re-chain),
``consolidation_report`` what the user is told.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from desk_app.db.models import ImportBatch, User
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission
from desk_app.errors import OperationCancelled, PermissionDeniedError
from desk_app.i18n import _
from desk_app.reports.records import decode
from desk_app.services import audit
from desk_app.services.access import require, sees_all_branches
from desk_app.services.consolidation_check import Validator, check_senders
from desk_app.services.consolidation_report import Conflict, ConsolidationReport
from desk_app.services.consolidation_source import is_consolidation_source, open_source, verify_signer
from desk_app.services.consolidation_writer import Applier

__all__ = ["Conflict", "ConsolidationReport", "consolidate", "is_consolidation_source"]

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]
CHECK_EVERY = 1000
"""Records between two looks at ``cancelled()`` and two progress reports."""


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


def consolidate(db: Database, actor: Actor, path: Path, *, dry_run: bool = False,
                progress: ProgressFn | None = None, cancelled: CancelFn | None = None) -> ConsolidationReport:
    """Validate a branch export workbook or SQLite file and merge its cases into this database (see the
    module documentation). With ``dry_run`` nothing is written; the report says what would happen."""
    require(actor, Permission.CONSOLIDATE)
    if not sees_all_branches(actor):
        raise PermissionDeniedError(_("Only HQ analysts and HQ administrators may consolidate branch data."))
    path = Path(path)
    source = open_source(path)
    report = ConsolidationReport(path.name, source.kind, dry_run)
    try:
        report.manifest = dict(source.manifest)
        if source.problems:
            report.problems.extend(source.problems)
            return report
        signer = verify_signer(db, source)
        if isinstance(signer, str):
            report.problems.append(signer)
            return report
        total = [0]

        def tick(done: int) -> None:
            if done % CHECK_EVERY == 0:
                if cancelled is not None and cancelled():
                    raise OperationCancelled(_("Consolidation was cancelled; nothing was imported."))
                if progress is not None:
                    progress(done, max(total[0], done))

        with db.unit_of_work() as session, tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
            validator = Validator(session, report)
            for kind, textual in source.records():
                validator.add(kind, textual)
                # Keep the records for the second pass: reading the workbook again would cost more.
                spool.write(f"{kind}\t{len(textual)}\t{textual}\n")
                tick(validator.count)
            validator.finish(report.manifest)
            check_senders(validator, signer)
            total[0] = validator.count * (1 if dry_run else 2)
            if report.problems:
                report.inserted = report.updated = report.unchanged = report.hq_newer = 0
                report.conflicts = []
                return report
            if dry_run:
                return report
            applier = Applier(session, validator.plan, report)
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


