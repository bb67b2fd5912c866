"""The case list page (案件列表): search, filters, and a table that scrolls through a million cases.

Double-click or Enter on a row emits ``sig_open_case(case id)``; the main window connects it to the
case view. ``apply_filter`` opens the list pre-filtered (from the overview or the dashboard). Column
widths and the sort order are UI state, kept in QSettings like the main window's geometry.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QIcon, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QMenu, QTableView, QVBoxLayout, QWidget

from desk_app.domain.actor import Actor
from desk_app.domain.enums import Severity, Status
from desk_app.domain.permissions import Permission, has_permission
from desk_app.i18n import _, ngettext
from desk_app.services.access import sees_all_branches
from desk_app.services.branches import handlers_may_take
from desk_app.services.case_list import BranchChoice, CaseFilter, CaseRow, SortKey, branches
from desk_app.services.overview import ASSIGNABLE
from ui import icons
from ui.cases.case_table_model import (
    HEADERS,
    SORT_COLUMNS,
    SORT_KEYS,
    BackendSource,
    CaseSource,
    CaseTableModel,
    Column,
    ListQuery,
)
from ui.cases.filter_bar import FilterBar
from ui.context import AppContext
from ui.errors import show_error
from ui.page import Page
from ui.tasks import run_call
from ui.ui_state import StateKey, load_state, save_state

SAVE_DELAY_MS = 400
#: Text that sets each column's default width (the header text counts too).
WIDTH_SAMPLES: dict[Column, str] = {
    Column.CASE_NUMBER: "CD01-20261123-0001", Column.RECEIVED: "2026-11-23 14:05",
    Column.CUSTOMER: "欧阳** 138****5678", Column.BUSINESS: "B0302 信用卡业务", Column.CAUSE: "C09 消费者资金安全",
    Column.SEVERITY: "一般", Column.STATUS: "处理中", Column.OWNER: "欧阳明明",
    Column.DUE: "2026-11-30  已逾期 12 天", Column.FLAGS: "群体性投诉",
}
#: Longer texts these columns grow to when the window has room to spare (on first showing).
ROOMY_SAMPLES: dict[Column, str] = {Column.BUSINESS: "B2101 机动车辆保险", Column.CAUSE: "C03 管理制度、业务规则与流程"}


class CaseTableView(QTableView):
    """The table; Enter or Return on a row activates it (double-click does too); the Menu key or Shift+F10
    asks for the row's menu (a right-click does too)."""

    sig_activate = Signal(QModelIndex)
    sig_menu = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, index = event.key(), self.currentIndex()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and index.isValid():
            self.sig_activate.emit(index)
            event.accept()
            return
        menu_key = key == Qt.Key.Key_Menu or (
            key == Qt.Key.Key_F10 and event.modifiers() == Qt.KeyboardModifier.ShiftModifier)
        if menu_key and index.isValid():
            self.sig_menu.emit(index)
            event.accept()
            return
        super().keyPressEvent(event)


class CaseListPage(Page):
    sig_open_case = Signal(uuid.UUID)

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None, *,
                 source: CaseSource | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseListPage")
        self._ctx = ctx
        self._actor = actor
        self._started = False
        self._widths_settled = False
        self._natural_widths: dict[Column, int] = {}
        self.branch_choices: list[BranchChoice] = []

        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.filter_bar = FilterBar(ctx.config.office_timezone, show_branches=sees_all_branches(actor), parent=self)
        self.filter_bar.sig_changed.connect(self._query)
        self.filter_bar.sig_leave_search.connect(self._focus_table)

        self.model = CaseTableModel(source or BackendSource(ctx.backend, actor), ctx.office_tz, self)
        self.model.sig_started.connect(lambda: self.filter_bar.set_count(None))
        self.model.sig_loaded.connect(self._loaded)
        self.model.sig_failed.connect(self._failed)
        self.table = CaseTableView(self)
        self.table.setObjectName("caseTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: cheap for a million
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.doubleClicked.connect(self._activate)
        self.table.sig_activate.connect(self._activate)
        self.table.sig_menu.connect(self._row_menu)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(lambda pos: self._row_menu(self.table.indexAt(pos)))
        self.row_menu: QMenu | None = None  # the open row menu (Open, Take this case)
        self._may_take = False  # the branch lets this handler take unassigned cases (read on first showing)

        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("caseListEmpty")
        self.empty_label.hide()

        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        self._set_default_widths()
        header.setSortIndicator(Column.RECEIVED, Qt.SortOrder.DescendingOrder)
        self._widths_settled = self._restore_header()
        header.setSortIndicatorShown(True)
        self.table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_header)
        header.sectionResized.connect(lambda *_args: self._save_timer.start())
        header.sectionMoved.connect(lambda *_args: self._save_timer.start())

        self.find_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        # the whole window while the page is shown (from the navigation too); a hidden page's shortcut is off
        self.find_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.find_shortcut.activated.connect(self.focus_search)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.filter_bar.reset_button, self.table)
        self.retranslate_ui()

    # -- Page ------------------------------------------------------------------------------------
    def nav_title(self) -> str:
        return _("Case list")

    def nav_icon(self) -> QIcon:
        return icons.icon(icons.CASES)

    def retranslate_ui(self) -> None:
        self.title.setText(_("Case list"))
        self.filter_bar.retranslate_ui()
        self.table.setAccessibleName(_("Cases found"))
        self.table.setAccessibleDescription(_("Press Enter to open the selected case."))
        self.empty_label.setText(_("No case matches the search and the filters."))
        self.model.retranslate()
        if self.model.loading or not self._started:
            self.filter_bar.set_count(None)
        else:
            self.filter_bar.set_count(self.model.rowCount())

    def refresh(self) -> None:
        """First showing: load the branch list and the cases; afterwards query again in place."""
        if not self._started:
            self._started = True
            self._load_branches()
            self._load_take_rule()
            self._query()
        elif not self.model.loading:  # e.g. apply_filter() just started a query
            self.model.refresh(self.today())

    # -- public ----------------------------------------------------------------------------------
    def apply_filter(self, flt: CaseFilter) -> None:
        """Show the cases matching ``flt`` (the overview and the dashboard open the list like this)."""
        if not self._started:
            self._started = True
            self._load_branches()
        self.filter_bar.set_filter(flt)
        self._query()

    def current_filter(self) -> CaseFilter:
        return self.filter_bar.current_filter()

    def today(self) -> date:
        return datetime.now(self._ctx.office_tz).date()

    def focus_search(self) -> None:
        self.filter_bar.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.search_edit.selectAll()

    def save_header(self) -> None:
        self._save_timer.stop()
        save_state(StateKey.CASE_LIST_HEADER, self.table.horizontalHeader().saveState())

    # -- internals -------------------------------------------------------------------------------
    def _sort(self) -> tuple[SortKey, bool]:
        header = self.table.horizontalHeader()
        section = header.sortIndicatorSection()
        key = SORT_KEYS.get(Column(section)) if 0 <= section < len(Column) else None
        if key is None:
            return SortKey.RECEIVED, True
        return key, header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder

    def _query(self) -> None:
        sort, descending = self._sort()
        self.model.set_query(ListQuery(self.filter_bar.current_filter(), sort, descending, self.today()))

    def _loaded(self, count: int) -> None:
        self.filter_bar.set_count(count)
        self.empty_label.setVisible(count == 0)
        if count and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.clearSelection()

    def _failed(self, exc: object) -> None:
        if isinstance(exc, BaseException):
            self.filter_bar.set_count(self.model.rowCount())
            show_error(self, exc)

    def _sort_indicator_changed(self, section: int, order: Qt.SortOrder) -> None:
        if 0 <= section < len(Column) and Column(section) not in SORT_KEYS and self.model.query is not None:
            # The flags column cannot be sorted: put the indicator back where the rows are sorted.
            column = SORT_COLUMNS[self.model.query.sort]
            back = Qt.SortOrder.DescendingOrder if self.model.query.descending else Qt.SortOrder.AscendingOrder
            QTimer.singleShot(0, lambda: self.table.horizontalHeader().setSortIndicator(column, back))
            return
        self._save_timer.start()

    def _activate(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        case_id = self.model.case_id(index.row())
        if case_id is not None:
            self.sig_open_case.emit(case_id)

    # -- the row menu, and taking a case from it ---------------------------------------------------
    def _load_take_rule(self) -> None:
        if not has_permission(self._actor.role, Permission.HANDLE_CASE):
            return
        backend, actor = self._ctx.backend, self._actor

        def done(allowed: bool) -> None:
            self._may_take = allowed

        run_call(self, lambda: backend.call(actor, handlers_may_take), done, self._failed)

    def may_take(self, row: CaseRow | None) -> bool:
        """Whether the menu offers "Take this case" for ``row`` (the service decides again)."""
        return (row is not None and self._may_take and not row.owner_name and row.status in ASSIGNABLE
                and row.branch_code == self._actor.branch_code)

    def _row_menu(self, index: QModelIndex) -> None:
        """The row's menu, shown at the row (non-blocking: ``row_menu`` while it is open)."""
        if not index.isValid():
            return
        case_id = self.model.case_id(index.row())
        if case_id is None:
            return
        self.table.setCurrentIndex(index)
        row = self.model.row_at(index.row())
        menu = QMenu(self.table)
        menu.setObjectName("caseRowMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(_("&Open"), lambda: self.sig_open_case.emit(case_id))
        take = menu.addAction(_("&Take this case"), lambda: self.take_case(case_id))
        take.setObjectName("takeCaseAction")
        take.setVisible(self.may_take(row))
        self.row_menu = menu
        menu.destroyed.connect(lambda *_a: setattr(self, "row_menu", None))
        rect = self.table.visualRect(index)
        menu.popup(self.table.viewport().mapToGlobal(rect.bottomLeft()))

    def take_case(self, case_id: uuid.UUID) -> None:
        """Take the case (no confirmation); the list is read again to show the new handler."""
        from desk_app.services.case_workflow import take_case  # loads with the first case opened or taken

        backend, actor = self._ctx.backend, self._actor

        def done(_detail: object) -> None:
            self.model.refresh(self.today())

        run_call(self, lambda: backend.call(actor, take_case, case_id), done, self._failed)

    def _focus_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _load_branches(self) -> None:
        if not sees_all_branches(self._actor):
            return
        backend, actor = self._ctx.backend, self._actor

        def done(result: list[BranchChoice]) -> None:
            self.branch_choices = result
            self.filter_bar.set_branches(result)

        run_call(self, lambda: backend.call(actor, branches), done, self._failed)

    def _set_default_widths(self) -> None:
        """Widths that fit typical content in the current language (until the user resizes a column)."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        samples: dict[Column, list[str]] = {column: [sample, _(HEADERS[column])]
                                            for column, sample in WIDTH_SAMPLES.items()}
        samples[Column.STATUS] += [status.label for status in Status]
        samples[Column.SEVERITY] += [severity.label for severity in Severity]
        samples[Column.DUE].append("2026-11-30  " + ngettext("Overdue by {n} day", "Overdue by {n} days", 12).format(
            n=12))
        for column, texts in samples.items():
            extra = 40 if column in (Column.DUE, Column.FLAGS) else 16  # room for the icon
            self._natural_widths[column] = max(metrics.horizontalAdvance(text) for text in texts) + extra
            header.resizeSection(column, self._natural_widths[column])

    def _use_spare_width(self) -> None:
        """Give room the due-date column does not need to the business and cause names."""
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        due_needs = self._natural_widths[Column.DUE]  # its section stretches, so its size says nothing
        used = sum(header.sectionSize(c) for c in Column if c is not Column.DUE)
        room = self.table.maximumViewportSize().width() - self.table.verticalScrollBar().sizeHint().width() - 4
        spare = room - used - due_needs  # as if the vertical scroll bar were shown: it will be, with rows
        for column, sample in ROOMY_SAMPLES.items():
            wish = metrics.horizontalAdvance(sample) + 16 - header.sectionSize(column)
            if spare <= 0:
                break
            if wish > 0:
                header.resizeSection(column, header.sectionSize(column) + min(wish, spare))
                spare -= min(wish, spare)

    def _restore_header(self) -> bool:
        """Column widths, order and sort from the last session; False when there were none."""
        state = load_state(StateKey.CASE_LIST_HEADER)
        header = self.table.horizontalHeader()
        if state is None or not header.restoreState(state):
            return False
        section = header.sortIndicatorSection()
        if header.count() != len(Column) or not 0 <= section < len(Column) or Column(section) not in SORT_KEYS:
            header.setSortIndicator(Column.RECEIVED, Qt.SortOrder.DescendingOrder)
        return True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._widths_settled:
            self._widths_settled = True  # only once, and never over the user's own widths
            QTimer.singleShot(0, self._use_spare_width)

    def hideEvent(self, event: QHideEvent) -> None:
        if self._save_timer.isActive():
            self.save_header()
        super().hideEvent(event)
