"""The grumble log (抱怨登记): dissatisfaction settled on the spot, recorded by keyboard in seconds.

The focus starts on the business code; a code typed and Enter takes it and moves on (as in the intake form),
the cause likewise, then what was done; "settled on the spot" is ticked already. Ctrl+S records and clears
the form for the next customer; Ctrl+T turns the grumble (the one typed, recorded first, or the one just
recorded) into a complaint: ``sig_turn`` carries its GrumbleInfo and the dialog closes.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel
from desk_app.errors import UserError, ValidationError
from desk_app.i18n import _
from desk_app.reports.prevention_figures import OpportunityKind
from desk_app.services.grumbles import GrumbleDraft, GrumbleInfo, record_grumble
from desk_app.services.opportunities import OpportunityDraft, add_opportunity
from desk_app.services.reference import CodeInfo, list_taxonomy
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.intake.code_picker import CodePicker
from ui.intake.combos import EnumCombo
from ui.intake.widgets import EnterAdvances, plain
from ui.tasks import run_call


class _PickerEnter(QObject):
    """Enter in a code picker: the picker takes the code (its list's row, or the exact code typed), then the
    focus moves on once a code is held."""

    def __init__(self, picker: CodePicker, following: QWidget) -> None:
        super().__init__(picker)
        self.picker, self.following = picker, following
        self.armed = False
        picker.sig_changed.connect(self._changed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.armed = True
            QTimer.singleShot(50, self._resolve)  # no list row was taken: the text itself may name the code
        return False

    def _changed(self) -> None:
        if self.armed and self.picker.code() is not None:
            QTimer.singleShot(0, self._move)

    def _resolve(self) -> None:
        if self.armed and self.picker.code() is None:
            self.picker.resolve()
        self._changed()

    def _move(self) -> None:
        if self.armed:
            self.armed = False
            self.following.setFocus(Qt.FocusReason.TabFocusReason)


class GrumbleDialog(Retranslating, QDialog):
    """``sig_turn`` carries the GrumbleInfo to carry into the intake form; ``sig_recorded`` each one recorded."""

    sig_turn = Signal(object)
    sig_recorded = Signal(object)

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("grumbleDialog")
        self.ctx, self.actor = ctx, actor
        self.last: GrumbleInfo | None = None
        self.busy = False
        self.ready = False
        self.business = CodePicker("B", self)
        self.cause = CodePicker("C", self)
        self.action_taken = self._line("grumbleAction", 2000)
        self.settled = QCheckBox(self)
        self.settled.setObjectName("grumbleSettled")
        self.settled.setChecked(True)
        self.channel = EnumCombo(list(Channel), "grumbleChannel", self)
        self.remark = self._line("grumbleRemark", 2000)
        self.customer_name = self._line("grumbleCustomerName", 100)
        self.customer_phone = self._line("grumblePhone", 40)
        self.opportunity_kind = QComboBox(self)
        self.opportunity_kind.setObjectName("grumbleOpportunityKind")
        self.opportunity_text = self._line("grumbleOpportunity", 2000)
        self.error = InlineError(self)
        self.status = QLabel(self)
        self.status.setObjectName("grumbleStatus")
        self.status.setWordWrap(True)
        self.record_button = QPushButton(self)
        self.record_button.setObjectName("recordGrumble")
        self.record_button.setAutoDefault(False)
        self.record_button.clicked.connect(lambda: self.record())
        self.turn_button = QPushButton(self)
        self.turn_button.setObjectName("turnGrumble")
        self.turn_button.setAutoDefault(False)
        self.turn_button.clicked.connect(self.turn)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        self.buttons.addButton(self.turn_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.record_button, QDialogButtonBox.ButtonRole.ActionRole)

        self.form = form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        for name, row in (("business", self.business), ("cause", self.cause), ("action", self.action_taken),
                             ("settled", self.settled), ("channel", self.channel), ("remark", self.remark)):
            self._row(name, row)
        customer = QHBoxLayout()
        customer.addWidget(self.customer_name, 1)
        self.phone_label = QLabel(self)
        self.phone_label.setBuddy(self.customer_phone)
        customer.addWidget(self.phone_label)
        customer.addWidget(self.customer_phone, 1)
        self._row("customer", customer, self.customer_name)
        opportunity = QHBoxLayout()
        opportunity.addWidget(self.opportunity_kind)
        opportunity.addWidget(self.opportunity_text, 1)
        self._row("opportunity", opportunity, self.opportunity_kind)
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        chain: list[QWidget] = [self.business, self.cause, self.action_taken, self.settled, self.channel,
                                self.remark, self.customer_name, self.customer_phone, self.opportunity_kind,
                                self.opportunity_text]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self._enter = EnterAdvances(self)
        entering: list[QWidget] = [self.action_taken, self.remark, self.customer_name, self.customer_phone,
                                   self.opportunity_text, self.channel, self.opportunity_kind, self.settled]
        for one in entering:
            one.installEventFilter(self._enter)
        for picker, following in ((self.business, self.cause), (self.cause, self.action_taken)):
            picker.edit.installEventFilter(_PickerEnter(picker, following))
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, lambda: self.record())
        QShortcut(QKeySequence("Ctrl+T"), self, self.turn)
        self.setMinimumWidth(560)
        self.retranslate_ui()
        self.business.setFocus()
        self._load_codes()

    def _line(self, name: str, length: int) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setMaxLength(length)
        return edit

    def _row(self, name: str, field: QWidget | QHBoxLayout, buddy: QWidget | None = None) -> None:
        label = QLabel(self)
        label.setBuddy(buddy or field)  # type: ignore[arg-type]  # a layout row names its first widget
        self.labels[name] = label
        self.form.addRow(label, field)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Record a grumble (抱怨登记)"))
        self.title.setText(_("Dissatisfaction settled on the spot: no case number, no time limit. Ctrl+S records, "
                             "Ctrl+T turns it into a complaint."))
        for name, text in (("business", _("&Business:")), ("cause", _("Ca&use:")), ("action", _("&What was done:")),
                           ("channel", _("Cha&nnel:")), ("remark", _("What the customer sa&id:")),
                           ("customer", _("Customer (optiona&l):")), ("opportunity", _("Opportunit&y:"))):
            self.labels[name].setText(text)
        self.labels["settled"].setText("")
        self.settled.setText(_("&Settled on the spot"))
        self.phone_label.setText(_("&Phone:"))
        self.customer_name.setPlaceholderText(_("Name"))
        self.customer_name.setAccessibleName(_("Customer's name"))
        self.customer_phone.setAccessibleName(_("Customer's phone"))
        self.action_taken.setPlaceholderText(_("e.g. explained the fee rule and waived it"))
        self.opportunity_text.setPlaceholderText(_("A suggestion or business opportunity heard (optional)"))
        self.opportunity_text.setAccessibleName(_("Suggestion or opportunity"))
        current = self.opportunity_kind.currentData()
        self.opportunity_kind.clear()
        self.opportunity_kind.addItem(_("(none)"), None)
        for kind in OpportunityKind:
            self.opportunity_kind.addItem(kind.label, kind.value)
        self.opportunity_kind.setCurrentIndex(max(self.opportunity_kind.findData(current), 0))
        self.channel.retranslate()
        self.record_button.setText(_("Record (Ctrl+S)"))
        self.record_button.setAccessibleName(_("Record the grumble"))
        self.turn_button.setText(_("Turn into a complaint (Ctrl+T)"))
        self.turn_button.setAccessibleName(_("Turn the grumble into a complaint"))
        for name, label in self.labels.items():
            if name != "settled":
                buddy = label.buddy()
                if buddy is not None and not buddy.accessibleName():
                    buddy.setAccessibleName(plain(label.text()))

    # -- data ----------------------------------------------------------------------------------------
    def _load_codes(self) -> None:
        backend = self.ctx.backend

        def work() -> tuple[list[CodeInfo], list[CodeInfo]]:
            return backend.read(list_taxonomy, "B"), backend.read(list_taxonomy, "C")

        run_call(self, work, self._codes_loaded, lambda exc: show_error(self, exc))

    def _codes_loaded(self, codes: tuple[list[CodeInfo], list[CodeInfo]]) -> None:
        self.business.set_codes(codes[0])
        self.cause.set_codes(codes[1])
        self.ready = True

    def is_blank(self) -> bool:
        return not any((self.business.text().strip(), self.cause.text().strip(), self.action_taken.text().strip(),
                        self.remark.text().strip(), self.customer_name.text().strip(),
                        self.customer_phone.text().strip(), self.opportunity_text.text().strip()))

    def draft(self) -> GrumbleDraft:
        """The grumble typed; a ValidationError names a code that is not one yet."""
        for picker, field, message in ((self.business, "axis_b", _("Choose the business (type a code or a name).")),
                                       (self.cause, "axis_c", _("Choose the cause (type a code or a name)."))):
            if picker.code() is None:
                picker.resolve()
            if picker.code() is None:
                raise ValidationError(message, field)
        return GrumbleDraft(channel=self.channel.value(), axis_b=self.business.code() or "",
                            axis_c=self.cause.code() or "", action_taken=self.action_taken.text(),
                            settled=self.settled.isChecked(), remark=self.remark.text(),
                            customer_name=self.customer_name.text(), customer_phone=self.customer_phone.text())

    def _opportunity(self) -> tuple[OpportunityKind, str] | None:
        kind, text = self.opportunity_kind.currentData(), self.opportunity_text.text().strip()
        if not text:
            return None
        return OpportunityKind(kind or OpportunityKind.SUGGESTION.value), text

    # -- recording and turning -----------------------------------------------------------------------
    def record(self, then_turn: bool = False) -> None:
        if self.busy:
            return
        try:
            draft = self.draft()
        except ValidationError as exc:
            self._show_problem(exc)
            return
        opportunity = self._opportunity()
        backend, actor = self.ctx.backend, self.actor

        def work() -> GrumbleInfo:
            info = backend.call(actor, record_grumble, draft)
            if opportunity is not None:
                backend.call(actor, add_opportunity, OpportunityDraft(opportunity[0], opportunity[1],
                                                                      grumble_id=info.id))
            return info

        self.busy = True
        self.error.clear()
        run_call(self, work, lambda info: self._recorded(info, then_turn), self._failed)

    def _recorded(self, info: GrumbleInfo, then_turn: bool) -> None:
        self.busy = False
        self.last = info
        self.sig_recorded.emit(info)
        if then_turn:
            self._turn(info)
            return
        local = info.recorded_at.astimezone(self.ctx.office_tz).strftime("%H:%M")
        self.status.setText(_("Recorded at {time}: {cause}, {settled}. Ctrl+T turns it into a complaint.").format(
            time=local, cause=f"{info.axis_c} {info.cause_name}",
            settled=_("settled on the spot") if info.settled else _("not settled")))
        for edit in (self.action_taken, self.remark, self.customer_name, self.customer_phone, self.opportunity_text):
            edit.clear()
        self.business.set_code(None)
        self.cause.set_code(None)
        self.settled.setChecked(True)
        self.opportunity_kind.setCurrentIndex(0)
        self.business.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if isinstance(exc, ValidationError):
            self._show_problem(exc)
        elif isinstance(exc, UserError):
            self.error.show_message(str(exc))
        else:
            show_error(self, exc)

    def _show_problem(self, exc: ValidationError) -> None:
        self.error.show_message(str(exc))
        target = {"axis_b": self.business, "axis_c": self.cause, "action_taken": self.action_taken,
                  "phone": self.customer_phone, "customer_name": self.customer_name,
                  "remark": self.remark}.get(exc.field or "")
        if target is not None:
            target.setFocus()

    def turn(self) -> None:
        """Ctrl+T: what is typed is recorded first; else the grumble just recorded is turned."""
        if not self.is_blank():
            self.record(then_turn=True)
        elif self.last is not None:
            self._turn(self.last)
        else:
            self.error.show_message(_("Type the grumble first (business, cause, what was done)."))

    def _turn(self, info: GrumbleInfo) -> None:
        self.accept()
        self.sig_turn.emit(info)
