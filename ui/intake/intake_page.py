"""The intake form (受理登记), modelled on the 12315 registration form (投诉登记表) and the banking rule.

Keyboard-first: mnemonics with buddies, a fixed tab order, Enter moves to the next field, Ctrl+S saves.
Nothing typed is ever lost: errors are shown next to their fields and the input stays; a draft is
autosaved a few seconds after each change and when the focus leaves the form, and offered back when
the form opens again after a crash. Saving registers the case, stores the attachments, shows the case
number and the statutory due date, and emits ``sig_saved`` (the lead offers the receipt there).
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QHideEvent, QIcon, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.enums import SpecialFlag
from desk_app.domain.request_kinds import kinds_for
from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.services.customers import IntakeOptions, KnownCustomer, intake_options
from desk_app.services.drafts import Draft, DraftStore
from desk_app.services.dto import ComplaintDetail, ComplaintDraft
from desk_app.services.reference import CodeInfo, ItemInfo, list_items, list_taxonomy
from ui import icons
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.intake.attachments_box import AttachmentsSection
from ui.intake.autosave import Autosave
from ui.intake.case_fields import ClassificationSection, FactsSection, RequestSection
from ui.intake.complainant import AgentSection, CustomerSection, RepresentativesSection
from ui.intake.lookup import CustomerLookup, LookupPanel
from ui.intake.save_flow import SaveFlow
from ui.intake.section import FormSection, Problems
from ui.intake.widgets import Banner, EnterAdvances, Field, plain, set_style
from ui.page import Page
from ui.tasks import run_call

#: Narrower than this (a 1366 px screen at 150 %), the form is one column instead of two.
NARROW = 1000


@dataclass(frozen=True)
class ReferenceData:
    options: IntakeOptions
    axes: dict[str, list[CodeInfo]]
    request_kinds: list[ItemInfo]


class IntakePage(Page):
    """The intake form as a navigation page. ``sig_saved`` carries the new case's id (uuid.UUID);
    ``sig_saved_from_grumble`` (grumble id, case id) follows it when the form saved was filled from a grumble
    (``grumble_id``, part of the form's state) and the case is linked to that grumble."""

    sig_saved = Signal(object)
    sig_saved_from_grumble = Signal(object, object)

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None, *,
                 drafts: DraftStore | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intakePage")
        self.setAcceptDrops(True)
        self.ctx = ctx
        self.actor = actor
        self.tz: ZoneInfo = ctx.office_tz
        self.options: IntakeOptions | None = None
        self.ready = False
        self._loading = False
        self._restoring = True  # no change handling until the form is built
        self._blank: dict[str, Any] = {}
        self._picked: tuple[uuid.UUID, dict[str, Any]] | None = None
        #: The grumble this form was filled from ("turn into a complaint"): part of the form's state, so
        #: clearing the form or loading another draft drops it and the case saved from it is linked only then.
        self.grumble_id: uuid.UUID | None = None
        self.save_flow = SaveFlow(self)
        self._build()
        self.autosave = Autosave(self, drafts if drafts is not None else DraftStore(actor.username), self.state,
                                 self.is_blank, self.draft_status)
        self.autosave_timer = self.autosave.timer
        self.retranslate_ui()
        self._apply_tab_order()
        self._blank = self._comparable(self.state())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._restoring = False
        self._load_reference()

    @property
    def drafts(self) -> DraftStore:
        return self.autosave.store

    @drafts.setter
    def drafts(self, store: DraftStore) -> None:
        self.autosave.store = store

    @property
    def pending_draft(self) -> Draft | None:
        """An older draft found at opening, waiting for Restore or Discard."""
        return self.autosave.pending

    # -- construction --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.scope = QLabel(self)
        self.scope.setWordWrap(True)  # branch, regime and time zone: wraps on a narrow window
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(12)
        header.addWidget(self.scope, 1)

        self.restore_banner = Banner("restoreBanner", icons.WARNING, self)
        set_style(self.restore_banner, background="#eef4fb", border="#5b8ec9")
        self.restore_button = self.restore_banner.add_button("restoreDraft")
        self.restore_button.clicked.connect(self.restore_draft)
        self.discard_button = self.restore_banner.add_button("discardDraft")
        self.discard_button.clicked.connect(self.discard_draft)
        self.result_banner = Banner("resultBanner", icons.DUE_SOON, self)
        set_style(self.result_banner, background="#edf7ed", border="#4c9a52")
        self.retry_button = self.result_banner.add_button("retryAttachments")
        self.retry_button.clicked.connect(self.retry_attachments)
        self.retry_button.hide()
        self.error_banner = Banner("errorBanner", icons.WARNING, self)
        set_style(self.error_banner, background="#fdecea", border="#c0392b")
        self.retry_save_button = self.error_banner.add_button("retrySave")  # after a lost connection
        self.retry_save_button.clicked.connect(self.save)
        self.retry_save_button.hide()

        self.customer = CustomerSection(self)
        self.lookup_panel = LookupPanel(self.customer)
        self.customer.layout_.addWidget(self.lookup_panel)
        self.agent = AgentSection(self)
        self.representatives = RepresentativesSection(self)
        self.representatives.hide()
        self.attachments = AttachmentsSection(self)
        self.facts = FactsSection(self)
        self.request = RequestSection(self)
        self.classification = ClassificationSection(self)
        self.sections: list[FormSection] = [self.customer, self.agent, self.representatives, self.facts,
                                            self.request, self.classification, self.attachments]

        content = QWidget(self)
        content.setObjectName("intakeContent")
        self.columns = columns = QBoxLayout(QBoxLayout.Direction.LeftToRight, content)
        columns.setContentsMargins(0, 0, 6, 0)
        left, right = QVBoxLayout(), QVBoxLayout()
        column: QVBoxLayout
        group: tuple[FormSection, ...]
        for column, group in ((left, (self.customer, self.agent, self.representatives)),
                              (right, (self.facts, self.request, self.classification, self.attachments))):
            for part in group:
                part.setParent(content)
                column.addWidget(part)
        left.addStretch(1)
        right.addStretch(1)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("intakeScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(content)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)

        self.recusal = QCheckBox(self)
        self.recusal.setObjectName("recusal")
        self.recusal_error = InlineError(self)
        self.recusal_error.setObjectName("recusalError")
        self.draft_status = QLabel(self)
        self.draft_status.setObjectName("draftStatus")
        self.draft_status.setStyleSheet("color: palette(mid);")
        self.clear_button = QPushButton(self)
        self.clear_button.setObjectName("clearForm")
        self.clear_button.clicked.connect(self.ask_clear)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveComplaint")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        declaration, buttons = QHBoxLayout(), QHBoxLayout()
        declaration.addWidget(self.recusal)
        declaration.addWidget(self.recusal_error, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.draft_status)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.save_button)
        self.bottom = bottom = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        bottom.addLayout(declaration, 1)
        bottom.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(header)
        layout.addWidget(self.restore_banner)
        layout.addWidget(self.result_banner)
        layout.addWidget(self.error_banner)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(bottom)

        self.fields: dict[str, Field] = {}
        for section in self.sections:
            self.fields.update(section.fields)
            section.sig_changed.connect(self._changed)
        self.fields["recusal"] = Field("recusal", self.recusal, self.recusal_error)
        self.recusal.toggled.connect(self._changed)
        self.recusal.toggled.connect(lambda on: self.recusal_error.clear() if on else None)
        group_box = self.classification.flags[SpecialFlag.GROUP]
        group_box.toggled.connect(self._group_toggled)
        self.lookup_flow = CustomerLookup(self.ctx.backend, self.actor, self.customer, self.lookup_panel, self)
        self.lookup_flow.sig_known.connect(self._fill_customer)
        self.customer.sig_lookup.connect(lambda: self.lookup(explicit=True))
        self.customer.phone.editingFinished.connect(lambda: self.lookup(explicit=False))
        self.customer.id_number.editingFinished.connect(lambda: self.lookup(explicit=False))
        self.lookup_panel.sig_use.connect(self.lookup_flow.use)
        self.representatives.add_button.clicked.connect(self._apply_tab_order)

        self._enter = EnterAdvances(self)
        for widget in content.findChildren(QWidget):
            if isinstance(widget, QLineEdit | QComboBox | QDateTimeEdit | QCheckBox):
                widget.installEventFilter(self._enter)
        self.recusal.installEventFilter(self._enter)

    def _apply_tab_order(self) -> None:
        chain: list[QWidget] = [self.restore_button, self.discard_button, self.retry_button]
        chain += self.customer.tab_chain + self.lookup_panel.tab_chain() + self.agent.tab_chain
        chain += self.representatives.current_tab_chain()
        chain += self.facts.tab_chain + self.request.tab_chain + self.classification.tab_chain
        chain += self.attachments.tab_chain
        chain += [self.recusal, self.clear_button, self.save_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        for row in self.representatives.rows:
            for widget in (row.name, row.id_number, row.phone):
                widget.installEventFilter(self._enter)

    # -- texts ---------------------------------------------------------------------------------------
    def nav_title(self) -> str:
        return _("Intake")

    def nav_icon(self) -> QIcon:
        return icons.icon("intake")

    def retranslate_ui(self) -> None:
        self.title.setText(_("Register a complaint (受理登记)"))
        self._update_scope()
        for section in self.sections:
            section.retranslate_ui()
        self.lookup_panel.retranslate_ui()
        self.restore_button.setText(_("Restore"))
        self.restore_button.setAccessibleName(_("Restore the unfinished complaint"))
        self.discard_button.setText(_("Discard"))
        self.discard_button.setAccessibleName(_("Discard the unfinished complaint"))
        self.retry_button.setText(_("Store the attachments again"))
        self.retry_save_button.setText(_("&Retry saving"))
        self.retry_save_button.setAccessibleName(_("Retry saving the complaint"))
        self.recusal.setText(_("I declare havin&g no personal interest in this complaint (recusal, 回避)"))
        self.recusal.setAccessibleName(plain(self.recusal.text()))
        self.clear_button.setText(_("New complaint"))
        self.clear_button.setAccessibleName(_("Clear the form for a new complaint"))
        self.save_button.setText(_("&Save (Ctrl+S)"))
        self.save_button.setAccessibleName(_("Save the complaint"))
        self.scroll_area.setAccessibleName(_("Intake form"))
        if self.pending_draft is not None:
            self._offer_draft(self.pending_draft)
        self.save_flow.show_outcome()

    def _update_scope(self) -> None:
        if self.options is None:
            self.scope.setText(_("Loading…"))
            return
        cap = self.options.group_rep_cap
        self.scope.setText(_("Branch {code} · {regime} · group complaints: at most {cap} representatives").format(
            code=self.options.branch_code, regime=self.options.regime.label, cap=cap))

    # -- reference data ------------------------------------------------------------------------------
    def refresh(self) -> None:
        if not self.ready:
            self._load_reference()

    def _load_reference(self) -> None:
        if self._loading:
            return
        self._loading = True
        backend, actor = self.ctx.backend, self.actor

        def work() -> ReferenceData:
            options = backend.call(actor, intake_options)
            axes = {axis: backend.read(list_taxonomy, axis) for axis in ("A", "B", "C", "D")}
            return ReferenceData(options, axes, backend.read(list_items, "request_kind"))

        run_call(self, work, self._reference_loaded, self._reference_failed)

    def _reference_failed(self, exc: BaseException) -> None:
        self._loading = False
        self.error_banner.show_message(_("The lists for the form could not be loaded: {error}").format(error=exc))
        if not isinstance(exc, UserError):
            show_error(self, exc)

    def _reference_loaded(self, result: ReferenceData) -> None:
        self._loading = False
        self.options = result.options
        self.tz = ZoneInfo(result.options.timezone)
        self.autosave.tz = self.tz
        self.classification.tz = self.tz
        self.lookup_panel.tz = self.tz
        self._restoring = True
        try:
            self.classification.reset_received()
            self.classification.set_taxonomy(result.axes)
            self.classification.set_insurance_axis(result.options.uses_insurance_axis)
            self.request.set_items(kinds_for(result.request_kinds, result.options.institution_type))
            self.request.retranslate_ui()
            self.representatives.set_cap(result.options.group_rep_cap)
            for box in self.request.kinds.values():
                box.installEventFilter(self._enter)
        finally:
            self._restoring = False
        self._blank = self._comparable(self.state())
        self._apply_tab_order()
        self._update_scope()
        self.error_banner.show_message("")
        self.ready = True
        self.save_button.setEnabled(True)
        draft = self.drafts.load()
        if draft is not None and self._comparable(draft.fields) != self._blank:
            self.autosave.pending = draft
            self._offer_draft(draft)

    # -- the whole form's state (the draft) -----------------------------------------------------------
    def state(self) -> dict[str, Any]:
        picked = None
        if self._picked is not None:
            picked = {"customer_id": str(self._picked[0]), "snapshot": self._picked[1]}
        return {"customer": self.customer.state(), "picked": picked, "agent": self.agent.state(),
                "representatives": self.representatives.state(), "facts": self.facts.state(),
                "request": self.request.state(), "classification": self.classification.state(),
                "attachments": self.attachments.state(), "recusal": self.recusal.isChecked(),
                "grumble": str(self.grumble_id) if self.grumble_id else None}

    def set_state(self, state: dict[str, Any]) -> list[str]:
        """Fill the form from a draft; returns the names of attachments that could not be found again."""
        self._restoring = True
        try:
            self.customer.set_state(_dict(state.get("customer")))
            self.agent.set_state(_dict(state.get("agent")))
            self.classification.set_state(_dict(state.get("classification")))
            reps = state.get("representatives")
            self.representatives.set_state(reps if isinstance(reps, list) else [])
            self.facts.set_state(_dict(state.get("facts")))
            self.request.set_state(_dict(state.get("request")))
            files = state.get("attachments")
            missing = self.attachments.set_state(files if isinstance(files, list) else [])
            self.recusal.setChecked(bool(state.get("recusal", False)))
            self.grumble_id = _uuid_or_none(state.get("grumble"))
            picked = state.get("picked")
            self._picked = None
            if isinstance(picked, dict):
                try:
                    self._picked = (uuid.UUID(str(picked.get("customer_id"))), _dict(picked.get("snapshot")))
                except ValueError:
                    self._picked = None
        finally:
            self._restoring = False
        self._group_toggled(self.classification.flags[SpecialFlag.GROUP].isChecked())
        self._apply_tab_order()
        return missing

    @staticmethod
    def _comparable(state: dict[str, Any]) -> dict[str, Any]:
        """The state without what a blank form also has (the time of receipt)."""
        classification = dict(_dict(state.get("classification")))
        classification.pop("received_at", None)
        classification.pop("received_touched", None)
        return {**state, "classification": classification}

    def is_blank(self) -> bool:
        return self._comparable(self.state()) == self._blank

    # -- autosave ------------------------------------------------------------------------------------
    def _changed(self) -> None:
        if self._restoring:
            return
        if not self.classification.received_touched and self.autosave.started_blank():
            # The customer is here: the first keystroke on a blank form dates the receipt.
            self._restoring = True
            try:
                self.classification.reset_received()
            finally:
                self._restoring = False
        self.autosave.changed()

    def save_draft(self) -> None:
        """Write the draft now (see ``Autosave.save_now``)."""
        self.autosave.save_now()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        direction = (QBoxLayout.Direction.TopToBottom if event.size().width() < NARROW
                     else QBoxLayout.Direction.LeftToRight)
        self.columns.setDirection(direction)
        self.bottom.setDirection(direction)

    def hideEvent(self, event: QHideEvent) -> None:
        self.autosave.save_if_dirty()
        super().hideEvent(event)

    def _offer_draft(self, draft: Draft) -> None:
        local = draft.saved_at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        customer = _dict(draft.fields.get("customer"))
        name = str(customer.get("name", "")).strip()
        text = _("An unfinished complaint was saved at {time}{who}. Restore it to go on, or discard it.").format(
            time=local, who=f" ({name})" if name else "")
        self.restore_banner.show_message(text)

    def restore_draft(self) -> None:
        draft = self.pending_draft
        if draft is None:
            return
        self.autosave.pending = None
        self.restore_banner.show_message("")
        missing = self.set_state(draft.fields)
        self.autosave.settled()
        if missing:
            self.attachments.fields["attachments"].show_error(
                _("These files could not be found again; add them once more: {names}").format(
                    names=", ".join(missing)))
        self.customer.name.setFocus()

    def discard_draft(self) -> None:
        self.autosave.pending = None
        self.restore_banner.show_message("")
        self.autosave.discard()
        self.autosave.save_if_dirty()
        self.customer.name.setFocus()

    # -- customer look-up ----------------------------------------------------------------------------
    def lookup(self, explicit: bool) -> None:
        self.lookup_flow.lookup(explicit, self._picked[0] if self._picked else None)

    def _fill_customer(self, known: object) -> None:
        assert isinstance(known, KnownCustomer)
        self.customer.fill_from(known.draft)
        self._picked = (known.customer_id, self.customer.state())
        self.lookup_flow.remember_keys()
        for key in ("customer.name", "customer.id_number", "customer.phone", "customer.contact_person"):
            self.fields[key].clear_error()
        self.lookup_panel.status.setText(
            _("Using the existing record of {name}; corrections you make are saved with the case.").format(
                name=known.draft.name))
        self._changed()
        self.agent.has_agent.setFocus()

    # -- group complaints -----------------------------------------------------------------------------
    def _group_toggled(self, on: bool) -> None:
        self.representatives.setVisible(on)
        if on and not self.representatives.rows and not self._restoring:
            self.representatives.add_row_widget()
        self._apply_tab_order()

    # -- validation and saving (ui.intake.save_flow) ----------------------------------------------------
    @property
    def saving(self) -> bool:
        return self.save_flow.saving

    @property
    def last_saved(self) -> ComplaintDetail | None:
        return self.save_flow.last_saved

    def picked_customer_id(self) -> uuid.UUID | None:
        """The existing customer record picked in the look-up, while the customer fields still show it."""
        if self._picked is not None and self.customer.state() == self._picked[1]:
            return self._picked[0]
        return None

    def problems(self) -> Problems:
        return self.save_flow.problems()

    def show_problems(self, problems: Problems) -> None:
        self.save_flow.show_problems(problems)

    def build_draft(self) -> ComplaintDraft:
        return self.save_flow.build_draft()

    def save(self) -> None:
        self.save_flow.save()

    def retry_attachments(self) -> None:
        self.save_flow.retry_attachments()

    # -- clearing ------------------------------------------------------------------------------------
    def ask_clear(self) -> None:
        if not self.is_blank():
            box = QMessageBox(QMessageBox.Icon.Question, _("New complaint"),
                              _("Clear the form? What you typed is not saved as a complaint."),
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
            box.setDefaultButton(QMessageBox.StandardButton.No)
            if box.exec() != QMessageBox.StandardButton.Yes:
                return
        self.autosave.discard()
        self.reset_form()
        self.save_flow.forget_outcome()

    def start_next(self) -> None:
        """Ctrl+N: the first field, for the next customer (a blank form drops the last case's result)."""
        if self.is_blank():
            self.save_flow.forget_outcome()
        self.customer.name.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def reset_form(self) -> None:
        """Empty every field for the next customer (keeps the channel, which rarely changes at a counter)."""
        channel = self.classification.channel.value()
        self._restoring = True
        try:
            self.set_state({"classification": {"channel": channel.value}})
            self.classification.reset_received()
            self.lookup_panel.clear()
            self.attachments.clear()
            self._picked = None
            self.lookup_flow.forget_keys()
        finally:
            self._restoring = False
        self.save_flow.clear_errors()
        self._blank = self._comparable(self.state())
        self.autosave.settled()
        self.scroll_area.verticalScrollBar().setValue(0)
        self.customer.name.setFocus()

    # -- drag and drop anywhere on the form ------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.attachments.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.attachments.dropEvent(event)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
