"""The detail export's optional "Timeline" sheet (时间线): every event of the exported cases, one row
each, described in the words of the case view's timeline (``desk_app.domain.events.describe_event``).

A sheet holds at most 1,048,576 rows, so a scope with more events than that is refused before anything
is written, with a message asking for a shorter period or fewer branches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from desk_app.db.models import Complaint, ComplaintEvent, User
from desk_app.domain.events import EventNames, describe_event
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.reports.detail import LocalClock
from desk_app.reports.xlsx_stream import StreamColumn, Style

#: Rows a sheet may hold below its heading (Excel's 1,048,576 rows, less the title, subtitle and header).
MAX_EVENT_ROWS = 1_048_576 - 4


def timeline_columns() -> list[StreamColumn]:
    return [StreamColumn(_("Case number"), width=20), StreamColumn(_("No."), Style.INTEGER, 6),
            StreamColumn(_("Time"), Style.DATETIME, 16), StreamColumn(_("By"), width=12),
            StreamColumn(_("Event code"), width=18), StreamColumn(_("Event"), width=80)]


def event_count_query(case_filter: ColumnElement[bool]) -> Select[Any]:
    """How many events the cases ``case_filter`` selects have."""
    return (select(func.count()).select_from(ComplaintEvent)
            .join(Complaint, Complaint.id == ComplaintEvent.complaint_id).where(case_filter))


def check_event_count(events: int) -> None:
    if events > MAX_EVENT_ROWS:
        raise ValidationError(_("The cases have {n} timeline events, more than one sheet holds ({limit}). Export "
                                "a shorter period or fewer branches, or leave out the timeline.").format(
            n=f"{events:,}", limit=f"{MAX_EVENT_ROWS:,}"), "timeline")


def timeline_rows_query(case_filter: ColumnElement[bool]) -> Select[Any]:
    """(case number, seq, occurred at, actor's name, kind, payload) of every event, case by case in order."""
    e, c = ComplaintEvent, Complaint
    return (select(c.case_number, e.seq, e.occurred_at, User.display_name, e.kind, e.payload)
            .join(c, c.id == e.complaint_id).outerjoin(User, User.id == e.actor_id)
            .where(case_filter).order_by(c.received_at, c.case_number, e.seq))


def render_event_row(row: Sequence[Any], local: LocalClock, names: EventNames) -> list[Any]:
    """The sheet's values of one ``timeline_rows_query`` row, in ``timeline_columns`` order."""
    number, seq, occurred_at, actor, kind, payload = row
    details: Mapping[str, Any] = payload if isinstance(payload, Mapping) else {}
    return [number, seq, local(occurred_at), actor or _("system"), kind,
            describe_event(kind, details, names=names, tz=local.tz)]
