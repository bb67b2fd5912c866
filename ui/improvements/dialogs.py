"""Dialogs of the improvement loop (issue 18.3): a new improvement action, closing one with its evidence,
reviewing a done one. Each dialog makes its one service call when OK is pressed and stays open with the
error shown inline when the call is refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.services import improvements
from desk_app.services.improvements import ActionDraft, ActionInfo
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.tasks import run_call


def _text_edit(parent: QWidget) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setTabChangesFocus(True)
    edit.setMaximumHeight(90)
    return edit


class _CallDialog(QDialog):
    """OK runs ``call()`` in the background; success accepts, a refusal shows inline."""

    def __init__(self, ctx: AppContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result_info: ActionInfo | None = None
        self.pending = False
        self.form = QFormLayout()
        self.error = InlineError(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    @property
    def ok_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def add_row(self, text: str, field: QWidget) -> None:
        label = QLabel(text, self)
        label.setBuddy(field)
        self.form.addRow(label, field)

    def call(self) -> Callable[[], ActionInfo]:
        raise NotImplementedError

    def submit(self) -> None:
        if self.pending:
            return
        try:
            work = self.call()
        except UserError as exc:
            self.error.show_message(str(exc))
            return
        self.pending = True
        self.error.clear()

        def done(info: ActionInfo) -> None:
            self.pending = False
            self.result_info = info
            self.accept()

        def failed(exc: BaseException) -> None:
            self.pending = False
            if isinstance(exc, UserError):
                self.error.show_message(str(exc))
            else:
                show_error(self, exc)

        run_call(self, work, done, failed)


class NewActionDialog(_CallDialog):
    """A new improvement action, linked to ``case_ids`` (the case it was created from)."""

    def __init__(self, ctx: AppContext, actor: Actor, case_ids: tuple[uuid.UUID, ...], cause_code: str = "",
                 today: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("newActionDialog")
        self.setWindowTitle(_("New improvement action"))
        self.actor, self.case_ids, self.cause_code = actor, case_ids, cause_code
        self.title = QLineEdit(self)
        self.title.setMaxLength(improvements.MAX_TITLE)
        self.department = QLineEdit(self)
        self.department.setMaxLength(improvements.MAX_DEPARTMENT)
        self.has_due = QCheckBox(_("&Due by"), self)
        self.has_due.setChecked(True)
        day = today or date.today()
        self.due = QDateEdit(QDate(day.year, day.month, day.day).addDays(30), self)
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.has_due.toggled.connect(self.due.setEnabled)
        self.description = _text_edit(self)
        self.add_row(_("&Title"), self.title)
        self.add_row(_("De&partment"), self.department)
        self.form.addRow(self.has_due, self.due)
        self.add_row(_("&What is to change"), self.description)
        if case_ids:
            self.form.addRow(QLabel(_("Linked to this case; the owner is chosen on the improvement page."), self))

    def call(self) -> Callable[[], ActionInfo]:
        due = self.due.date()
        draft = ActionDraft(title=self.title.text(), description=self.description.toPlainText(),
                            department=self.department.text(), cause_code=self.cause_code,
                            due_on=date(due.year(), due.month(), due.day()) if self.has_due.isChecked() else None,
                            case_ids=self.case_ids)
        ctx, actor = self.ctx, self.actor
        return lambda: ctx.backend.call(actor, improvements.create_action, draft)


class TextDialog(_CallDialog):
    """One text for one action: the evidence that closes it, or the review of a done one."""

    def __init__(self, ctx: AppContext, actor: Actor, action: ActionInfo, *, review: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.actor, self.action, self.review = actor, action, review
        self.setObjectName("reviewActionDialog" if review else "completeActionDialog")
        self.setWindowTitle(_("Review of an improvement action") if review else _("Close with evidence"))
        self.text = _text_edit(self)
        self.form.addRow(QLabel(action.title, self))
        self.add_row(_("&Conclusion of the review") if review else _("&Evidence of completion"), self.text)

    def call(self) -> Callable[[], ActionInfo]:
        ctx, actor, action, text = self.ctx, self.actor, self.action, self.text.toPlainText()
        if self.review:
            return lambda: ctx.backend.call(actor, improvements.review_action, action.id, action.version, text)
        return lambda: ctx.backend.call(actor, improvements.complete_action, action.id, action.version, text)
