"""Past grumbles (Ctrl+Shift+G): the grumbles of the user's branch (every branch at headquarters, customers masked
as ``grumbles.list_grumbles`` masks them), filtered by the days recorded, cause, settled or not, turned into a
complaint or not, and text. Enter on a row opens it (``GrumbleView``), which offers "Turn into a complaint"
while it has not become one; ``sig_turn`` then carries it to the intake form."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.i18n import _
from desk_app.services.grumbles import MAX_LIST, GrumbleInfo, list_grumbles
from desk_app.services.reference import CodeInfo, label_for, list_taxonomy
from ui.context import AppContext
from ui.errors import show_error
from ui.grumbles.grumble_view import GrumbleView
from ui.i18n import Retranslating
from ui.screen_fit import resize_within_screen
from ui.tables import fill_texts, readonly_table
from ui.tasks import run_call

#: The days shown when the list opens.
DEFAULT_DAYS = 30


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class GrumbleListDialog(Retranslating, QDialog):
    """``sig_turn`` carries a grumble opened from the list and turned into a complaint."""

    sig_turn = Signal(object)

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("grumbleListDialog")
        self.ctx, self.actor = ctx, actor
        self.rows: list[GrumbleInfo] = []
        self.causes: list[CodeInfo] = []
        self.loading = False
        self.view: GrumbleView | None = None
        today = datetime.now(ctx.office_tz).date()
        self.date_from = QDateEdit(_qdate(today - timedelta(days=DEFAULT_DAYS - 1)), self)
        self.date_to = QDateEdit(_qdate(today), self)
        for edit, name in ((self.date_from, "grumblesFrom"), (self.date_to, "grumblesTo")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.cause = QComboBox(self)
        self.cause.setObjectName("grumblesCause")
        self.settled = QComboBox(self)
        self.settled.setObjectName("grumblesSettled")
        self.turned = QComboBox(self)
        self.turned.setObjectName("grumblesTurned")
        self.text = QLineEdit(self)
        self.text.setObjectName("grumblesText")
        self.text.setMaxLength(100)
        self.search_button = QPushButton(self)
        self.search_button.setObjectName("searchGrumbles")
        self.search_button.setDefault(True)  # Enter in a filter searches
        self.search_button.clicked.connect(self.refresh)
        self.labels = {name: QLabel(self) for name in ("from", "to", "cause", "settled", "turned", "text")}
        grid = QGridLayout()
        for column, (name, field) in enumerate((("from", self.date_from), ("to", self.date_to),
                                                ("cause", self.cause))):
            self.labels[name].setBuddy(field)
            grid.addWidget(self.labels[name], 0, 2 * column)
            grid.addWidget(field, 0, 2 * column + 1)
        for column, (name, field) in enumerate((("settled", self.settled), ("turned", self.turned),
                                                ("text", self.text))):
            self.labels[name].setBuddy(field)
            grid.addWidget(self.labels[name], 1, 2 * column)
            grid.addWidget(field, 1, 2 * column + 1)
        grid.addWidget(self.search_button, 1, 6)
        grid.setColumnStretch(5, 1)
        self.status = QLabel(self)
        self.status.setObjectName("grumblesStatus")
        self.table = readonly_table(QTableWidget(0, 7, self))
        self.table.setObjectName("grumbleTable")
        self.table.doubleClicked.connect(self._open_row)
        self.table.installEventFilter(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setAutoDefault(False)
        self.buttons.rejected.connect(self.reject)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("openGrumble")
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(lambda: self._open_row(self.table.currentIndex()))
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        QWidget.setTabOrder(self.date_from, self.date_to)
        for first, second in ((self.date_to, self.cause), (self.cause, self.settled), (self.settled, self.turned),
                              (self.turned, self.text), (self.text, self.search_button),
                              (self.search_button, self.table)):
            QWidget.setTabOrder(first, second)
        resize_within_screen(self, 980, 600)
        self.retranslate_ui()
        self.date_from.setFocus()
        self._load_causes()
        self.refresh()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Past grumbles (抱怨登记)"))
        for name, text in (("from", _("Fro&m:")), ("to", _("&To:")), ("cause", _("Ca&use:")),
                           ("settled", _("&Settled:")), ("turned", _("Turned into a com&plaint:")),
                           ("text", _("Te&xt:"))):
            self.labels[name].setText(text)
        for combo, texts in ((self.settled, (_("Any"), _("Settled on the spot"), _("Not settled"))),
                             (self.turned, (_("Any"), _("Turned into a complaint"), _("Not turned")))):
            index = max(combo.currentIndex(), 0)
            combo.blockSignals(True)
            combo.clear()
            for text, value in zip(texts, (None, True, False), strict=True):
                combo.addItem(text, value)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
        self._fill_causes()
        self.text.setPlaceholderText(_("What the customer said, what was done, the customer"))
        self.search_button.setText(_("S&earch"))
        self.open_button.setText(_("&Open (Enter)"))
        self.table.setAccessibleName(_("Grumbles, newest first"))
        self.table.setHorizontalHeaderLabels([_("Recorded"), _("Branch"), _("Cause"), _("Settled"), _("Complaint"),
                                              _("What was done"), _("Customer")])
        self._fill()

    # -- data --------------------------------------------------------------------------------------------
    def _load_causes(self) -> None:
        backend = self.ctx.backend
        run_call(self, lambda: backend.read(list_taxonomy, "C"), self._causes_loaded, lambda exc: show_error(self, exc))

    def _causes_loaded(self, codes: list[CodeInfo]) -> None:
        self.causes = [c for c in codes if c.active]
        self._fill_causes()

    def _fill_causes(self) -> None:
        current = self.cause.currentData()
        self.cause.blockSignals(True)
        self.cause.clear()
        self.cause.addItem(_("All causes"), "")
        for code in self.causes:
            self.cause.addItem(f"{code.code} {label_for(code)}", code.code)
        self.cause.setCurrentIndex(max(self.cause.findData(current), 0))
        self.cause.blockSignals(False)

    def period(self) -> tuple[datetime, datetime]:
        """The days chosen as UTC times: from the first day's local midnight to the day after the last."""
        tz = self.ctx.office_tz
        first, last = _day(self.date_from.date()), _day(self.date_to.date())
        since = datetime.combine(first, time(), tz).astimezone(UTC)
        return since, datetime.combine(last + timedelta(days=1), time(), tz).astimezone(UTC)

    def refresh(self) -> None:
        if self.loading:
            return
        since, until = self.period()
        cause, settled, turned = self.cause.currentData() or "", self.settled.currentData(), self.turned.currentData()
        text = self.text.text()
        backend, actor = self.ctx.backend, self.actor
        self.loading = True
        self.status.setText(_("Searching…"))
        run_call(self, lambda: backend.call(actor, list_grumbles, since, until, settled, MAX_LIST, cause=cause,
                                            turned=turned, text=text), self._loaded, self._failed)

    def _loaded(self, rows: list[GrumbleInfo]) -> None:
        self.loading = False
        self.rows = rows
        self._fill()
        if rows:
            self.table.selectRow(0)

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.status.setText("")
        show_error(self, exc)

    def _fill(self) -> None:
        tz = self.ctx.office_tz
        fill_texts(self.table, [
            (g.recorded_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), g.branch_code, f"{g.axis_c} {g.cause_name}",
             _("yes") if g.settled else _("no"), g.case_number, g.action_taken,
             " ".join(part for part in (g.customer_name, g.customer_phone) if part)) for g in self.rows])
        if not self.loading:
            self.status.setText(_("{n} grumbles (at most {max}, newest first). Enter opens one.").format(
                n=len(self.rows), max=MAX_LIST) if self.rows else _("No grumble matches."))

    # -- one grumble -------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter on a row opens it (and does not reach the dialog's Search button)."""
        if watched is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open_row(self.table.currentIndex())
            return True
        return super().eventFilter(watched, event)

    def _open_row(self, index: QModelIndex) -> None:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return
        view = GrumbleView(self.rows[index.row()], self.actor, self.ctx.office_tz, self)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.sig_turn.connect(self._turn)
        self.view = view
        view.open()

    def _turn(self, info: GrumbleInfo) -> None:
        self.accept()
        self.sig_turn.emit(info)
