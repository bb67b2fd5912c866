"""The detail export: every case of a report's scope, one row each, streamed to a workbook, with the
cases as technical records (written by a second thread on a second connection to the same snapshot)
for consolidation at headquarters.

Personal data (ID number, phone, e-mail, address) is masked unless the caller asks for it *and* the
user's role is supervisor, branch manager or administrator (``Permission.EXPORT_PERSONAL_DATA``); HQ
analysts always get masked data.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, func, select
from sqlalchemy.orm import Session

from desk_app.db.models import Complaint, Grumble, ImprovementAction, ReferenceItem
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import IdType
from desk_app.domain.events import EventNames
from desk_app.domain.permissions import Permission
from desk_app.errors import OperationCancelled
from desk_app.files import disk_full_error, is_disk_full
from desk_app.i18n import _
from desk_app.reports.detail import (
    Labels,
    LocalClock,
    case_rows_query,
    detail_columns,
    record_sections,
    render_case_row,
)
from desk_app.reports.records import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_SHEET,
    RECORDS_CONTENT_TYPE,
    RECORDS_PART,
    RECORDS_RELATIONSHIP,
)
from desk_app.reports.records_db import RecordsFileJob
from desk_app.reports.snapshot import read_snapshots
from desk_app.reports.timeline_sheet import (
    check_event_count,
    event_count_query,
    render_event_row,
    timeline_columns,
    timeline_rows_query,
)
from desk_app.reports.xlsx_common import atomic_path
from desk_app.reports.xlsx_stream import StreamingWorkbook
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.reference import label_for, taxonomy_codes
from desk_app.services.report_scope import ReportScope, ResolvedScope, office_today, report_scope, resolve_scope
from desk_app.signing import signed_rows

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]

_STREAM = {"yield_per": 2000}


@dataclass(frozen=True)
class DetailExportResult:
    path: Path
    cases: int
    records: dict[str, int]
    masked: bool
    sha256: str


class _Ticker:
    """Calls ``progress`` now and then, and raises OperationCancelled when ``cancelled()`` says so."""

    def __init__(self, total: int, progress: ProgressFn | None, cancelled: CancelFn | None,
                 every: int = 1000) -> None:
        self.total, self.progress, self.cancelled, self.every = total, progress, cancelled, every
        self.done = 0

    def tick(self) -> None:
        self.done += 1
        if self.done % self.every == 0:
            self.check()

    def advance(self, n: int) -> None:
        """``n`` more done (a batch of rows): checks at most once."""
        before, self.done = self.done, self.done + n
        if before // self.every != self.done // self.every:
            self.check()

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise OperationCancelled(_("The export was cancelled; no file was written."))
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)


def _detail_labels(session: Session) -> Labels:
    items = session.execute(select(ReferenceItem.list_name, ReferenceItem.code, ReferenceItem.name_zh,
                                   ReferenceItem.name_en)).all()

    def names(list_name: str) -> dict[str, str]:
        return {code: label_for(_Name(zh, en)) for name, code, zh, en in items if name == list_name}

    return Labels(taxonomy={code: label_for(node) for code, node in taxonomy_codes(session).items()},
                  severity=names("severity"), resolution=names("resolution_type"),
                  id_type={t.value: t.label for t in IdType})


@dataclass(frozen=True)
class _Name:
    name_zh: str
    name_en: str


def export_detail(db: Database, actor: Actor, scope: ReportScope, path: Path, *,
                  reveal_personal_data: bool = False, include_records: bool = True, include_timeline: bool = False,
                  progress: ProgressFn | None = None, cancelled: CancelFn | None = None,
                  today: date | None = None, now: datetime | None = None) -> DetailExportResult:
    """Every case received in ``scope``'s period, one row each, streamed to ``path`` (.xlsx).

    Personal data (ID number, phone, e-mail, address) is masked unless ``reveal_personal_data`` is
    asked for by a user whose role may (Permission.EXPORT_PERSONAL_DATA: supervisor, branch manager,
    administrator); asking without that right is refused. With ``include_records`` (the default)
    the workbook also carries the cases as technical records for consolidation at headquarters,
    masked the same way; they are written on a second connection to the same snapshot, in a second
    thread, while this one writes the readable sheet. ``progress(done, total)`` is called now and
    then; when ``cancelled()`` returns True the export stops with OperationCancelled and no file is left
    behind. With ``include_timeline`` a second sheet lists every event of the cases, described as the case
    view's timeline describes it (``desk_app.reports.timeline_sheet``).
    """
    if reveal_personal_data:
        require(actor, Permission.EXPORT_PERSONAL_DATA)
    masked = not reveal_personal_data
    today = today or office_today(scope.timezone)
    now = now or datetime.now(UTC)
    tz = ZoneInfo(scope.timezone)
    path = Path(path)
    with atomic_path(path) as tmp, tempfile.TemporaryDirectory(prefix=".desk-records-", dir=tmp.parent) as folder:
        records_file, records_gz = Path(folder) / "records.sqlite3", Path(folder) / "records.sqlite3.gz"
        sessions = 2 if include_records else 1
        prepare = [None, RecordsFileJob.attach(records_file)] if include_records else []
        with read_snapshots(db, sessions, prepare) as (session, *records_session):
            resolved = resolve_scope(session, actor, scope)
            case_filter = and_(resolved.condition(), resolved.current)
            cases = session.scalar(select(func.count()).select_from(Complaint).where(case_filter)) or 0
            events = (session.scalar(event_count_query(case_filter)) or 0) if include_timeline else 0
            check_event_count(events)
            labels = _detail_labels(session)
            job = None
            if include_records:
                action_filter = (None if resolved.branch_ids is None
                                 else ImprovementAction.branch_id.in_(resolved.branch_ids))
                grumble_filter = and_(resolved.condition(Grumble.branch_id), Grumble.recorded_at >= resolved.start,
                                      Grumble.recorded_at < resolved.end)  # the scope's grumbles, for the funnel
                job = RecordsFileJob(records_session[0].connection(),
                                     record_sections(case_filter, action_filter, grumble_filter=grumble_filter),
                                     records_file, records_gz, masked)
            ticker = _Ticker(cases + events + (1 if job else 0), progress, cancelled)
            ticker.check()
            p = resolved.period
            heading = [_("Complaint cases {start} – {end}").format(start=p.date_from.isoformat(),
                                                                    end=p.date_to.isoformat()),
                       _("{scope} · {n} cases · personal data {state} · exported {at} by {user}").format(
                           scope=resolved.label, n=cases, state=_("masked") if masked else _("NOT masked"),
                           at=now.astimezone(tz).strftime("%Y-%m-%d %H:%M"), user=actor.username)]
            with _running(job), StreamingWorkbook(tmp, title=heading[0]) as wb:
                sheet = wb.add_sheet(_("Case details"), detail_columns(), heading=heading, freeze_columns=1)
                conn = session.connection()  # Core rows: no ORM bookkeeping per row
                query = case_rows_query(case_filter, every_branch=resolved.branch_ids is None)
                clock = LocalClock(tz)
                with closing(conn.execute(query, execution_options=_STREAM)) as result:
                    for rows in result.partitions(500):
                        for row in rows:
                            sheet.append(render_case_row(row, labels, clock, today, masked))
                        ticker.advance(len(rows))
                if include_timeline:
                    _timeline_sheet(wb, conn, case_filter, clock, labels, ticker, heading)
                if job is not None:
                    _wait(job, ticker, path)
                    manifest = wb.add_sheet(MANIFEST_SHEET, [], hidden=True, autofilter=False)
                    for key, value in _manifest(actor, resolved, masked, now, cases, job, db.dialect):
                        manifest.append([key, value])
                    wb.add_part(RECORDS_PART, records_gz, RECORDS_CONTENT_TYPE, RECORDS_RELATIONSHIP,
                                cancelled=ticker.check)
                ticker.advance(1 if job else 0)
                ticker.check()
    audit.record_now(db, actor, audit.AuditAction.EXPORT, detail={
        "export": "detail", "file": path.name, "cases": cases, "personal_data": "masked" if masked else "UNMASKED",
        "records": include_records, **({"timeline_events": events} if include_timeline else {}),
        **report_scope(resolved)})
    return DetailExportResult(path, cases, {k: n for k, n in job.counts.items() if n} if job else {}, masked,
                              job.sha256 if job else "")


def _timeline_sheet(wb: StreamingWorkbook, conn: Connection, case_filter: ColumnElement[bool], clock: LocalClock,
                    labels: Labels, ticker: _Ticker, heading: list[str]) -> None:
    sheet = wb.add_sheet(_("Timeline"), timeline_columns(), heading=heading, freeze_columns=1)
    names = EventNames(resolution_types=labels.resolution)
    with closing(conn.execute(timeline_rows_query(case_filter), execution_options=_STREAM)) as result:
        for rows in result.partitions(500):
            for row in rows:
                sheet.append(render_event_row(row, clock, names))
            ticker.advance(len(rows))


@contextmanager
def _running(job: RecordsFileJob | None) -> Iterator[None]:
    """Runs ``job`` in a thread for the duration of the block; an error or a cancel in the block stops it."""
    if job is None:
        yield
        return
    thread = threading.Thread(target=job.run, name="detail-export-records", daemon=True)
    thread.start()
    try:
        yield
    except BaseException:
        job.cancel()
        raise
    finally:
        thread.join()


def _wait(job: RecordsFileJob, ticker: _Ticker, path: Path) -> None:
    """Wait for the records (checking for a cancel meanwhile); their error, if any, becomes ours."""
    while not job.done.wait(0.2):
        ticker.check()
    if job.error is not None:
        if is_disk_full(getattr(job.error, "orig", None) or job.error):  # the driver's error inside SQLAlchemy's
            raise disk_full_error(path) from job.error
        raise job.error


def _manifest(actor: Actor, resolved: ResolvedScope, masked: bool, now: datetime, cases: int,
              job: RecordsFileJob, dialect: str) -> list[tuple[str, str | int]]:
    from desk_app import __version__

    rows: list[tuple[str, str | int]] = [
        ("format", FORMAT_NAME), ("format_version", FORMAT_VERSION), ("app_version", __version__),
        ("exported_at", now.astimezone(UTC).isoformat()), ("exported_by", actor.username),
        ("exported_by_role", actor.role.value), ("source_database", dialect),
        ("branches", ",".join(code for _bid, code, _name, _kind in resolved.branches)),
        ("all_branches", "yes" if resolved.branch_ids is None else "no"),
        ("period_from", resolved.period.date_from.isoformat()), ("period_to", resolved.period.date_to.isoformat()),
        ("timezone", resolved.timezone), ("personal_data", "masked" if masked else "full"), ("cases", cases),
    ]
    rows += [(f"count_{kind}", n) for kind, n in job.counts.items()]
    rows += [("records_part", RECORDS_PART), ("sha256", job.sha256)]
    return signed_rows(rows, actor.branch_code)  # headquarters accepts the file only with this signature


# ---- dashboard ------------------------------------------------------------------------------------
