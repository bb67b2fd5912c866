"""The case list: filters, search and sorting done in SQL, rows fetched a page at a time.

The GUI's table model asks for the row count and then for pages of rows as the user scrolls, so
a list of 1,000,000 cases never loads more than a few hundred rows. Search uses the FTS5 trigram
table on SQLite and pg_trgm indexes on PostgreSQL for 3+ characters; 1–2 character queries use the
plain indexes (case number and customer name prefixes), because trigrams cannot match them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, and_, column, func, or_, select, text, true
from sqlalchemy.orm import Session, aliased

from desk_app.db.models import Branch, Complaint, Customer, TaxonomyCode, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.deadlines import DeadlineState, days_left, deadline_state
from desk_app.domain.enums import Severity, SpecialFlag, Status
from desk_app.domain.validation import mask_name, mask_phone
from desk_app.domain.workflow import FINISHED_STATES, STOPPED_STATES
from desk_app.services.access import sees_all_branches
from desk_app.services.complaints import FLAG_COLUMNS

DUE_SOON_DAYS = 2
PAGE_SIZE = 200


class SortKey(StrEnum):
    CASE_NUMBER = "case_number"
    RECEIVED = "received"
    CUSTOMER = "customer"
    BUSINESS = "business"
    CAUSE = "cause"
    SEVERITY = "severity"
    STATUS = "status"
    OWNER = "owner"
    DUE = "due"


@dataclass(frozen=True)
class CaseFilter:
    mine: bool = False
    statuses: frozenset[Status] = frozenset()
    severities: frozenset[Severity] = frozenset()
    branch_ids: frozenset[uuid.UUID] = frozenset()
    overdue: bool = False
    due_soon: bool = False
    awaiting_callback: bool = False
    flags: frozenset[SpecialFlag] = frozenset()
    received_from: date | None = None
    received_to: date | None = None
    axis_c: str = ""
    text: str = ""
    office_tz: str = "Asia/Shanghai"


@dataclass(frozen=True)
class CaseRow:
    id: uuid.UUID
    case_number: str
    received_at: datetime
    customer: str
    phone: str
    branch_code: str
    business_code: str
    business_name: str
    cause_code: str
    cause_name: str
    severity: Severity
    status: Status
    owner_name: str
    due_on: date
    days_left: int
    deadline: DeadlineState
    flags: frozenset[SpecialFlag]


def _open() -> ColumnElement[bool]:
    return Complaint.status.not_in([s.value for s in FINISHED_STATES])


def _running() -> ColumnElement[bool]:
    return Complaint.status.not_in([s.value for s in STOPPED_STATES])


def _search_condition(session: Session, query: str) -> ColumnElement[bool]:
    q = query.strip()
    if not q:
        return true()
    if len(q) < 3:
        prefix_end = q + "\uffff"
        customers = select(Customer.id).where(Customer.name >= q, Customer.name < prefix_end)
        return or_(and_(Complaint.case_number >= q, Complaint.case_number < prefix_end),
                   Complaint.customer_id.in_(customers))
    if session.get_bind().dialect.name == "sqlite":
        phrase = '"' + q.replace('"', '""') + '"'  # one FTS5 string: no query syntax from the user
        matches = text("SELECT rowid FROM complaint_search WHERE complaint_search MATCH :phrase").bindparams(
            phrase=phrase).columns(column("rowid", Integer))
        return column("rowid", Integer, _selectable=Complaint.__table__).in_(matches.subquery().select())
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    body = Complaint.summary + " " + Complaint.facts_what + " " + Complaint.request_text
    customers = select(Customer.id).where((Customer.name + " " + Customer.phone).ilike(pattern))
    return or_(body.ilike(pattern), Complaint.case_number.ilike(pattern), Complaint.customer_id.in_(customers))


def _conditions(session: Session, actor: Actor, flt: CaseFilter, today: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if not sees_all_branches(actor):
        where.append(Complaint.branch_id == actor.branch_id)
    elif flt.branch_ids:
        where.append(Complaint.branch_id.in_(list(flt.branch_ids)))
    if flt.mine:
        where.append(Complaint.owner_id == actor.user_id)
    if flt.statuses:
        where.append(Complaint.status.in_([s.value for s in flt.statuses]))
    if flt.severities:
        where.append(Complaint.severity.in_([s.value for s in flt.severities]))
    if flt.overdue:
        where.extend([_running(), Complaint.due_on < today])
    if flt.due_soon:
        where.extend([_running(), Complaint.due_on >= today,
                      Complaint.due_on <= today + timedelta(days=DUE_SOON_DAYS)])
    if flt.awaiting_callback:
        where.append(Complaint.status == Status.AWAITING_CALLBACK.value)
    for flag in flt.flags:
        where.append(getattr(Complaint, FLAG_COLUMNS[flag]).is_(True))
    zone = ZoneInfo(flt.office_tz)
    if flt.received_from:
        where.append(Complaint.received_at >= datetime.combine(flt.received_from, time(), zone))
    if flt.received_to:
        where.append(Complaint.received_at < datetime.combine(flt.received_to + timedelta(days=1), time(), zone))
    if flt.axis_c:
        where.append(Complaint.axis_c == flt.axis_c)
    if flt.text.strip():
        where.append(_search_condition(session, flt.text))
    return where


def count_cases(db: Database, actor: Actor, flt: CaseFilter, today: date) -> int:
    with db.unit_of_work() as session:
        stmt = select(func.count()).select_from(Complaint).where(*_conditions(session, actor, flt, today))
        return int(session.scalar(stmt) or 0)


_business = aliased(TaxonomyCode)
_cause = aliased(TaxonomyCode)


def _order_by(sort: SortKey, descending: bool) -> tuple[Any, Any]:
    key: Any = {
        SortKey.CASE_NUMBER: Complaint.case_number, SortKey.RECEIVED: Complaint.received_at,
        SortKey.CUSTOMER: Customer.name, SortKey.BUSINESS: Complaint.axis_b, SortKey.CAUSE: Complaint.axis_c,
        SortKey.SEVERITY: Complaint.severity, SortKey.STATUS: Complaint.status, SortKey.OWNER: User.display_name,
        SortKey.DUE: Complaint.due_on,
    }[sort]
    tie = Complaint.case_number
    return (key.desc(), tie.desc()) if descending else (key.asc(), tie.asc())


def fetch_page(db: Database, actor: Actor, flt: CaseFilter, today: date, *, sort: SortKey = SortKey.RECEIVED,
               descending: bool = True, offset: int = 0, limit: int = PAGE_SIZE) -> list[CaseRow]:
    """Rows ``offset`` … ``offset + limit`` of the filtered, sorted list (display-ready, personal data masked)."""
    with db.unit_of_work() as session:
        stmt = (
            select(Complaint, Customer.name, Customer.phone, Branch.code, User.display_name,
                   _business.name_zh, _cause.name_zh)
            .join(Customer, Customer.id == Complaint.customer_id)
            .join(Branch, Branch.id == Complaint.branch_id)
            .outerjoin(User, User.id == Complaint.owner_id)
            .outerjoin(_business, _business.code == Complaint.axis_b)
            .outerjoin(_cause, _cause.code == Complaint.axis_c)
            .where(*_conditions(session, actor, flt, today))
        )
        stmt = stmt.order_by(*_order_by(sort, descending)).offset(offset).limit(limit)
        rows = []
        for complaint, name, phone, branch_code, owner, business, cause in session.execute(stmt):
            status = Status(complaint.status)
            stopped = status in STOPPED_STATES or complaint.paused
            rows.append(CaseRow(
                id=complaint.id, case_number=complaint.case_number, received_at=complaint.received_at,
                customer=mask_name(name), phone=mask_phone(phone), branch_code=branch_code,
                business_code=complaint.axis_b, business_name=business or "", cause_code=complaint.axis_c,
                cause_name=cause or "", severity=Severity(complaint.severity), status=status,
                owner_name=owner or "", due_on=complaint.due_on, days_left=days_left(complaint.due_on, today),
                deadline=deadline_state(complaint.due_on, today, soon_days=DUE_SOON_DAYS, stopped=stopped),
                flags=frozenset(f for f, col in FLAG_COLUMNS.items() if getattr(complaint, col)),
            ))
        return rows
