"""The case list: filters, search and sorting done in SQL, rows fetched a page at a time.

The GUI's table model asks for the row count and then for pages of rows as the user scrolls, so
a list of 1,000,000 cases never loads more than a few hundred rows. Search (``desk_app.db.search``) uses
trigram indexes for 3+ characters and a word (bigram) index for 1–2 characters of complaint text, plus
the plain indexes of case number and customer name prefixes.

A page is read in two steps: the row keys of the page (a narrow query that can skip through an index
alone), then the displayed columns of those rows only. ``fetch_page(matches=…)`` takes the row count
the caller already has and uses it to steer both planners (see ``_page_keys``). Timings and the
indexes these queries want: ``benchmarks/case_list.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Uuid,
    any_,
    bindparam,
    column,
    func,
    intersect,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import visitors
from sqlalchemy.sql.util import ClauseAdapter

from desk_app.db import search
from desk_app.db.models import Branch, Complaint, Customer, TaxonomyCode, User
from desk_app.db.models.case_counts import CaseCount
from desk_app.db.models.complaints import FLAG_COLUMNS
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.deadlines import DeadlineState, days_left, deadline_state
from desk_app.domain.enums import Severity, SpecialFlag, Status
from desk_app.domain.validation import mask_name, mask_phone
from desk_app.domain.workflow import FINISHED_STATES, STOPPED_STATES
from desk_app.services.access import sees_all_branches

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
    """What the list shows. ``flags``: cases carrying every one of them; ``any_flag``: at least one flag."""

    mine: bool = False
    statuses: frozenset[Status] = frozenset()
    severities: frozenset[Severity] = frozenset()
    branch_ids: frozenset[uuid.UUID] = frozenset()
    overdue: bool = False
    due_soon: bool = False
    awaiting_callback: bool = False
    flags: frozenset[SpecialFlag] = frozenset()
    any_flag: bool = False
    received_from: date | None = None
    received_to: date | None = None
    axis_c: str = ""
    text: str = ""
    office_tz: str = "Asia/Shanghai"


@dataclass(frozen=True)
class BranchChoice:
    id: uuid.UUID
    code: str
    name: str


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
    business_name_en: str = ""
    cause_name_en: str = ""


# Positive lists, not NOT IN: an index whose columns start with status (or branch, status) can then
# read just the open rows instead of every row past its due date.
_OPEN_VALUES = sorted(s.value for s in Status if s not in FINISHED_STATES)
_RUNNING_VALUES = sorted(s.value for s in Status if s not in STOPPED_STATES)


def _open() -> ColumnElement[bool]:
    return Complaint.status.in_(_OPEN_VALUES)


def _running() -> ColumnElement[bool]:
    return Complaint.status.in_(_RUNNING_VALUES)


def _row_key(session: Session) -> Any:
    """What identifies a row in the id query: SQLite's rowid (every index holds it, so ordering and skipping
    can run on an index alone), the primary key elsewhere."""
    return _dialect_row_key(session.get_bind().dialect.name)


def _dialect_row_key(dialect: str) -> Any:
    if dialect == "sqlite":
        return column("rowid", Integer, _selectable=Complaint.__table__)
    return Complaint.id


def _search_condition(session: Session, query: str, *, walk_order: bool = False) -> ColumnElement[bool]:
    """Cases whose number, customer or text contains ``query`` (any length; see ``desk_app.db.search``)."""
    return search.search_condition(session, query, _row_key(session), walk_order=walk_order)


def _conditions(session: Session, actor: Actor, flt: CaseFilter, today: date, *,
                many: bool = False) -> list[ColumnElement[bool]]:
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
    flagged = [getattr(Complaint, FLAG_COLUMNS[flag]) == true() for flag in sorted(flt.flags)]
    if flt.any_flag:
        flagged.append(or_(*(getattr(Complaint, name) == true() for name in FLAG_COLUMNS.values())))
    where.extend(flagged)
    if len(flagged) > 1 and session.get_bind().dialect.name == "sqlite":
        where.append(_all_flagged(flagged))
    zone = ZoneInfo(flt.office_tz)
    if flt.received_from:
        where.append(Complaint.received_at >= datetime.combine(flt.received_from, time(), zone))
    if flt.received_to:
        where.append(Complaint.received_at < datetime.combine(flt.received_to + timedelta(days=1), time(), zone))
    if flt.axis_c:
        where.append(Complaint.axis_c == flt.axis_c)
    if flt.text.strip():
        where.append(_search_condition(session, flt.text, walk_order=many))
    return where


def _all_flagged(flagged: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """SQLite, several flags: the cases in every flag's partial index, intersected from the indexes alone (rowids),
    so only the few cases carrying all of them are read (media + regulator at 1M cases: 175 -> 85 ms; SQLite would
    read every case of one flag to test the other). The plain flag conditions stay: this one only narrows."""
    parts = []
    for condition in flagged:
        table = Complaint.__table__.alias()  # an alias: not correlated with the outer complaints
        inner = ClauseAdapter(table).traverse(condition)
        parts.append(select(column("rowid", Integer, _selectable=table)).where(inner))
    row_key: ColumnElement[Any] = _dialect_row_key("sqlite")
    return row_key.in_(intersect(*parts))


def count_cases(db: Database, actor: Actor, flt: CaseFilter, today: date) -> int:
    if flt.text.strip():
        search.index_soon(db)  # rows written by imports or demo data are queued too: index them
    with db.unit_of_work() as session:
        return _count(session, actor, flt, today)


def _count(session: Session, actor: Actor, flt: CaseFilter, today: date) -> int:
    if flt.text.strip() and sees_all_branches(actor) and flt == CaseFilter(text=flt.text, office_tz=flt.office_tz):
        # A plain search at headquarters: the search's key queries count their matches alone, instead of
        # looking up every matching complaint.
        return search.count_matches(session, flt.text)
    counted = _counted(session, actor, flt)
    if counted is not None:
        return counted
    stmt = select(func.count()).select_from(Complaint).where(
        *_mine_by_owner(session, flt, _conditions(session, actor, flt, today)))
    return int(session.scalar(stmt) or 0)


def _counted(session: Session, actor: Actor, flt: CaseFilter) -> int | None:
    """The count of a list limited at most by branch, status and severity, read from the case counter table
    (kept exact by triggers; see ``desk_app.db.models.case_counts``) instead of counting up to every case.
    None for any other filter."""
    if flt != CaseFilter(branch_ids=flt.branch_ids, statuses=flt.statuses, severities=flt.severities,
                         awaiting_callback=flt.awaiting_callback, office_tz=flt.office_tz):
        return None
    stmt = select(func.coalesce(func.sum(CaseCount.n), 0))
    if not sees_all_branches(actor):
        stmt = stmt.where(CaseCount.branch_id == actor.branch_id)
    elif flt.branch_ids:
        stmt = stmt.where(CaseCount.branch_id.in_(list(flt.branch_ids)))
    if flt.statuses:
        stmt = stmt.where(CaseCount.status.in_([s.value for s in flt.statuses]))
    if flt.awaiting_callback:
        stmt = stmt.where(CaseCount.status == Status.AWAITING_CALLBACK.value)
    if flt.severities:
        stmt = stmt.where(CaseCount.severity.in_([s.value for s in flt.severities]))
    return int(session.scalar(stmt) or 0)


_business = aliased(TaxonomyCode)
_cause = aliased(TaxonomyCode)


def _sort_column(sort: SortKey) -> Any:
    return {
        SortKey.CASE_NUMBER: Complaint.case_number, SortKey.RECEIVED: Complaint.received_at,
        SortKey.CUSTOMER: Customer.name, SortKey.BUSINESS: Complaint.axis_b, SortKey.CAUSE: Complaint.axis_c,
        SortKey.SEVERITY: Complaint.severity, SortKey.STATUS: Complaint.status, SortKey.OWNER: User.display_name,
        SortKey.DUE: Complaint.due_on,
    }[sort]


def _order_by(sort: SortKey, descending: bool) -> tuple[Any, Any]:
    key = _sort_column(sort)
    tie = Complaint.case_number
    return (key.desc(), tie.desc()) if descending else (key.asc(), tie.asc())


#: Up to this many matching rows, the matches are found first and then sorted (see ``_page_keys``).
FEW_MATCHES = 5_000
#: Overdue cases sit far from the newest, so walking the order's index is slow for them: sort up to this many.
FEW_OVERDUE = 200_000
#: From this row on, a PostgreSQL page is read from its first row's sort key (see ``_deep_page``).
DEEP_OFFSET = 10_000
#: From this many matches on, a SQLite text search walks the order's index (see ``_search_condition``).
MANY_SEARCH_MATCHES = 20_000


def _page_keys(session: Session, actor: Actor, flt: CaseFilter, today: date, sort: SortKey, descending: bool,
               offset: int, limit: int, matches: int | None) -> list[Any]:
    """The row keys of one page: a narrow query (only the joins the order needs), cheap to skip through."""
    many = matches is not None and matches > MANY_SEARCH_MATCHES
    if sort is SortKey.OWNER and matches is not None and matches > FEW_MATCHES and (
            _walk_order(actor, flt, sort) or _owner_by_owner(flt, session.get_bind().dialect.name)):
        return _owner_page(session, actor, flt, today, descending, offset, limit)
    conditions = _mine_by_owner(session, flt, _conditions(session, actor, flt, today, many=many))
    walk = (session.get_bind().dialect.name == "sqlite" and matches is not None and matches > FEW_MATCHES
            and _walk_order(actor, flt, sort))
    if walk:  # see below
        conditions = [visitors.replacement_traverse(c, {}, _unindexed)  # type: ignore[call-overload]
                      for c in conditions]
    stmt = select(_row_key(session)).select_from(Complaint).where(*conditions)
    few = matches is not None and not flt.text.strip() and (  # a search is sorted anyway
        matches <= FEW_MATCHES or (flt.overdue and matches <= FEW_OVERDUE))
    dialect = session.get_bind().dialect.name
    if sort is SortKey.CUSTOMER and dialect == "sqlite" and not few and not flt.text.strip():
        # Walk the customers' name index and look up each one's cases, instead of joining every case to its
        # customer and sorting them all (HQ at 1M cases: 2.2 s). "+customers.id" keeps SQLite from looking
        # customers up by id, the plan it otherwise prefers.
        stmt = stmt.join(Customer, literal_column("+customers.id", type_=Customer.id.type) == Complaint.customer_id)
        if conditions:
            # Always true (every name sorts after ''), but a range on the walked index tells SQLite it walks part of
            # the customers only. Sampled statistics may count more customers than cases; SQLite then first scans
            # every case of the filter into a Bloom filter (a clerk's list at 1M cases: 320 ms instead of 16).
            stmt = stmt.where(Customer.name >= "")
    elif sort is SortKey.CUSTOMER:
        stmt = stmt.join(Customer, Customer.id == Complaint.customer_id)
    elif sort is SortKey.OWNER:
        stmt = stmt.outerjoin(User, User.id == Complaint.owner_id)
    # With few matches, find them by the filter's own index and sort just those. Both planners otherwise
    # tend to walk the order's index, assuming matches spread evenly over it: right for most filters
    # (measured: flags, severity, status), but overdue cases all sit far from the newest, so for them
    # that walk reads most of the table.
    if few and dialect == "postgresql":
        # A materialised CTE is a planning fence. It holds the sort key and the case number only, which the
        # filter's index often holds too (an index-only scan: overdue at 1M cases, 24,000 matches, 195 -> 25 ms);
        # the page's ids are then looked up by case number.
        found = stmt.with_only_columns(_sort_column(sort).label("sort_key"), Complaint.case_number.label("tie")).cte(
            "matching").prefix_with("MATERIALIZED")
        fenced: tuple[Any, Any] = (found.c.sort_key, found.c.tie)
        ordered = [c.desc() if descending else c.asc() for c in fenced]
        page = (select(*fenced).order_by(*ordered).offset(literal_column(str(int(offset))))
                .limit(literal_column(str(int(limit)))).subquery("page"))
        in_page = select(Complaint.id).join(page, page.c.tie == Complaint.case_number).order_by(
            *(c.desc() if descending else c.asc() for c in (page.c.sort_key, page.c.tie)))
        return list(session.connection().execute(in_page).scalars())
    elif few and dialect == "sqlite":
        # an expression no index can provide (every sort column is stored as text: same order)
        no_index: Any = literal_column("''")
        unindexed: tuple[Any, Any] = (_sort_column(sort).op("||")(no_index), Complaint.case_number.op("||")(no_index))
        stmt = stmt.order_by(*(c.desc() if descending else c.asc() for c in unindexed))
    elif dialect == "postgresql" and offset >= DEEP_OFFSET and sort not in (SortKey.CUSTOMER, SortKey.OWNER):
        if matches is not None and offset + limit > matches - offset:  # nearer the end: read it backwards
            rest = max(matches - offset, 0)
            return _deep_page(session, conditions, sort, not descending, max(rest - limit, 0), min(limit, rest))[::-1]
        return _deep_page(session, conditions, sort, descending, offset, limit)
    elif walk:
        # Many matches of a severity, cause or branches: walk the order's index and test each row.
        # SQLite's statistics (no histograms) take a common status or severity for a rare one and would
        # otherwise read every match by the filter's index and sort them all (its conditions are "+column").
        stmt = stmt.order_by(*_order_by(sort, descending))
    else:
        stmt = stmt.order_by(*_order_by(sort, descending))
    # LIMIT and OFFSET as literals (plain ints): SQLite's planner only weighs "sort the few matching rows"
    # against "walk the order's index" when it knows the limit; with a bound limit it walks the index.
    stmt = stmt.offset(literal_column(str(int(offset)))).limit(literal_column(str(int(limit))))
    return list(session.connection().execute(stmt).scalars())


def _deep_page(session: Session, conditions: list[Any], sort: SortKey, descending: bool, offset: int,
               limit: int) -> list[Any]:
    """PostgreSQL, a page far down the list: find the page's first row by skipping through the sort column and the
    case number alone (an index-only scan of the order's index), then read the page from there on ("keyset").
    OFFSET on the row keys would fetch every skipped row from the table (1M cases, the middle page: 0.6 s).
    The sort column and the case number are never NULL, and the case number is unique, so the row comparison
    gives exactly the rows OFFSET would."""
    order = _order_by(sort, descending)
    edge = session.execute(select(_sort_column(sort), Complaint.case_number).where(*conditions).order_by(*order)
                           .offset(offset).limit(1)).first()
    if edge is None:
        return []
    row = tuple_(_sort_column(sort), Complaint.case_number)
    from_edge = row <= tuple_(*edge) if descending else row >= tuple_(*edge)
    stmt = select(Complaint.id).where(*conditions, from_edge).order_by(*order).limit(limit)
    return list(session.connection().execute(stmt).scalars())


_WALKED = frozenset({SortKey.RECEIVED, SortKey.SEVERITY, SortKey.STATUS, SortKey.BUSINESS, SortKey.CAUSE, SortKey.DUE,
                     SortKey.CUSTOMER, SortKey.OWNER})  # by customer: the customers' name index, then each one's cases
def _owner_page(session: Session, actor: Actor, flt: CaseFilter, today: date, descending: bool, offset: int,
                limit: int) -> list[Any]:
    """A page sorted by owner, read owner by owner through the (owner, case number) index: the owners' names
    sorted by the database (its collation), owners of one name together, the cases without an owner where the
    database puts NULL (SQLite first, PostgreSQL last, ascending). Instead of joining and sorting every case."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    name = User.display_name.desc() if descending else User.display_name.asc()
    groups: list[list[Any] | None] = []
    last_name: str | None = None
    owners = select(User.id, User.display_name).where(  # clerks and HQ staff mostly own no case: skip them
        select(Complaint.id).where(Complaint.owner_id == User.id).exists()).order_by(name)
    for user_id, display_name in session.execute(owners):
        if groups and display_name == last_name:
            groups[-1].append(user_id)  # type: ignore[union-attr]
        else:
            groups.append([user_id])
        last_name = display_name
    if sqlite != descending:
        groups.insert(0, None)
    else:
        groups.append(None)
    conditions = _conditions(session, actor, flt, today)
    if sqlite:  # the (branch,) owner, case number indexes, not the severity's or the cause's
        conditions = [visitors.replacement_traverse(c, {}, _unindexed_but_branch)  # type: ignore[call-overload]
                      for c in conditions]
    key = _row_key(session)
    found: list[Any] = []
    for ids in groups:
        owned = Complaint.owner_id.is_(None) if ids is None else Complaint.owner_id.in_(ids)
        if offset:
            n = int(session.scalar(select(func.count()).select_from(Complaint).where(*conditions, owned)) or 0)
            if n <= offset:
                offset -= n
                continue
        found += session.connection().execute(_owned_page(key, conditions, ids, descending, offset,
                                                          limit - len(found))).scalars()
        offset = 0
        if len(found) >= limit:
            break
    return found


def _owned_page(key: Any, conditions: list[Any], ids: list[Any] | None, descending: bool, offset: int,
                need: int) -> Select[Any]:
    """The page's cases of one owner name (``ids``: its users; None: no owner), by case number. Each owner's cases
    are read through the (owner, case number) index, ordered "owner, case number": ordered by case number alone,
    the planner may walk the case-number index instead and, for owners without cases, read every case
    (PostgreSQL at 1M cases: 2.5 s an owner). Owners of one name: each one's first ``offset + need``, merged."""
    tie = Complaint.case_number.desc() if descending else Complaint.case_number.asc()

    def of(owned: ColumnElement[bool]) -> Select[Any]:
        return select(key.label("k"), Complaint.case_number.label("n")).select_from(Complaint).where(
            *conditions, owned).order_by(Complaint.owner_id, tie)

    def page(stmt: Select[Any], skip: int) -> Select[Any]:
        return stmt.offset(literal_column(str(skip))).limit(literal_column(str(need)))

    if ids is None or len(ids) == 1:
        owned = Complaint.owner_id.is_(None) if ids is None else Complaint.owner_id == ids[0]
        return page(of(owned).with_only_columns(key), offset)
    parts = [select(*of(Complaint.owner_id == i).limit(literal_column(str(offset + need))).subquery().c) for i in ids]
    merged = union_all(*parts).subquery()
    return page(select(merged.c.k).order_by(merged.c.n.desc() if descending else merged.c.n.asc()), offset)


_UNINDEXED = frozenset(Complaint.__table__.c[name] for name in ("severity", "axis_c", "branch_id"))


def _unindexed(element: Any) -> Any:
    if element in _UNINDEXED:  # SQLite: "+column" is the column's value, but no index can serve it
        return literal_column(f"+{element.table.name}.{element.name}", type_=element.type)
    return None


_BRANCH = frozenset({Complaint.__table__.c.branch_id})


def _mine_by_owner(session: Session, flt: CaseFilter, conditions: list[ColumnElement[bool]]) -> list[Any]:
    """SQLite, "my cases" overdue, due soon or of a status: keep the branch off the indexes (the owner, status and
    due index finds them; the branch and owner index would read every case of the owner to find the few)."""
    if not (flt.mine and (flt.overdue or flt.due_soon or flt.statuses)) or session.get_bind().dialect.name != "sqlite":
        return conditions
    return [visitors.replacement_traverse(c, {}, _branch_unindexed)  # type: ignore[call-overload]
            for c in conditions]


def _branch_unindexed(element: Any) -> Any:
    return _unindexed(element) if element in _BRANCH else None


def _unindexed_but_branch(element: Any) -> Any:
    return None if element in _BRANCH else _unindexed(element)


def _owner_by_owner(flt: CaseFilter, dialect: str) -> bool:
    """Many flagged (or, on PostgreSQL, overdue) cases by owner: read owner by owner too (one in eight cases carries
    a flag, so a page is a few thousand index entries; an owner's overdue cases are in the (owner, status, due)
    index), instead of sorting every match by its owner's name (1M cases: any flag 0.3 s; overdue 0.2 s on
    PostgreSQL, while SQLite sorts the overdue cases from the (status, due) index faster than it walks owners)."""
    if flt.text.strip() or flt.due_soon or (flt.overdue and dialect != "postgresql"):
        return False
    return bool(flt.flags or flt.any_flag or flt.overdue)


def _walk_order(actor: Actor, flt: CaseFilter, sort: SortKey) -> bool:
    """SQLite, many matches: walk the order's index (each sort has one; desk_app.db.models.case_counts) when the
    filter is one the planner misjudges (severity, cause, branches). Flags, dates and "mine" have indexes of their
    own in the list's order, a status has one in the default order, and overdue cases are old."""
    if (flt.text.strip() or flt.flags or flt.any_flag or flt.received_from or flt.received_to or flt.mine
            or flt.overdue or flt.due_soon or flt.awaiting_callback or flt.statuses or sort not in _WALKED):
        return False  # statuses follow a case's age: open cases sit at one end of the date orders
    one_branch = not sees_all_branches(actor) or len(flt.branch_ids) == 1
    return not (sort is SortKey.RECEIVED and one_branch)


_FLAG_ITEMS = tuple(FLAG_COLUMNS.items())


@cache
def _page_rows(dialect: str) -> Select[Any]:
    """The displayed columns of the rows whose keys are the parameter ``keys``, built once per dialect (every
    page and every list opening reads it). PostgreSQL takes the keys as one array (``= ANY``): the statement's
    text stays the same whatever the page's length, so it is prepared once per connection and none of the
    keys is rendered into it."""
    key = _dialect_row_key(dialect)
    chosen = (key.in_(bindparam("keys", expanding=True)) if dialect != "postgresql"
              else key == any_(bindparam("keys", type_=ARRAY(Uuid()))))
    return (
        select(key, Complaint.id, Complaint.case_number, Complaint.received_at, Complaint.axis_b, Complaint.axis_c,
               Complaint.severity, Complaint.status, Complaint.due_on, Complaint.paused,
               *(getattr(Complaint, name) for _flag, name in _FLAG_ITEMS),
               Customer.name, Customer.phone, Branch.code, User.display_name,
               _business.name_zh, _business.name_en, _cause.name_zh, _cause.name_en)
        .join(Customer, Customer.id == Complaint.customer_id)
        .join(Branch, Branch.id == Complaint.branch_id)
        .outerjoin(User, User.id == Complaint.owner_id)
        .outerjoin(_business, _business.code == Complaint.axis_b)
        .outerjoin(_cause, _cause.code == Complaint.axis_c)
        .where(chosen)
    )


def fetch_page(db: Database, actor: Actor, flt: CaseFilter, today: date, *, sort: SortKey = SortKey.RECEIVED,
               descending: bool = True, offset: int = 0, limit: int = PAGE_SIZE,
               matches: int | None = None) -> list[CaseRow]:
    """Rows ``offset`` … ``offset + limit`` of the filtered, sorted list (display-ready, personal data masked).

    Two steps (a "deferred join"): the page's row keys from a narrow query, then only the displayed
    columns of those rows, so a page deep in a million rows does not join and load every row it skips.
    ``matches``: the count from ``count_cases`` when the caller has it; it helps PostgreSQL choose a plan.
    """
    with db.unit_of_work() as session:
        keys, found = _page(session, actor, flt, today, sort, descending, offset, limit, matches)
    return _case_rows(keys, found, today)


@dataclass(frozen=True)
class FirstPage:
    """What opening a list shows: how many rows it has, and the first of them."""

    count: int
    rows: list[CaseRow]


def open_list(db: Database, actor: Actor, flt: CaseFilter, today: date, *, sort: SortKey = SortKey.RECEIVED,
              descending: bool = True, limit: int = PAGE_SIZE) -> FirstPage:
    """The count and the first page in one call and one transaction: through a desk server, opening or
    refreshing the list is one request, one session check and one connection instead of two each
    (``count_cases`` then ``fetch_page``, which scrolling further still uses)."""
    if flt.text.strip():
        search.index_soon(db)
    with db.unit_of_work() as session:
        count = _count(session, actor, flt, today)
        if not count:
            return FirstPage(0, [])
        keys, found = _page(session, actor, flt, today, sort, descending, 0, limit, count)
    return FirstPage(count, _case_rows(keys, found, today))


def _page(session: Session, actor: Actor, flt: CaseFilter, today: date, sort: SortKey, descending: bool,
          offset: int, limit: int, matches: int | None) -> tuple[list[Any], dict[Any, Any]]:
    """The page's row keys in order, and the displayed columns of each by key."""
    keys = _page_keys(session, actor, flt, today, sort, descending, offset, limit, matches)
    if not keys:
        return [], {}
    stmt = _page_rows(session.get_bind().dialect.name)
    return keys, {row[0]: row[1:] for row in session.connection().execute(stmt, {"keys": keys}).all()}


def _case_rows(keys: list[Any], found: dict[Any, Any], today: date) -> list[CaseRow]:
    rows = []
    flag_count = len(_FLAG_ITEMS)
    for row_key in keys:  # the order of the key query; a row deleted in between is left out
        row = found.get(row_key)
        if row is None:
            continue
        (case_id, number, received_at, axis_b, axis_c, severity, status_value, due_on, paused) = row[:9]
        flag_values = row[9:9 + flag_count]
        name, phone, branch_code, owner, business, business_en, cause, cause_en = row[9 + flag_count:]
        status = Status(status_value)
        stopped = status in STOPPED_STATES or bool(paused)
        rows.append(CaseRow(
            id=case_id, case_number=number, received_at=received_at,
            customer=mask_name(name), phone=mask_phone(phone), branch_code=branch_code,
            business_code=axis_b, business_name=business or "", cause_code=axis_c,
            cause_name=cause or "", severity=Severity(severity), status=status,
            owner_name=owner or "", due_on=due_on, days_left=days_left(due_on, today),
            deadline=deadline_state(due_on, today, soon_days=DUE_SOON_DAYS, stopped=stopped),
            flags=frozenset(flag for (flag, _name), value in zip(_FLAG_ITEMS, flag_values, strict=True) if value),
            business_name_en=business_en or "", cause_name_en=cause_en or "",
        ))
    return rows


def branches(db: Database, actor: Actor) -> list[BranchChoice]:
    """The branches the actor may filter the list by: every active branch at HQ, else their own."""
    with db.unit_of_work() as session:
        stmt = select(Branch.id, Branch.code, Branch.name).order_by(Branch.code)
        if sees_all_branches(actor):
            stmt = stmt.where(Branch.active.is_(True))
        else:
            stmt = stmt.where(Branch.id == actor.branch_id)
        return [BranchChoice(id=bid, code=code, name=name) for bid, code, name in session.execute(stmt)]
