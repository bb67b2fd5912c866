"""The case-by-case detail export: its readable columns and the queries of its technical records.

The readable sheet "Case details" (投诉明细) has one row per case with codes *and* names for every classification,
office-local times, and personal data masked unless the export was made by a user entitled to see
it. The records part carries the same cases as technical records for consolidation at headquarters
(``desk_app.reports.records``, ``desk_app.reports.records_db``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    or_,
    select,
    true,
    type_coerce,
    union,
)
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType

from desk_app.db.models import (
    Branch,
    Callback,
    Complaint,
    ComplaintEvent,
    ComplaintParty,
    Customer,
    Grumble,
    ImprovementAction,
    Opportunity,
    Resolution,
    RootCause,
    User,
    improvement_action_cases,
)
from desk_app.db.models.complaints import FLAG_COLUMNS
from desk_app.domain.enums import Channel, RootCauseLevel, Stage, Status
from desk_app.domain.workflow import STOPPED_STATES
from desk_app.i18n import _
from desk_app.reports.records import USER_REFERENCES, columns, mask_value
from desk_app.reports.sqlexpr import driving_join
from desk_app.reports.xlsx_stream import StreamColumn, Style

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


def _enum_labels(enum: Any) -> dict[str, str]:
    """Stored value → translated label of an enum (in the language of the moment)."""
    return {member.value: str(member.label) for member in enum}


@dataclass(frozen=True)
class Labels:
    """Code → name lookups prepared once per export."""

    taxonomy: dict[str, str]
    severity: dict[str, str]
    resolution: dict[str, str]
    id_type: dict[str, str]
    channel: dict[str, str] = field(default_factory=lambda: _enum_labels(Channel))
    status: dict[str, str] = field(default_factory=lambda: _enum_labels(Status))
    stage: dict[str, str] = field(default_factory=lambda: _enum_labels(Stage))
    root_level: dict[str, str] = field(default_factory=lambda: _enum_labels(RootCauseLevel))


def _label(labels: dict[str, str], value: str | None) -> str:
    """The label of a stored enum value (the value itself when it is not a member)."""
    return labels.get(value, value) if value else ""


def case_rows_query(case_filter: Any, every_branch: bool = False) -> Select[*tuple[Any, ...]]:
    """The readable sheet's query: one row per case with its latest approved resolution, last
    satisfaction score and root cause (each found by one probe per case into its covering index,
    instead of numbering every resolution and callback with a window function).

    Values come back as the driver gives them, without SQLAlchemy's conversions (SQLite: times and
    dates as text, UUIDs as 32 hex digits, flags as 0/1; PostgreSQL: typed): ``render_case_row``
    takes both, more cheaply than the general conversions (a third of the export's time).

    With ``every_branch`` (no branch condition) SQLite is told to read the cases through the time
    index: the rows then come in order from the first one, where its own choice, a branch at a time,
    sorts the whole period before the first row (two seconds for 100,000 cases)."""
    c = Complaint
    owner = aliased(User)
    resolution = aliased(Resolution)
    latest_resolution = (select(Resolution.id)
                         .where(Resolution.complaint_id == c.id, Resolution.approval_state == "approved")
                         .order_by(Resolution.created_at.desc(), Resolution.id.desc()).limit(1).scalar_subquery())
    last_score = (select(Callback.satisfaction)
                  .where(Callback.complaint_id == c.id, Callback.satisfaction.is_not(None))
                  .order_by(Callback.called_at.desc(), Callback.id.desc()).limit(1).scalar_subquery())
    query = (
        select(*(_driver_value(column) for column in (
               c.case_number, Branch.code, Branch.name, c.received_at, c.channel, c.axis_a, c.axis_b, c.axis_c,
               c.axis_d, c.severity, *(getattr(c, column) for column in FLAG_COLUMNS.values()), c.status, c.stage,
               c.due_on, c.first_contact_at, c.responded_at, c.closed_at, Customer.name, Customer.id_type,
               Customer.id_number, Customer.phone, Customer.address, c.claimed_amount, c.summary, c.facts_what,
               c.request_text, c.facts_where, c.facts_when, c.respondent, owner.display_name,
               resolution.resolution_type, resolution.amount, resolution.upheld, last_score,
               RootCause.level, RootCause.cause_code, c.id)))
        .join(Customer, Customer.id == c.customer_id)
        .join(Branch, Branch.id == c.branch_id)
        .outerjoin(owner, owner.id == c.owner_id)
        .outerjoin(resolution, resolution.id == latest_resolution)
        .outerjoin(RootCause, RootCause.complaint_id == c.id)
        .where(case_filter)
        .order_by(c.received_at, c.case_number)
    )
    if every_branch:
        query = query.with_hint(c, "INDEXED BY ix_complaints_received_number", "sqlite")
    return query


def _driver_value(column: Any) -> Any:
    return type_coerce(column, NullType())


_UNKNOWN = object()


class LocalClock:
    """Stored times → office-local wall times, as the sheet writes them. SQLite gives the time as UTC
    text; for each UTC day the zone's offset is looked up once, and a time on a day without a change
    of clocks is then just the parsed time plus that offset (instead of a zone conversion per value,
    which is most of the cost of 400,000 times). PostgreSQL gives aware datetimes."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._offsets: dict[str, Any] = {}

    def __call__(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if value.__class__ is not str:
            aware: datetime = value.astimezone(self.tz)
            return aware
        offset = self._offsets.get(value[:10], _UNKNOWN)
        if offset is _UNKNOWN:
            offset = self._offsets[value[:10]] = self._day_offset(value[:10])
        at = datetime.fromisoformat(value)
        return at + offset if offset is not None else at.replace(tzinfo=UTC).astimezone(self.tz)

    def _day_offset(self, day: str) -> timedelta | None:
        """The zone's offset from UTC if it is the same all through this UTC day."""
        try:
            start = datetime.fromisoformat(day).replace(tzinfo=UTC)
        except ValueError:
            return None
        first = start.astimezone(self.tz).utcoffset()
        last = (start + timedelta(days=1, microseconds=-1)).astimezone(self.tz).utcoffset()
        return first if first == last else None


def _day(value: Any) -> Any:
    return date.fromisoformat(value) if value.__class__ is str else value


def _uuid_text(value: Any) -> str:
    if value.__class__ is str and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value)


def render_case_row(row: Sequence[Any], labels: Labels, local: LocalClock, today: date, masked: bool) -> list[Any]:
    """The readable values of one ``case_rows_query`` row, in ``detail_columns`` order."""
    (number, branch_code, branch_name, received_at, channel, axis_a, axis_b, axis_c, axis_d, severity,
     *rest) = row
    flags, rest = rest[:len(FLAG_COLUMNS)], rest[len(FLAG_COLUMNS):]
    (status, stage, due_on, first_contact_at, responded_at, closed_at, customer, id_type, id_number, phone,
     address, claimed, summary, facts, request, where, when, respondent, handler, resolution_type,
     resolution_amount, upheld, satisfaction, root_level, root_code, case_id) = rest
    tax = labels.taxonomy

    due_on, when = _day(due_on), _day(when)
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
        number, branch_code, branch_name, local(received_at), channel, _label(labels.channel, channel),
        axis_a, tax.get(axis_a, ""), axis_b, tax.get(axis_b, ""), axis_c, tax.get(axis_c, ""), axis_d or "",
        tax.get(axis_d or "", ""), severity, labels.severity.get(severity, severity), flag_names, status,
        _label(labels.status, status), _label(labels.stage, stage), due_on, local(first_contact_at), decided,
        local(closed_at), deadline, customer, labels.id_type.get(id_type, id_type), id_number, phone, address,
        claimed, summary, facts, request, where, when, respondent, handler or "",
        labels.resolution.get(resolution_type or "", resolution_type or ""), resolution_amount,
        "" if upheld is None else (_("yes") if upheld else _("no")), satisfaction,
        _label(labels.root_level, root_level), root_code or "", _uuid_text(case_id),
    ]


def record_sections(case_filter: ColumnElement[bool] | None, action_branch_filter: Any = None, raw: bool = False,
                    grumble_filter: ColumnElement[bool] | None = None,
                    without: frozenset[str] = frozenset()) -> list[tuple[str, Select[Any]]]:
    """(kind, query) for each record kind, restricted to the cases that meet ``case_filter`` (a
    condition on Complaint; None = every case), in the order they are merged. Grumbles are those that meet
    ``grumble_filter`` (a condition on Grumble; None = every grumble); opportunities those of the cases and
    grumbles taken. The kinds in ``without`` are left out (a records file made before they were carried has no
    table for them). Each query selects
    ``records.columns(kind)`` in order; with ``raw`` (SQLite) the values come
    back as text and numbers, without conversion in Python, for ``records.encode_raw`` (several
    times faster than typed values).

    The rows of a case's tables are read in case-id order and matched to their case by one probe of
    ix_complaints_id_branch_received (DrivingJoin): a list of the period's case ids would have to be
    built from the wide case rows again for every query."""

    def cols(kind: str, model: Any) -> Select[Any]:
        return _record_select(kind, model, raw)

    def of_cases(query: Select[Any], table: Any, complaint_id: Any) -> Select[Any]:
        """``query`` (rows of ``table``) kept to the rows of the selected cases."""
        if case_filter is None:
            return query
        return query.select_from(driving_join(table, Complaint, and_(Complaint.id == complaint_id, case_filter)))

    links = improvement_action_cases
    action_ids = of_cases(select(links.c.action_id), links, links.c.complaint_id)
    action_filter: Any = ImprovementAction.id.in_(action_ids)
    if case_filter is None:
        action_filter = true()
    elif action_branch_filter is not None:
        action_filter = action_filter | action_branch_filter
    e, r, cb, rc = ComplaintEvent, Resolution, Callback, RootCause
    in_cases = case_filter if case_filter is not None else true()
    # A customer of the cases: one probe of ix_complaints_customer_received per customer.
    customer_filter = exists().where(Complaint.customer_id == Customer.id, in_cases)
    sections = [
        ("branch", cols("branch", Branch).order_by(Branch.code)),
        ("customer", cols("customer", Customer).where(customer_filter).order_by(Customer.id)),
        ("complaint", cols("complaint", Complaint).where(in_cases).order_by(Complaint.id)),
        ("party", of_cases(cols("party", ComplaintParty), ComplaintParty, ComplaintParty.complaint_id)
         .order_by(ComplaintParty.complaint_id, ComplaintParty.position)),
        ("event", of_cases(cols("event", e), e, e.complaint_id).order_by(e.complaint_id, e.seq)),
        ("resolution", of_cases(cols("resolution", r), r, r.complaint_id).order_by(r.complaint_id, r.id)),
        ("callback", of_cases(cols("callback", cb), cb, cb.complaint_id).order_by(cb.complaint_id, cb.id)),
        ("root_cause", of_cases(cols("root_cause", rc), rc, rc.complaint_id).order_by(rc.complaint_id)),
        ("action", cols("action", ImprovementAction).where(action_filter).order_by(ImprovementAction.id)),
        ("action_case", of_cases(cols("action_case", links), links, links.c.complaint_id)
         .order_by(links.c.action_id, links.c.complaint_id)),
        *_prevention_sections(case_filter, grumble_filter, raw),
    ]
    sections = [section for section in sections if section[0] not in without]
    users = users_referenced_by({kind: query.order_by(None).subquery() for kind, query in sections
                                 if kind in USER_REFERENCES}, raw)
    return [sections[0], ("user", users), *sections[1:]]


def _prevention_sections(case_filter: ColumnElement[bool] | None, grumble_filter: ColumnElement[bool] | None,
                         raw: bool) -> list[tuple[str, Select[Any]]]:
    """The grumbles meeting ``grumble_filter``, and the opportunities of those grumbles and of the cases."""
    grumbles = _record_select("grumble", Grumble, raw).order_by(Grumble.id)
    opportunities = _record_select("opportunity", Opportunity, raw).order_by(Opportunity.id)
    if grumble_filter is not None:
        grumbles = grumbles.where(grumble_filter)
    if case_filter is not None or grumble_filter is not None:
        opportunities = opportunities.where(or_(
            Opportunity.complaint_id.in_(select(Complaint.id).where(case_filter if case_filter is not None
                                                                    else true())),
            Opportunity.grumble_id.in_(select(Grumble.id).where(grumble_filter if grumble_filter is not None
                                                                else true()))))
    return [("grumble", grumbles), ("opportunity", opportunities)]


def _record_select(kind: str, model: Any, raw: bool = False) -> Select[Any]:
    """SELECT of ``records.columns(kind)`` from ``model`` (a mapped class or a table), in order."""
    selected = [model.c[c.name] if hasattr(model, "c") else getattr(model, c.name) for c in columns(kind)]
    if raw:  # as SQLite stores them: UUIDs as 32 hex digits, UTC times as text, JSON as text
        selected = [_driver_value(c).label(c.key) for c in selected]
    return select(*selected)


def users_referenced_by(sources: dict[str, Any], raw: bool = False) -> Select[Any]:
    """The user records named by the rows of ``sources`` (record kind → a selectable with that kind's
    record columns: a section's rows, or a table of the records file), ordered by username."""
    named = union(*(select(source.c[name]).where(source.c[name].is_not(None))
                    for kind, source in sources.items() for name in USER_REFERENCES.get(kind, ()))).subquery()
    return (_record_select("user", User, raw).where(User.id.in_(select(named.c[0])))
            .order_by(User.username))
