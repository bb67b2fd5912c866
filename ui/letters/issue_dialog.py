"""The form to issue (or correct) a letter: the kind's inputs, pre-filled from the case records,
Preview (a marked draft) and Issue. Missing mandatory elements are listed in the form."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk_app.documents.content import (
    INPUT_TYPES,
    DecisionInputs,
    LetterContentError,
    LetterInputs,
    ReceiptInputs,
    Remedy,
)
from desk_app.domain.actor import Actor
from desk_app.domain.enums import LetterKind
from desk_app.errors import UserError
from desk_app.i18n import N_, _
from desk_app.services import letters
from desk_app.services.letters import IssuedLetter
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.letters.preview_dialog import LetterPreviewDialog, open_preview
from ui.screen_fit import resize_within_screen
from ui.tasks import CancelledFn, ProgressFn, run_call, run_with_progress


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    hint: str = ""
    multiline: bool = True
    optional: bool = False  # left empty, the letter takes a default (the keyboard does not start there)


_FROM_BRANCH = N_("Empty: from the branch settings")
_TEXT_FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in (
    FieldSpec("received_items", N_("What was &received"),
              N_("One item per line. Empty: the registration and the case's attachments"), optional=True),
    FieldSpec("reason", N_("&Reason"), N_("Empty: the reason recorded with the extension"), optional=True),
    FieldSpec("summary", N_("Complaint su&mmary"),
              N_("What the letter says the complaint is about, written to the customer. Check it: internal "
                 "notes (mood, threats, handling remarks) never belong here")),
    FieldSpec("findings", N_("What the review &found")),
    FieldSpec("grounds", N_("&Grounds for refusing"), N_("Empty: the reason recorded with the refusal"),
              optional=True),
    FieldSpec("verification", N_("How it was &verified"), N_("Material reviewed, records and recordings checked")),
    FieldSpec("decision", N_("&Decision")),
    FieldSpec("basis", N_("&Basis"), N_("Law, contract clause or internal rule")),
    FieldSpec("reasons", N_("Rea&sons")),
    FieldSpec("corrective_action", N_("Corrective action"), N_("Measures without money, e.g. a card replaced"),
              optional=True),
    FieldSpec("superior_institution", N_("Superior institution"), _FROM_BRANCH, False, True),
    FieldSpec("superior_contact", N_("Its contact details"), _FROM_BRANCH, False, True),
    FieldSpec("mediation_body", N_("Mediation body"), N_("Empty: the standard wording"), False, True),
    FieldSpec("contact_person", N_("Contact person"), N_("Empty: the handler"), False, True),
    FieldSpec("contact_phone", N_("Contact telephone"), N_("Empty: the branch hotline"), False, True),
)}
#: The order of the form: what the letter says first, then the optional overrides of the branch settings.
_FORM_ORDER = ("summary", "received_items", "reason", "findings", "grounds", "verification", "decision", "basis",
               "reasons", "remedy", "corrective_action", "superior_institution", "superior_contact",
               "mediation_body", "contact_person", "contact_phone")
_LANGUAGES = (("", N_("The customer's language")), ("zh_CN", "中文"), ("en", "English"))


def _text_of(widget: QWidget) -> str:
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    assert isinstance(widget, QLineEdit)
    return widget.text()


def _set_text(widget: QWidget, value: str) -> None:
    if isinstance(widget, QPlainTextEdit):
        widget.setPlainText(value)
    elif isinstance(widget, QLineEdit):
        widget.setText(value)


class IssueLetterDialog(Retranslating, QDialog):
    """Issue a letter of ``kind`` for a case, or (with ``correcting``) issue a corrected version."""

    def __init__(self, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, kind: LetterKind,
                 parent: QWidget | None = None, *, correcting: IssuedLetter | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("issueLetterDialog")
        self.ctx = ctx
        self.actor = actor
        self.complaint_id = complaint_id
        self.kind = kind
        self.correcting = correcting
        self.issued: IssuedLetter | None = None
        self.issued_preview: LetterPreviewDialog | None = None
        """The issued letter's preview, once open."""
        self.prefilled = False
        self.suggested_summary = ""
        """The summary as last suggested; a language change suggests again unless the user changed it."""
        self.inputs_type = INPUT_TYPES[kind]
        names = [f.name for f in fields(self.inputs_type)]

        self.error = InlineError(self)
        form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        self.widgets: dict[str, QWidget] = {}
        self.correction_edit = QLineEdit(self)
        self.correction_label = QLabel(self)
        self.correction_label.setBuddy(self.correction_edit)
        if correcting is not None:
            form.addRow(self.correction_label, self.correction_edit)
        else:
            self.correction_edit.hide()
            self.correction_label.hide()
        self.remedy_box = QGroupBox(self)
        self.remedy_box.setCheckable(True)
        self.remedy_box.setChecked(False)
        self.remedy_description = QLineEdit(self.remedy_box)
        self.remedy_amount = QLineEdit(self.remedy_box)
        self.remedy_amount.setObjectName("remedyAmount")
        self.remedy_due = QDateEdit(self.remedy_box)
        self.remedy_due.setCalendarPopup(True)
        self.remedy_due.setDisplayFormat("yyyy-MM-dd")
        self.remedy_due.setDate(QDate.currentDate().addDays(7))
        remedy_form = QFormLayout(self.remedy_box)
        self.remedy_labels = [QLabel(self.remedy_box) for _ in range(3)]
        remedy_widgets: tuple[QWidget, ...] = (self.remedy_description, self.remedy_amount, self.remedy_due)
        for remedy_label, remedy_widget in zip(self.remedy_labels, remedy_widgets, strict=True):
            remedy_label.setBuddy(remedy_widget)
            remedy_form.addRow(remedy_label, remedy_widget)
        for name in (n for n in _FORM_ORDER if n in names):
            if name == "remedy":
                form.addRow(self.remedy_box)
                continue
            spec = _TEXT_FIELDS[name]
            widget: QWidget = QPlainTextEdit(self) if spec.multiline else QLineEdit(self)
            widget.setObjectName(f"field_{name}")
            if isinstance(widget, QPlainTextEdit):
                widget.setTabChangesFocus(True)
                widget.setFixedHeight(64)
            label = QLabel(self)
            label.setBuddy(widget)
            self.widgets[name] = widget
            self.labels[name] = label
            form.addRow(label, widget)
        if "remedy" not in names:
            self.remedy_box.hide()

        self.language = QComboBox(self)
        self.language_label = QLabel(self)
        self.language_label.setBuddy(self.language)
        form.addRow(self.language_label, self.language)
        if correcting is not None:
            self.language.setEnabled(False)  # a correction keeps the letter's language
        self.language.currentIndexChanged.connect(self._language_changed)

        body = QWidget(self)
        body.setLayout(form)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        self.preview_button = QPushButton(self)
        self.preview_button.setObjectName("previewButton")
        self.preview_button.clicked.connect(self.preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.issue_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.issue_button.setObjectName("issueButton")
        self.buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self.issue)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        resize_within_screen(self, 720, 760)
        self.retranslate_ui()
        self._prefill()

    # -- texts -------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        title = _("Correct {number}").format(number=self.correcting.number) if self.correcting else self.kind.label
        self.setWindowTitle(title)
        for name, label in self.labels.items():
            spec = _TEXT_FIELDS[name]
            label.setText(_(spec.label))
            widget = self.widgets[name]
            widget.setAccessibleName(_(spec.label).replace("&", ""))
            hint = _(spec.hint) if spec.hint else ""
            if isinstance(widget, QPlainTextEdit | QLineEdit):
                widget.setPlaceholderText(hint)
            widget.setAccessibleDescription(hint)
            widget.setToolTip(hint)  # the placeholder is hidden once the field is filled in
        self.correction_label.setText(_("Reason for the &correction"))
        self.remedy_box.setTitle(_("&Remedy (money paid or refunded)"))
        for label, text in zip(self.remedy_labels, (_("What"), _("Amount (yuan)"), _("Paid or done by")),
                               strict=True):
            label.setText(text)
        self.language_label.setText(_("&Language"))
        current = self.language.currentIndex()
        self.language.clear()
        for code, name in _LANGUAGES:
            self.language.addItem(_(name) if not code else name, code)
        self.language.setCurrentIndex(max(current, 0))
        self.preview_button.setText(_("&Preview"))
        self.issue_button.setText(_("&Issue") if not self.correcting else _("&Issue correction"))

    # -- data --------------------------------------------------------------------------------------
    def _prefill(self) -> None:
        ctx, actor, complaint_id, kind = self.ctx, self.actor, self.complaint_id, self.kind

        def done(result: LetterInputs) -> None:
            assert isinstance(result, self.inputs_type)  # the inputs of this letter kind
            if self.correcting is not None and self.correcting.complaint_summary and isinstance(
                    result, ReceiptInputs | DecisionInputs):  # a correction starts from what the letter said
                result = replace(result, summary=self.correcting.complaint_summary)
            self.set_inputs(result)
            self.suggested_summary = str(getattr(result, "summary", ""))
            self.prefilled = True
            if self.correcting is None:
                self._focus_first_empty()

        def failed(exc: BaseException) -> None:
            self.prefilled = True
            self.error.show_message(str(exc))

        run_call(self, lambda: ctx.backend.call(actor, letters.suggested_inputs, complaint_id, kind), done, failed)

    def _focus_first_empty(self) -> None:
        """Once the suggestions are in, the keyboard goes to the first element left to write that has no
        default (typing need not start with Tab past the prefilled ones)."""
        empty = next((w for name, w in self.widgets.items() if w.isVisible() and w.isEnabled()
                      and not _TEXT_FIELDS[name].optional and not _text_of(w).strip()), None)
        if empty is not None:
            empty.setFocus(Qt.FocusReason.OtherFocusReason)

    def _language_changed(self) -> None:
        """Suggest the summary again in the chosen language, unless the user has written their own."""
        widget = self.widgets.get("summary")
        if widget is None or not self.prefilled or _text_of(widget).strip() != self.suggested_summary.strip():
            return
        ctx, actor, complaint_id, kind, language = self.ctx, self.actor, self.complaint_id, self.kind, self._language()

        def done(result: LetterInputs) -> None:
            if _text_of(widget).strip() == self.suggested_summary.strip():
                self.suggested_summary = str(getattr(result, "summary", ""))
                _set_text(widget, self.suggested_summary)

        run_call(self, lambda: ctx.backend.call(actor, letters.suggested_inputs, complaint_id, kind, language),
                 done, self._show_problem)

    def set_inputs(self, inputs: LetterInputs) -> None:
        for name, widget in self.widgets.items():
            value = getattr(inputs, name)
            _set_text(widget, "\n".join(value) if isinstance(value, tuple) else str(value or ""))
        remedy = getattr(inputs, "remedy", None)
        self.remedy_box.setChecked(remedy is not None)
        if remedy is not None:
            self.remedy_description.setText(remedy.description)
            self.remedy_amount.setText("" if remedy.amount is None else str(remedy.amount))
            if remedy.due_on is not None:
                self.remedy_due.setDate(QDate(remedy.due_on.year, remedy.due_on.month, remedy.due_on.day))

    def inputs(self) -> LetterInputs:
        values: dict[str, object] = {}
        for name, widget in self.widgets.items():
            text = _text_of(widget)
            values[name] = tuple(line.strip() for line in text.splitlines() if line.strip()) \
                if name == "received_items" else text.strip()
        if not self.remedy_box.isHidden():
            values["remedy"] = None
            if self.remedy_box.isChecked():
                due = self.remedy_due.date()
                values["remedy"] = Remedy(self.remedy_description.text().strip(), self.remedy_amount.text().strip(),
                                          date(due.year(), due.month(), due.day()))
        return self.inputs_type(**values)  # type: ignore[arg-type]

    def _language(self) -> str | None:
        return str(self.language.currentData() or "") or None

    # -- actions -----------------------------------------------------------------------------------
    def _show_problem(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.error.show_message(str(exc))
            if isinstance(exc, LetterContentError) and exc.field:
                target = {"refusal.basis": "basis", "remedy.amount": "remedy", "remedy.due_on": "remedy",
                          "remedy.description": "remedy"}.get(exc.field, exc.field)
                widget = self.remedy_amount if target == "remedy" else self.widgets.get(target)
                if widget is not None:
                    widget.setFocus()
        else:
            show_error(self, exc)

    def preview(self) -> None:
        self.error.clear()
        try:
            inputs = self.inputs()
        except UserError as exc:
            self._show_problem(exc)
            return
        ctx, actor, complaint_id, kind, language = self.ctx, self.actor, self.complaint_id, self.kind, self._language()

        def work(_progress: ProgressFn, _cancelled: CancelledFn) -> bytes:
            return ctx.backend.call(actor, letters.preview_letter, complaint_id, kind, inputs, language=language)

        try:
            pdf = run_with_progress(self, _("Preparing the preview…"), work)
        except Exception as exc:
            self._show_problem(exc)
            return
        stamp = datetime.now(ctx.office_tz).strftime("%Y%m%d-%H%M")
        open_preview(LetterPreviewDialog(pdf, _("{letter} (draft)").format(letter=kind.label),
                                         f"draft-{kind.value}-{stamp}.pdf", self))

    def issue(self) -> None:
        self.error.clear()
        if self.correcting is not None and not self.correction_edit.text().strip():
            self.error.show_message(_("Say why the letter is corrected."))
            self.correction_edit.setFocus()
            return
        try:
            inputs = self.inputs()
        except UserError as exc:
            self._show_problem(exc)
            return
        ctx, actor, complaint_id, kind, language = self.ctx, self.actor, self.complaint_id, self.kind, self._language()
        correcting, reason = self.correcting, self.correction_edit.text()

        def work(_progress: ProgressFn, _cancelled: CancelledFn) -> tuple[IssuedLetter, bytes]:
            if correcting is not None:
                issued = ctx.backend.call(actor, letters.correct_letter, correcting.id, reason, inputs)
            else:
                issued = ctx.backend.call(actor, letters.issue_letter, complaint_id, kind, inputs, language=language)
            return issued, ctx.backend.call(actor, letters.reprint, issued.id)

        try:
            issued, pdf = run_with_progress(self, _("Issuing the letter…"), work)
        except Exception as exc:
            self._show_problem(exc)
            return
        self.issued = issued
        self.accept()
        self.issued_preview = open_preview(LetterPreviewDialog(
            pdf, f"{issued.kind.label} {issued.number}", issued.file_name, self.parentWidget(), ctx=ctx, actor=actor,
            letter=issued))
