"""The case-by-case detail export: its readable columns and the queries of its technical records.

The readable sheet "Cases" has one row per case with codes *and* names for every classification,
office-local times, and personal data masked unless the export was made by a user entitled to see
it. The hidden sheets carry the same cases as technical records for consolidation at headquarters
(``desk_app.reports.records``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Date, Select, Text, Uuid, cast, func, literal_column, select, true, type_coerce, union
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType

from desk_app.db.models import (
    Branch,
    Callback,
    Complaint,
    ComplaintEvent,
    ComplaintParty,
    Customer,
    ImprovementAction,
    Resolution,
    RootCause,
    User,
    improvement_action_cases,
)
from desk_app.db.types import UTCDateTime
from desk_app.domain.enums import Channel, RootCauseLevel, Stage, Status
from desk_app.domain.workflow import STOPPED_STATES
from desk_app.i18n import _
from desk_app.reports.records import columns, mask_value
from desk_app.reports.xlsx_stream import StreamColumn, Style
from desk_app.services.complaints import FLAG_COLUMNS

#: States in which the statutory clock runs (as in the statistics and the overview).
_RUNNING = frozenset(s.value for s in Status if s not in STOPPED_STATES)


def detail_columns() -> list[StreamColumn]:
    s = Style
    return [
        StreamColumn(_("Case number"), width=20), StreamColumn(_("Branch code"), width=8),
        StreamColumn(_("Branch"), width=16), StreamColumn(_("Received at"), s.DATETIME, 16),
        StreamColumn(_("Channel code"), width=10), StreamColumn(_("Intake channel"), width=12),
        StreamColumn(_("A code"), width=8), StreamColumn(_("A channel"), width=14),
        StreamColumn(_("B code"), width=8), StreamColumn(_("B business type"), width=14),
        StreamColumn(_("C code"), width=8), StreamColumn(_("C cause"), width=20),
        StreamColumn(_("D code"), width=8), StreamColumn(_("D insurance cause"), width=12),
        StreamColumn(_("Severity code"), width=8), StreamColumn(_("Severity"), width=8),
        StreamColumn(_("Special flags"), width=14), StreamColumn(_("Status code"), width=12),
        StreamColumn(_("Status"), width=10), StreamColumn(_("Handling step"), width=8),
        StreamColumn(_("Due date"), s.DATE, 11), StreamColumn(_("First contact at"), s.DATETIME, 16),
        StreamColumn(_("Decided at"), s.DATETIME, 16), StreamColumn(_("Closed at"), s.DATETIME, 16),
        StreamColumn(_("Deadline"), width=10), StreamColumn(_("Customer"), width=10),
        StreamColumn(_("ID type"), width=10), StreamColumn(_("ID number"), width=20),
        StreamColumn(_("Phone"), width=14), StreamColumn(_("Address"), width=24),
        StreamColumn(_("Claimed amount"), s.MONEY, 12), StreamColumn(_("Summary"), width=30),
        StreamColumn(_("Disputed facts"), width=40), StreamColumn(_("Request"), width=30),
        StreamColumn(_("Where"), width=16), StreamColumn(_("When"), s.DATE, 11),
        StreamColumn(_("Respondent"), width=16), StreamColumn(_("Handler"), width=12),
        StreamColumn(_("Resolution"), width=12), StreamColumn(_("Resolution amount"), s.MONEY, 12),
        StreamColumn(_("Upheld"), width=8), StreamColumn(_("Satisfaction"), s.INTEGER, 8),
        StreamColumn(_("Root cause level"), width=10), StreamColumn(_("Root cause code"), width=8),
        StreamColumn(_("Case UUID"), width=36),
    ]


@dataclass(frozen=True)
class Labels:
    """Code → name lookups prepared once per export."""

    taxonomy: dict[str, str]
    severity: dict[str, str]
    resolution: dict[str, str]
    id_type: dict[str, str]


def _enum_label(enum: Any, value: str | None) -> str:
    """The translated label of a stored enum value (the value itself when it is not a member)."""
    if not value:
        return ""
    try:
        return str(enum(value).label)
    except ValueError:
        return value


def case_rows_query(case_filter: Any) -> Select[*tuple[Any, ...]]:
    """The readable sheet's query: one row per case with its latest approved resolution, last
    satisfaction score and root cause."""
    c = Complaint
    owner = aliased(User)
    ranked_res = (select(Resolution.complaint_id, Resolution.resolution_type, Resolution.amount, Resolution.upheld,
                         func.row_number().over(partition_by=Resolution.complaint_id,
                                                order_by=(Resolution.created_at.desc(), Resolution.id.desc()))
                         .label("rn"))
                  .where(Resolution.approval_state == "approved").subquery())
    ranked_cb = (select(Callback.complaint_id, Callback.satisfaction,
                        func.row_number().over(partition_by=Callback.complaint_id,
                                               order_by=(Callback.called_at.desc(), Callback.id.desc())).label("rn"))
                 .where(Callback.satisfaction.is_not(None)).subquery())
    return (
        select(c.case_number, Branch.code, Branch.name, c.received_at, c.channel, c.axis_a, c.axis_b, c.axis_c,
               c.axis_d, c.severity, *(getattr(c, column) for column in FLAG_COLUMNS.values()), c.status, c.stage,
               c.due_on, c.first_contact_at, c.responded_at, c.closed_at, Customer.name, Customer.id_type,
               Customer.id_number, Customer.phone, Customer.address, c.claimed_amount, c.summary, c.facts_what,
               c.request_text, c.facts_where, c.facts_when, c.respondent, owner.display_name,
               ranked_res.c.resolution_type, ranked_res.c.amount, ranked_res.c.upheld, ranked_cb.c.satisfaction,
               RootCause.level, RootCause.cause_code, c.id)
        .join(Customer, Customer.id == c.customer_id)
        .join(Branch, Branch.id == c.branch_id)
        .outerjoin(owner, owner.id == c.owner_id)
        .outerjoin(ranked_res, (ranked_res.c.complaint_id == c.id) & (ranked_res.c.rn == 1))
        .outerjoin(ranked_cb, (ranked_cb.c.complaint_id == c.id) & (ranked_cb.c.rn == 1))
        .outerjoin(RootCause, RootCause.complaint_id == c.id)
        .where(case_filter)
        .order_by(c.received_at, c.case_number)
    )


def render_case_row(row: Sequence[Any], labels: Labels, tz: ZoneInfo, today: date, masked: bool) -> list[Any]:
    """The readable values of one ``case_rows_query`` row, in ``detail_columns`` order."""
    (number, branch_code, branch_name, received_at, channel, axis_a, axis_b, axis_c, axis_d, severity,
     *rest) = row
    flags, rest = rest[:len(FLAG_COLUMNS)], rest[len(FLAG_COLUMNS):]
    (status, stage, due_on, first_contact_at, responded_at, closed_at, customer, id_type, id_number, phone,
     address, claimed, summary, facts, request, where, when, respondent, handler, resolution_type,
     resolution_amount, upheld, satisfaction, root_level, root_code, case_id) = rest
    tax = labels.taxonomy

    def local(at: datetime | None) -> datetime | None:
        return at.astimezone(tz).replace(tzinfo=None) if at is not None else None

    decided = local(responded_at)
    if status in _RUNNING and due_on < today:
        deadline = _("overdue")
    elif decided is not None and decided.date() > due_on:
        deadline = _("decided late")
    else:
        deadline = ""
    if masked:
        id_number, phone, address = (mask_value("id_number", id_number), mask_value("phone", phone),
                                     mask_value("address", address))
    flag_names = "、".join(flag.label for flag, on in zip(FLAG_COLUMNS, flags, strict=True) if on)
    return [
        number, branch_code, branch_name, local(received_at), channel, _enum_label(Channel, channel),
        axis_a, tax.get(axis_a, ""), axis_b, tax.get(axis_b, ""), axis_c, tax.get(axis_c, ""), axis_d or "",
        tax.get(axis_d or "", ""), severity, labels.severity.get(severity, severity), flag_names, status,
        _enum_label(Status, status), _enum_label(Stage, stage), due_on, local(first_contact_at), decided,
        local(closed_at), deadline, customer, labels.id_type.get(id_type, id_type), id_number, phone, address,
        claimed, summary, facts, request, where, when, respondent, handler or "",
        labels.resolution.get(resolution_type or "", resolution_type or ""), resolution_amount,
        "" if upheld is None else (_("yes") if upheld else _("no")), satisfaction,
        _enum_label(RootCauseLevel, root_level), root_code or "", str(case_id),
    ]


def _raw_column(column: Any, dialect: str) -> Any:
    """The column as ``records.encode_raw`` wants it: as SQLite stores it (UUIDs as 32 hex digits, times
    as "YYYY-MM-DD HH:MM:SS.ffffff" UTC, JSON as text); PostgreSQL is asked for the same text forms."""
    kind = column.type
    expr = column
    if dialect == "postgresql":
        if isinstance(kind, UTCDateTime):
            expr = func.to_char(func.timezone(literal_column("'UTC'"), column),
                                literal_column("'YYYY-MM-DD HH24:MI:SS.US'"))
        elif isinstance(kind, Uuid | Date | JSON):
            expr = cast(column, Text)
    return type_coerce(expr, NullType()).label(column.key)


def record_sections(case_ids: Select[Any] | None, action_branch_filter: Any = None,
                    raw_dialect: str | None = None) -> list[tuple[str, Select[Any]]]:
    """(kind, query) for each record kind, restricted to the cases selected by ``case_ids`` (a
    SELECT of complaint ids; None = every case), in the order they are written and merged. Each
    query selects ``records.columns(kind)`` in order; with ``raw_dialect`` ("sqlite", "postgresql")
    the values come back as text and numbers, without conversion in Python, for ``records.encode_raw``
    (several times faster than typed values for a 100,000-case export)."""

    def cols(kind: str, model: Any) -> Select[Any]:
        selected = [model.c[c.name] if hasattr(model, "c") else getattr(model, c.name) for c in columns(kind)]
        if raw_dialect is not None:
            selected = [_raw_column(c, raw_dialect) for c in selected]
        return select(*selected)

    def of_cases(column: Any) -> Any:
        return column.in_(case_ids) if case_ids is not None else true()

    links = improvement_action_cases
    action_ids = select(links.c.action_id).where(of_cases(links.c.complaint_id))
    action_filter: Any = ImprovementAction.id.in_(action_ids)
    if case_ids is None:
        action_filter = true()
    elif action_branch_filter is not None:
        action_filter = action_filter | action_branch_filter
    referenced_users = union(
        select(Complaint.created_by_id).where(of_cases(Complaint.id)),
        select(Complaint.owner_id).where(of_cases(Complaint.id), Complaint.owner_id.is_not(None)),
        select(ComplaintEvent.actor_id).where(of_cases(ComplaintEvent.complaint_id),
                                              ComplaintEvent.actor_id.is_not(None)),
        select(Resolution.proposed_by_id).where(of_cases(Resolution.complaint_id)),
        select(Resolution.approved_by_id).where(of_cases(Resolution.complaint_id),
                                                Resolution.approved_by_id.is_not(None)),
        select(Callback.called_by_id).where(of_cases(Callback.complaint_id)),
        select(RootCause.recorded_by_id).where(of_cases(RootCause.complaint_id)),
        select(ImprovementAction.owner_id).where(action_filter, ImprovementAction.owner_id.is_not(None)),
    ).subquery()
    return [
        ("branch", cols("branch", Branch).order_by(Branch.code)),
        ("user", cols("user", User).where(User.id.in_(select(referenced_users.c[0]))).order_by(User.username)),
        ("customer", cols("customer", Customer).where(
            Customer.id.in_(select(Complaint.customer_id).where(of_cases(Complaint.id)))).order_by(Customer.id)),
        ("complaint", cols("complaint", Complaint).where(of_cases(Complaint.id)).order_by(Complaint.id)),
        ("party", cols("party", ComplaintParty).where(of_cases(ComplaintParty.complaint_id))
         .order_by(ComplaintParty.complaint_id, ComplaintParty.position)),
        ("event", cols("event", ComplaintEvent).where(of_cases(ComplaintEvent.complaint_id))
         .order_by(ComplaintEvent.complaint_id, ComplaintEvent.seq)),
        ("resolution", cols("resolution", Resolution).where(of_cases(Resolution.complaint_id))
         .order_by(Resolution.complaint_id, Resolution.id)),
        ("callback", cols("callback", Callback).where(of_cases(Callback.complaint_id))
         .order_by(Callback.complaint_id, Callback.id)),
        ("root_cause", cols("root_cause", RootCause).where(of_cases(RootCause.complaint_id))
         .order_by(RootCause.complaint_id)),
        ("action", cols("action", ImprovementAction).where(action_filter).order_by(ImprovementAction.id)),
        ("action_case", cols("action_case", links).where(of_cases(links.c.complaint_id))
         .order_by(links.c.action_id, links.c.complaint_id)),
    ]
