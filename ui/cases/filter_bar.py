"""The case list's search box and filters; ``current_filter()`` turns them into a ``CaseFilter``.

Typing in the search box is debounced (``SEARCH_DELAY_MS``); Enter searches at once. Every other
control applies immediately. Conditions that have no control here (a cause code, "awaiting
callback") can arrive with ``set_filter`` from the overview or the dashboard; they stay in force,
named in a label, until the user resets the filters.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QEvent, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.enums import Severity, SpecialFlag, Status
from desk_app.i18n import _, ngettext
from desk_app.services.case_list import DUE_SOON_DAYS, BranchChoice, CaseFilter
from ui import icons

SEARCH_DELAY_MS = 350
#: Lifecycle order of the status choices.
STATUS_ORDER = (Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESPONDED,
                Status.AWAITING_CALLBACK, Status.UNDER_REVIEW, Status.CLOSED, Status.REFUSED,
                Status.WITHDRAWN, Status.MERGED)
_ANY_FLAG = "any"


class _StayOpenMenu(QMenu):
    """A menu of check boxes that stays open while the user ticks several of them."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action = self.actionAt(event.position().toPoint())
        if action is not None and action.isCheckable() and action.isEnabled():
            action.trigger()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self.activeAction()
        if event.key() == Qt.Key.Key_Space and action is not None and action.isCheckable():
            action.trigger()
            event.accept()
            return
        super().keyPressEvent(event)


class MultiChoiceButton(QPushButton):
    """A drop-down button with check boxes; its text says what is chosen ("Status: all")."""

    sig_changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._menu = _StayOpenMenu(self)
        self.setMenu(self._menu)
        self._actions: dict[Hashable, QAction] = {}
        self._caption = ""

    def set_choices(self, choices: Iterable[tuple[Hashable, str]]) -> None:
        """Replace the choices (value, label), keeping the ticks of values that remain."""
        chosen = self.selected()
        self._menu.clear()
        self._actions.clear()
        for value, label in choices:
            action = QAction(label, self, checkable=True)
            action.setChecked(value in chosen)
            action.toggled.connect(self._toggled)
            self._menu.addAction(action)
            self._actions[value] = action
        self._update_text()

    def relabel(self, labels: dict[Hashable, str]) -> None:
        for value, action in self._actions.items():
            if value in labels:
                action.setText(labels[value])
        self._update_text()

    def set_caption(self, caption: str) -> None:
        self._caption = caption
        self.setAccessibleName(caption)
        self._update_text()

    def selected(self) -> frozenset[Hashable]:
        return frozenset(value for value, action in self._actions.items() if action.isChecked())

    def set_selected(self, values: Iterable[Hashable]) -> None:
        wanted = set(values)
        for value, action in self._actions.items():
            with QSignalBlocker(action):
                action.setChecked(value in wanted)
        self._update_text()

    def action(self, value: Hashable) -> QAction:
        return self._actions[value]

    def _toggled(self, _checked: bool) -> None:
        self._update_text()
        self.sig_changed.emit()

    def _update_text(self) -> None:
        labels = [action.text().replace("&", "") for action in self._actions.values() if action.isChecked()]
        if not labels:
            text = _("{name}: all").format(name=self._caption)
        elif len(labels) == 1:
            text = _("{name}: {value}").format(name=self._caption, value=labels[0])
        else:
            text = _("{name}: {n} chosen").format(name=self._caption, n=len(labels))
        self.setText(text)
        self.setToolTip(", ".join(labels) if labels else "")
        self.setAccessibleDescription(text)


class FilterBar(QWidget):
    """Search box, filter controls and the result count of the case list."""

    #: The filter changed (the search text after the debounce delay).
    sig_changed = Signal()
    #: Down arrow or Enter in the search box: the table may take the focus.
    sig_leave_search = Signal()

    def __init__(self, office_tz: str, *, show_branches: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseFilterBar")
        self._office_tz = office_tz
        self._extra = CaseFilter(office_tz=office_tz)  # conditions with no control of their own

        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("caseSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.installEventFilter(self)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.sig_changed)
        self.search_edit.textEdited.connect(lambda _text: self._debounce.start())
        self.search_edit.returnPressed.connect(self._search_now)
        self.search_label = QLabel(self)
        self.search_label.setBuddy(self.search_edit)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("caseCount")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.mine_check = QCheckBox(self)
        self.mine_check.setObjectName("mineFilter")
        self.status_button = MultiChoiceButton("statusFilter", self)
        self.status_button.set_choices((status, status.label) for status in STATUS_ORDER)
        self.severity_button = MultiChoiceButton("severityFilter", self)
        self.severity_button.set_choices((severity, severity.label) for severity in Severity)
        self.branch_button = MultiChoiceButton("branchFilter", self)
        self.branch_button.setVisible(show_branches)
        self.flags_button = MultiChoiceButton("flagsFilter", self)
        self.flags_button.set_choices([(_ANY_FLAG, _("Any special flag")),
                                       *((flag, flag.label) for flag in SpecialFlag)])
        self.overdue_check = QCheckBox(self)
        self.overdue_check.setObjectName("overdueFilter")
        self.overdue_check.setIcon(icons.icon(icons.OVERDUE))
        self.due_soon_check = QCheckBox(self)
        self.due_soon_check.setObjectName("dueSoonFilter")
        self.due_soon_check.setIcon(icons.icon(icons.DUE_SOON))
        self.date_check = QCheckBox(self)
        self.date_check.setObjectName("dateFilter")
        now = datetime.now(ZoneInfo(office_tz))
        today = QDate(now.year, now.month, now.day)  # the office's day, not the computer's
        self.from_edit = self._date_edit("receivedFrom", today.addMonths(-1))
        self.to_edit = self._date_edit("receivedTo", today)
        self.dash_label = QLabel("–", self)
        self.extra_label = QLabel(self)
        self.extra_label.setObjectName("extraConditions")
        self.extra_label.hide()
        self.reset_button = QPushButton(self)
        self.reset_button.setObjectName("resetFilters")
        self.reset_button.clicked.connect(self.reset)

        for check in (self.mine_check, self.overdue_check, self.due_soon_check, self.date_check):
            check.toggled.connect(self._changed)
        for button in (self.status_button, self.severity_button, self.branch_button, self.flags_button):
            button.sig_changed.connect(self._changed)
        self.date_check.toggled.connect(self._enable_dates)
        for edit in (self.from_edit, self.to_edit):
            edit.dateChanged.connect(self._date_changed)
        self._enable_dates(False)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search_label)
        top.addWidget(self.search_edit, 1)
        top.addSpacing(12)
        top.addWidget(self.count_label)
        # Two rows of filters (what the case is; when it is due): one row would not fit a 1366 px
        # screen at 150 % scaling.
        filters, dates = QHBoxLayout(), QHBoxLayout()
        for row, widgets in ((filters, (self.mine_check, self.status_button, self.severity_button,
                                        self.branch_button, self.flags_button)),
                             (dates, (self.overdue_check, self.due_soon_check, self.date_check, self.from_edit,
                                      self.dash_label, self.to_edit))):
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(8)
            for widget in widgets:
                row.addWidget(widget)
            row.addStretch(1)
        dates.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addLayout(dates)
        layout.addWidget(self.extra_label)
        self.setTabOrder(self.search_edit, self.mine_check)
        self.retranslate_ui()

    def _date_edit(self, name: str, value: QDate) -> QDateEdit:
        edit = QDateEdit(value, self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    # -- texts -----------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.search_label.setText(_("&Search:"))
        self.search_edit.setPlaceholderText(_("Case number, customer name, phone or complaint text (Ctrl+F)"))
        self.search_edit.setAccessibleName(_("Search cases"))
        self.search_edit.setToolTip(_("Searches the complaint text (summary, facts, request), case numbers, customer "
                                      "names and phones. One or two characters find the words in the text and "
                                      "the numbers and names that start with them; three or more find any part."))
        self.mine_check.setText(_("&My cases"))
        self.status_button.set_caption(_("Status"))
        self.status_button.relabel({status: status.label for status in STATUS_ORDER})
        self.severity_button.set_caption(_("Severity"))
        self.severity_button.relabel({severity: severity.label for severity in Severity})
        self.branch_button.set_caption(_("Branch"))
        self.flags_button.set_caption(_("Special flags"))
        self.flags_button.relabel({_ANY_FLAG: _("Any special flag"), **{flag: flag.label for flag in SpecialFlag}})
        self.overdue_check.setText(_("&Overdue"))
        self.due_soon_check.setText(_("Due &within {n} days").format(n=DUE_SOON_DAYS))
        self.date_check.setText(_("&Received"))
        self.date_check.setAccessibleName(_("Filter by date received"))
        self.from_edit.setAccessibleName(_("Received from"))
        self.to_edit.setAccessibleName(_("Received until"))
        self.reset_button.setText(_("Clear filt&ers"))
        self.count_label.setAccessibleName(_("Number of cases found"))
        self._update_extra_label()

    def set_count(self, count: int | None) -> None:
        """Show the number of cases found (None while a query runs)."""
        if count is None:
            self.count_label.setText(_("Searching…"))
        else:
            self.count_label.setText(ngettext("{n} case", "{n} cases", count).format(n=f"{count:,}"))

    def set_branches(self, branches: list[BranchChoice]) -> None:
        self.branch_button.set_choices((b.id, f"{b.code} {b.name}") for b in branches)

    # -- the filter --------------------------------------------------------------------------------
    def current_filter(self) -> CaseFilter:
        flags = self.flags_button.selected()
        return replace(
            self._extra,
            mine=self.mine_check.isChecked(),
            statuses=frozenset(s for s in self.status_button.selected() if isinstance(s, Status)),
            severities=frozenset(s for s in self.severity_button.selected() if isinstance(s, Severity)),
            branch_ids=frozenset(b for b in self.branch_button.selected() if isinstance(b, uuid.UUID)),
            overdue=self.overdue_check.isChecked(),
            due_soon=self.due_soon_check.isChecked(),
            flags=frozenset(f for f in flags if isinstance(f, SpecialFlag)),
            any_flag=_ANY_FLAG in flags,
            received_from=self._date(self.from_edit) if self.date_check.isChecked() else None,
            received_to=self._date(self.to_edit) if self.date_check.isChecked() else None,
            text=self.search_edit.text().strip(),
            office_tz=self._office_tz,
        )

    def set_filter(self, flt: CaseFilter) -> None:
        """Show ``flt`` in the controls (without emitting ``sig_changed``)."""
        self._debounce.stop()
        blockers = [QSignalBlocker(w) for w in (self.search_edit, self.mine_check, self.overdue_check,
                                                 self.due_soon_check, self.date_check, self.from_edit,
                                                 self.to_edit)]
        self.search_edit.setText(flt.text)
        self.mine_check.setChecked(flt.mine)
        self.status_button.set_selected(flt.statuses)
        self.severity_button.set_selected(flt.severities)
        self.branch_button.set_selected(flt.branch_ids)
        self.flags_button.set_selected({*flt.flags, *((_ANY_FLAG,) if flt.any_flag else ())})
        self.overdue_check.setChecked(flt.overdue)
        self.due_soon_check.setChecked(flt.due_soon)
        has_dates = flt.received_from is not None or flt.received_to is not None
        self.date_check.setChecked(has_dates)
        if flt.received_from is not None:
            self.from_edit.setDate(QDate(flt.received_from.year, flt.received_from.month, flt.received_from.day))
        if flt.received_to is not None:
            self.to_edit.setDate(QDate(flt.received_to.year, flt.received_to.month, flt.received_to.day))
        del blockers
        self._enable_dates(has_dates)
        self._extra = CaseFilter(axis_c=flt.axis_c, awaiting_callback=flt.awaiting_callback,
                                 office_tz=self._office_tz)
        self._update_extra_label()

    def reset(self) -> None:
        self.set_filter(CaseFilter(office_tz=self._office_tz))
        self.sig_changed.emit()

    def pending_search(self) -> bool:
        """True while typed text waits for the debounce delay."""
        return self._debounce.isActive()

    # -- internals -------------------------------------------------------------------------------
    @staticmethod
    def _date(edit: QDateEdit) -> date:
        value = edit.date()
        return date(value.year(), value.month(), value.day())

    def _changed(self) -> None:
        self._debounce.stop()
        self.sig_changed.emit()

    def _search_now(self) -> None:
        if self._debounce.isActive():
            self._changed()
        self.sig_leave_search.emit()

    def _date_changed(self) -> None:
        if self.date_check.isChecked():
            self._changed()

    def _enable_dates(self, enabled: bool) -> None:
        for widget in (self.from_edit, self.to_edit, self.dash_label):
            widget.setEnabled(enabled)

    def _update_extra_label(self) -> None:
        parts = []
        if self._extra.awaiting_callback:
            parts.append(Status.AWAITING_CALLBACK.label)
        if self._extra.axis_c:
            parts.append(_("cause {code}").format(code=self._extra.axis_c))
        self.extra_label.setText(_("Also limited to: {conditions}").format(conditions=", ".join(parts)))
        self.extra_label.setVisible(bool(parts))

    def eventFilter(self, watched: object, event: QEvent) -> bool:
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down:
                self.sig_leave_search.emit()
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

