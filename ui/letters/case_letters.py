"""A case's letters, for the case page: list, new letter, reprint, correct, record delivery."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.documents.content import DeliveryMethod
from desk_app.domain.actor import Actor
from desk_app.domain.enums import LetterKind
from desk_app.i18n import _
from desk_app.services import letters
from desk_app.services.letters import IssuedLetter
from ui.context import AppContext
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.letters.actions import show_letter
from ui.letters.issue_dialog import IssueLetterDialog
from ui.tables import readonly_table
from ui.tasks import run_call


class DeliveryDialog(QDialog):
    """How and when the customer got the letter."""

    def __init__(self, letter: IssuedLetter, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deliveryDialog")
        self.method = QComboBox(self)
        for method in DeliveryMethod:
            self.method.addItem(method.label, method.value)
        self.on = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("yyyy-MM-dd")
        self.on.setMaximumDate(QDate(today.year, today.month, today.day))
        issued = letter.issued_at.date()
        self.on.setMinimumDate(QDate(issued.year, issued.month, issued.day).addDays(-1))
        form = QFormLayout()
        method_label = QLabel(_("&How"), self)
        method_label.setBuddy(self.method)
        on_label = QLabel(_("&On"), self)
        on_label.setBuddy(self.on)
        form.addRow(method_label, self.method)
        form.addRow(on_label, self.on)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Delivery of letter {number}").format(number=letter.number), self))
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setWindowTitle(_("Record delivery"))

    def chosen(self) -> tuple[DeliveryMethod, date]:
        day = self.on.date()
        return DeliveryMethod(self.method.currentData()), date(day.year(), day.month(), day.day())


class CaseLettersWidget(Retranslating, QWidget):
    """Embed in the case page; emits ``changed`` after a letter is issued, corrected or delivered."""

    changed = Signal()
    COLUMNS = 6

    def __init__(self, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseLetters")
        self.ctx = ctx
        self.actor = actor
        self.complaint_id = complaint_id
        self.rows: list[IssuedLetter] = []
        self.kinds: list[LetterKind] = []
        self.loaded = False

        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setObjectName("lettersTable")
        readonly_table(self.table)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.new_menu = QMenu(self)
        self.new_button = QToolButton(self)
        self.new_button.setObjectName("newLetterButton")
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.new_button.setMenu(self.new_menu)
        self.open_button = QPushButton(self)
        self.open_button.clicked.connect(self.open_selected)
        self.correct_button = QPushButton(self)
        self.correct_button.clicked.connect(self.correct_selected)
        self.deliver_button = QPushButton(self)
        self.deliver_button.clicked.connect(self.deliver_selected)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.open_button, self.correct_button, self.deliver_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.retranslate_ui()
        self.refresh()

    def retranslate_ui(self) -> None:
        self.table.setHorizontalHeaderLabels([_("Number"), _("Letter"), _("Issued"), _("By"), _("Delivered"),
                                              _("Status")])
        self.table.setAccessibleName(_("Letters of this case"))
        self.new_button.setText(_("Ne&w letter"))
        self.open_button.setText(_("&Open / reprint"))
        self.correct_button.setText(_("&Correct…"))
        self.deliver_button.setText(_("Record &delivery…"))
        self._fill()

    def refresh(self) -> None:
        ctx, actor, complaint_id = self.ctx, self.actor, self.complaint_id

        def work() -> tuple[list[IssuedLetter], list[LetterKind]]:
            return (ctx.backend.call(actor, letters.list_letters, complaint_id),
                    ctx.backend.call(actor, letters.available_kinds, complaint_id))

        def done(result: tuple[list[IssuedLetter], list[LetterKind]]) -> None:
            self.rows, self.kinds = result
            self.loaded = True
            self._fill()

        def failed(exc: BaseException) -> None:
            self.loaded = True
            show_error(self, exc)

        run_call(self, work, done, failed)

    def _fill(self) -> None:
        numbers = {row.id: row.number for row in self.rows}
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            local = row.issued_at.astimezone(self.ctx.office_tz)
            delivered = f"{row.delivery_method.label} {row.delivered_on.isoformat()}" \
                if row.delivery_method and row.delivered_on else ""
            status = _("Current") if row.current else _("Replaced by {number}").format(
                number=numbers.get(row.superseded_by_id or uuid.UUID(int=0), "?"))
            if row.version_no > 1:
                status += " · " + _("correction of an earlier letter: {reason}").format(reason=row.correction_reason)
            for c, text in enumerate((row.number, row.kind.label, local.strftime("%Y-%m-%d %H:%M"), row.issued_by,
                                      delivered, status)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.new_menu.clear()
        for kind in self.kinds:
            action = QAction(kind.label, self.new_menu)
            action.triggered.connect(lambda _checked=False, k=kind: self.new_letter(k))
            self.new_menu.addAction(action)
        self.new_button.setEnabled(bool(self.kinds))
        self._update_buttons()

    def selected(self) -> IssuedLetter | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.rows[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        letter = self.selected()
        self.open_button.setEnabled(letter is not None)
        self.correct_button.setEnabled(letter is not None and letter.current)
        self.deliver_button.setEnabled(letter is not None and letter.current)

    def _done(self) -> None:
        self.changed.emit()
        self.refresh()

    def new_letter(self, kind: LetterKind) -> IssueLetterDialog:
        dialog = IssueLetterDialog(self.ctx, self.actor, self.complaint_id, kind, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._done)
        dialog.open()
        return dialog

    def open_selected(self) -> None:
        letter = self.selected()
        if letter is not None:
            show_letter(self, self.ctx, self.actor, letter.id)

    def correct_selected(self) -> IssueLetterDialog | None:
        letter = self.selected()
        if letter is None:
            return None
        dialog = IssueLetterDialog(self.ctx, self.actor, self.complaint_id, letter.kind, self, correcting=letter)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._done)
        dialog.open()
        return dialog

    def deliver_selected(self) -> None:
        letter = self.selected()
        if letter is None:
            return
        dialog = DeliveryDialog(letter, datetime.now(self.ctx.office_tz).date(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        method, on = dialog.chosen()
        ctx, actor = self.ctx, self.actor

        run_call(self, lambda: ctx.backend.call(actor, letters.record_delivery, letter.id, method, on),
                 lambda _result: self._done())
