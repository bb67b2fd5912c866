"""Table model of the case list: the row count from the database, rows fetched a page at a time.

Like Anki's browser model, the model never holds more than a bounded cache of plain ``CaseRow``
pages. ``data()`` on a row whose page is not cached answers with a placeholder and asks for the
page; pages are fetched in the background, the most recently asked-for first (while the user drags
the scroll bar only the pages still on screen are worth loading), and their arrival emits
``dataChanged``. Every (re)query bumps a generation number, so late answers to an old query are
dropped. The data source is a small protocol, so tests can drive the model with a fake million rows.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date
from enum import IntEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor, QIcon

from desk_app import i18n
from desk_app.api.backend import Backend
from desk_app.domain.actor import Actor
from desk_app.domain.deadlines import DeadlineState
from desk_app.i18n import N_, _, ngettext
from desk_app.services.case_list import PAGE_SIZE, CaseFilter, CaseRow, FirstPage, SortKey, fetch_page, open_list
from ui import icons
from ui.tasks import run_call

Index = QModelIndex | QPersistentModelIndex

#: Pages kept in memory (200 rows each); the least recently shown are dropped first.
CACHE_PAGES = 60
#: Pages waiting to be fetched; older wishes are forgotten (the user has scrolled past them).
MAX_WANTED = 4

CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
DEADLINE_ROLE = Qt.ItemDataRole.UserRole + 2

_OVERDUE_BRUSH = QBrush(QColor("#a61b1b"))
_DUE_SOON_BRUSH = QBrush(QColor("#8a5a00"))


class Column(IntEnum):
    CASE_NUMBER = 0
    RECEIVED = 1
    CUSTOMER = 2
    BUSINESS = 3
    CAUSE = 4
    SEVERITY = 5
    FLAGS = 6
    STATUS = 7
    OWNER = 8
    DUE = 9


HEADERS: dict[Column, str] = {
    Column.CASE_NUMBER: N_("Case number"), Column.RECEIVED: N_("Received"), Column.CUSTOMER: N_("Customer"),
    Column.BUSINESS: N_("Business"), Column.CAUSE: N_("Cause"), Column.SEVERITY: N_("Severity"),
    Column.FLAGS: N_("Special flags"), Column.STATUS: N_("Status"), Column.OWNER: N_("Owner"),
    Column.DUE: N_("Due on"),
}
#: The column each sort key belongs to; the flags column cannot be sorted.
SORT_KEYS: dict[Column, SortKey] = {
    Column.CASE_NUMBER: SortKey.CASE_NUMBER, Column.RECEIVED: SortKey.RECEIVED, Column.CUSTOMER: SortKey.CUSTOMER,
    Column.BUSINESS: SortKey.BUSINESS, Column.CAUSE: SortKey.CAUSE, Column.SEVERITY: SortKey.SEVERITY,
    Column.STATUS: SortKey.STATUS, Column.OWNER: SortKey.OWNER, Column.DUE: SortKey.DUE,
}
SORT_COLUMNS: dict[SortKey, Column] = {key: column for column, key in SORT_KEYS.items()}


_COLUMNS = tuple(Column)  # by position, without an Enum call per cell
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_SERVED_ROLES = frozenset({_DISPLAY, _DECORATION, _FOREGROUND, _ACCESSIBLE, _TOOLTIP, CASE_ID_ROLE, DEADLINE_ROLE})


@dataclass(frozen=True)
class ListQuery:
    """Everything that decides which rows the list shows, and in which order."""

    flt: CaseFilter
    sort: SortKey = SortKey.RECEIVED
    descending: bool = True
    today: date = date.min


class CaseSource(Protocol):
    """Where the rows come from (the database in the app; a fake in some tests). Called in a worker."""

    def open(self, query: ListQuery, limit: int) -> FirstPage:
        """The query's row count and its first ``limit`` rows."""
        ...

    def page(self, query: ListQuery, offset: int, limit: int, count: int) -> list[CaseRow]:
        """Rows ``offset`` … ``offset + limit``; ``count`` is the query's row count (a hint for the planner)."""
        ...


class BackendSource:
    """The case-list services for one signed-in user, through the backend (this PC or a desk server)."""

    def __init__(self, backend: Backend, actor: Actor) -> None:
        self._backend = backend
        self._actor = actor

    def open(self, query: ListQuery, limit: int) -> FirstPage:
        return self._backend.call(self._actor, open_list, query.flt, query.today, sort=query.sort,
                                  descending=query.descending, limit=limit)

    def page(self, query: ListQuery, offset: int, limit: int, count: int) -> list[CaseRow]:
        return self._backend.call(self._actor, fetch_page, query.flt, query.today, sort=query.sort,
                                  descending=query.descending, offset=offset, limit=limit, matches=count)


def deadline_text(row: CaseRow) -> str:
    """The days left in words ("Overdue by 3 days" for an overdue row, which never relies on colour
    alone); empty when the clock is stopped (answered, finished or paused)."""
    if row.deadline is DeadlineState.STOPPED:
        return ""
    if row.deadline is DeadlineState.OVERDUE:
        n = -row.days_left
        return ngettext("Overdue by {n} day", "Overdue by {n} days", n).format(n=n)
    if row.days_left == 0:
        return _("Due today")
    return ngettext("{n} day left", "{n} days left", row.days_left).format(n=row.days_left)


def _name(chinese: str, english: str) -> str:
    """A taxonomy name in the interface language (Chinese when no English name is recorded)."""
    return english if english and i18n.current_language() == "en" else chinese


def flags_text(row: CaseRow) -> str:
    return _(", ").join(sorted(flag.label for flag in row.flags))


class CaseTableModel(QAbstractTableModel):
    """The case list over a ``CaseSource``; start it with ``set_query``."""

    #: A (re)query started.
    sig_started = Signal()
    #: The row count of a finished (re)query.
    sig_loaded = Signal(int)
    #: A query or a page could not be loaded (the exception).
    sig_failed = Signal(object)

    def __init__(self, source: CaseSource, office_tz: ZoneInfo, parent: QObject | None = None, *,
                 pool: QThreadPool | None = None, page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self._source = source
        self._tz = office_tz
        self._pool = pool
        self.page_size = page_size
        self.query: ListQuery | None = None
        self._count = 0
        self._generation = 0
        self._pages: OrderedDict[int, list[CaseRow]] = OrderedDict()
        self._wanted: list[int] = []
        self._in_flight: tuple[int, int] | None = None  # (generation, page) being fetched
        self._failed_pages: set[int] = set()
        self._failure_reported = False  # one message per query, not one per page the user scrolls to
        self._texts: dict[int, tuple[str, ...]] = {}  # display texts of rows shown lately, by row number
        self.loading = False

    # -- queries ---------------------------------------------------------------------------------
    def set_query(self, query: ListQuery) -> None:
        """Show the rows of ``query``: count and first page in the background, then a model reset."""
        self.query = query
        self._start_load(keep_rows=False)

    def refresh(self, today: date | None = None) -> None:
        """Query again with the same filter and order, keeping the view's position where possible."""
        if self.query is None:
            return
        if today is not None and today != self.query.today:
            self.query = replace(self.query, today=today)
        self._start_load(keep_rows=True)

    def _start_load(self, *, keep_rows: bool) -> None:
        assert self.query is not None
        self._generation += 1
        generation, query, source, size = self._generation, self.query, self._source, self.page_size
        self._wanted.clear()
        self._failure_reported = False
        self.loading = True
        self.sig_started.emit()

        def work() -> FirstPage:
            return source.open(query, size)

        run_call(self, work, lambda result: self._first_loaded(generation, keep_rows, result),
                 lambda exc: self._load_failed(generation, exc), pool=self._pool)

    def _first_loaded(self, generation: int, keep_rows: bool, result: FirstPage) -> None:
        if generation != self._generation:
            return
        self.loading = False
        old = self._count
        if not keep_rows:
            self.beginResetModel()
            self._replace_rows(result)
            self.endResetModel()
        else:
            new = result.count
            if new > old:
                self.beginInsertRows(QModelIndex(), old, new - 1)
                self._replace_rows(result)
                self.endInsertRows()
            elif new < old:
                self.beginRemoveRows(QModelIndex(), new, old - 1)
                self._replace_rows(result)
                self.endRemoveRows()
            else:
                self._replace_rows(result)
            if new:
                self.dataChanged.emit(self.index(0, 0), self.index(new - 1, len(Column) - 1))
        if not keep_rows:
            self._wanted.clear()  # wishes made before the reset were about other rows
        self.sig_loaded.emit(result.count)
        if self._in_flight is None:
            self._fetch_next()

    def _replace_rows(self, result: FirstPage) -> None:
        self._count = result.count
        self._pages.clear()
        self._texts.clear()
        self._failed_pages.clear()
        if result.count:
            self._pages[0] = result.rows

    def _load_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.loading = False
            self.sig_failed.emit(exc)

    # -- pages -----------------------------------------------------------------------------------
    def row_at(self, row: int) -> CaseRow | None:
        """The row's data if its page is loaded; otherwise None (and the page is asked for)."""
        if not 0 <= row < self._count:
            return None
        number = row // self.page_size
        page = self._pages.get(number)
        if page is None:
            self._want(number)
            return None
        self._pages.move_to_end(number)
        offset = row - number * self.page_size
        return page[offset] if offset < len(page) else None

    def is_loaded(self, row: int) -> bool:
        return row // self.page_size in self._pages

    def loaded_pages(self) -> list[int]:
        return sorted(self._pages)

    def _want(self, page: int) -> None:
        if page in self._failed_pages or self._in_flight == (self._generation, page):
            return
        if page in self._wanted:
            self._wanted.remove(page)
        self._wanted.append(page)
        del self._wanted[:-MAX_WANTED]
        if self._in_flight is None:
            self._fetch_next()

    def _fetch_next(self) -> None:
        if self.query is None or self.loading or self._in_flight is not None:
            return
        while self._wanted:
            page = self._wanted.pop()  # the newest wish first: it is what the user looks at now
            if page not in self._pages:
                break
        else:
            return
        self._in_flight = (self._generation, page)
        generation, query, source, size, count = (self._generation, self.query, self._source, self.page_size,
                                                  self._count)

        def work() -> list[CaseRow]:
            return source.page(query, page * size, size, count)

        run_call(self, work, lambda rows: self._page_loaded(generation, page, rows),
                 lambda exc: self._page_failed(generation, page, exc), pool=self._pool)

    def _page_loaded(self, generation: int, page: int, rows: list[CaseRow]) -> None:
        self._in_flight = None
        if generation == self._generation:
            self._pages[page] = rows
            while len(self._pages) > CACHE_PAGES:
                self._pages.popitem(last=False)
                self._texts.clear()
            first = page * self.page_size
            last = min(first + self.page_size, self._count) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))
        self._fetch_next()

    def _page_failed(self, generation: int, page: int, exc: BaseException) -> None:
        self._in_flight = None
        if generation == self._generation:
            self._failed_pages.add(page)  # shown as "not loaded" until the next refresh
            first = page * self.page_size
            last = min(first + self.page_size, self._count) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))
            if not self._failure_reported:
                self._failure_reported = True
                self.sig_failed.emit(exc)
        self._fetch_next()

    # -- Qt model --------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return _(HEADERS[Column(section)])
        if role == Qt.ItemDataRole.ToolTipRole and Column(section) not in SORT_KEYS:
            return _("This column cannot be sorted.")
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._failed_pages and index.row() // self.page_size in self._failed_pages:
            return Qt.ItemFlag.NoItemFlags  # a page that failed to load shows as disabled
        return _ROW_FLAGS

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Called for every role of every visible cell on each repaint: answer the unused roles first.
        if role not in _SERVED_ROLES:
            return None
        number = index.row()
        if not 0 <= number < self._count or not index.isValid():
            return None
        column = _COLUMNS[index.column()]
        row = self.row_at(number)
        if row is None:
            return self._placeholder(number, column, role)
        if role == _DISPLAY:
            texts = self._texts.get(number)
            if texts is None:
                if len(self._texts) > 4 * self.page_size:
                    self._texts.clear()
                texts = self._texts[number] = tuple(self._text(row, c) for c in _COLUMNS)
            return texts[column]
        if role == _DECORATION:
            return self._icon(row, column)
        if role == _FOREGROUND:
            if column is Column.DUE and row.deadline is DeadlineState.OVERDUE:
                return _OVERDUE_BRUSH
            if column is Column.DUE and row.deadline is DeadlineState.DUE_SOON:
                return _DUE_SOON_BRUSH
            return None
        if role == _ACCESSIBLE:
            return self._accessible_text(row, column)
        if role == _TOOLTIP:
            return self._tooltip(row, column)
        if role == CASE_ID_ROLE:
            return row.id
        return row.deadline.value  # DEADLINE_ROLE

    def _placeholder(self, row: int, column: Column, role: int) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        if column is not Column.CASE_NUMBER:
            return ""
        if row // self.page_size in self._failed_pages:
            return _("(not loaded)")
        return _("Loading…")

    def _text(self, row: CaseRow, column: Column) -> str:
        match column:
            case Column.CASE_NUMBER:
                return row.case_number
            case Column.RECEIVED:
                return row.received_at.astimezone(self._tz).strftime("%Y-%m-%d %H:%M")
            case Column.CUSTOMER:
                return f"{row.customer} {row.phone}".strip()
            case Column.BUSINESS:
                return f"{row.business_code} {_name(row.business_name, row.business_name_en)}".strip()
            case Column.CAUSE:
                return f"{row.cause_code} {_name(row.cause_name, row.cause_name_en)}".strip()
            case Column.SEVERITY:
                return row.severity.label
            case Column.STATUS:
                return row.status.label
            case Column.OWNER:
                return row.owner_name
            case Column.DUE:
                words = deadline_text(row)
                return f"{row.due_on.isoformat()}  {words}" if words else row.due_on.isoformat()
            case Column.FLAGS:
                return flags_text(row)

    def _accessible_text(self, row: CaseRow, column: Column) -> str:
        if column is Column.DUE and row.deadline is DeadlineState.STOPPED:
            return _("{date} (clock stopped)").format(date=row.due_on.isoformat())
        return self._text(row, column)

    def _tooltip(self, row: CaseRow, column: Column) -> str | None:
        match column:
            case Column.DUE:
                if row.deadline is DeadlineState.STOPPED:
                    return _("The clock is stopped (answered, finished or paused).")
                return deadline_text(row)
            case Column.FLAGS:
                return flags_text(row) or None
            case Column.CUSTOMER | Column.BUSINESS | Column.CAUSE:
                return self._text(row, column)
        return None

    def _icon(self, row: CaseRow, column: Column) -> QIcon | None:
        if column is Column.DUE:
            if row.deadline is DeadlineState.OVERDUE:
                return icons.icon(icons.OVERDUE)
            if row.deadline is DeadlineState.DUE_SOON:
                return icons.icon(icons.DUE_SOON)
        if column is Column.FLAGS and row.flags:
            return icons.icon(icons.WARNING)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Query again in the order of ``column`` (the flags column keeps the current order)."""
        key = SORT_KEYS.get(Column(column)) if 0 <= column < len(Column) else None
        if key is None or self.query is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self.query.sort, self.query.descending):
            self.set_query(replace(self.query, sort=key, descending=descending))

    def case_id(self, row: int) -> uuid.UUID | None:
        case = self.row_at(row)
        return case.id if case is not None else None

    def retranslate(self) -> None:
        self._texts.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(Column) - 1))
