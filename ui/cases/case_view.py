"""案件详情: one case — its header and deadlines, the six-step flow with each step's record, the actions
its state and the user's role allow, and the complete timeline.

Every change goes through a service with the case version the view last read. When someone else changed
the case in between, the view says who and when, reloads, and keeps what the user typed in the step forms.

Every call runs off the GUI thread (``ui.tasks.run_call``; against a desk server each is a network round
trip). While one is under way the view is ``busy``: a progress bar and a status text show it, the action
bar and the step forms are disabled, and no second action starts; an action dialog waits, and closes
only once its call has succeeded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.deadlines import UNIT_WORKING, DeadlineState, days_left, deadline_state
from desk_app.domain.enums import Complexity, Severity, Stage, Status
from desk_app.domain.handling import STAGE_FIELDS
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.validation import mask_name, mask_phone
from desk_app.domain.workflow import STOPPED_STATES, Action
from desk_app.errors import IllegalTransitionError, StaleVersionError, UserError
from desk_app.i18n import N_, _, ngettext
from desk_app.services import case_workflow as wf
from desk_app.services import handling
from desk_app.services.accounts import UserInfo, list_users
from desk_app.services.case_workflow import BranchChoice, Command
from desk_app.services.handling import CaseFile
from desk_app.services.reference import ItemInfo, label_for, list_items
from desk_app.services.team import HandlerLoad, handler_loads
from ui import icons
from ui.cases import action_dialogs as dialogs
from ui.cases.action_dialogs import ActionDialog, Answers
from ui.cases.stage_panel import Permissions, StagePanel
from ui.cases.timeline_widget import TimelineWidget, stage_title
from ui.checklists.panel import ChecklistPanel
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.tasks import run_call

T = TypeVar("T")
#: A change a dialog asks for: runs in a worker thread with the dialog's answers.
Change = Callable[[Answers], object]

#: Order of the lifecycle buttons; the ones that move the case forward come first.
ACTION_ORDER = (Action.ASSIGN, Action.START, Action.RESPOND, Action.AWAIT_CALLBACK, Action.CLOSE,
                Action.FINISH_REVIEW, Action.REOPEN, Action.APPLY_REVIEW, Action.REFUSE, Action.WITHDRAW)
COMMAND_LABELS: dict[Command, str] = {
    Command.REASSIGN: N_("Re-assign…"),
    Command.TRANSFER: N_("Transfer to another branch…"),
    Command.ESCALATE: N_("Escalate to a supervisor…"),
    Command.EXTEND: N_("Extend the time limit (30/60 days)…"),
    Command.PAUSE: N_("Pause the clock (appraisal)…"),
    Command.RESUME: N_("Resume the clock…"),
    Command.FIRST_CONTACT: N_("Record the first contact…"),
    Command.NOTE: N_("Add a note…"),
}
#: Narrower than this (a 1366 px screen at 150 %), the side panels go below the steps.
NARROW = 1000
SEVERITY_COLOURS = {Severity.GENERAL: "#5b6b7a", Severity.SERIOUS: "#c46a00", Severity.CRITICAL: "#b3261e"}


def _chip(label: QLabel, text: str, colour: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))
    label.setStyleSheet(f"background: {colour}; color: white; border-radius: 8px; padding: 2px 8px;"
                        "font-weight: bold;")


def _icon_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setFixedSize(18, 18)
    label.hide()
    return label


class CaseView(QWidget):
    """The detail page of one case (案件详情)."""

    sig_changed = Signal(object)  # uuid.UUID of the case, after every successful change
    sig_closed = Signal()
    sig_loaded = Signal()  # after the case has been read and shown

    def __init__(self, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseView")
        self.ctx = ctx
        self.actor = actor
        self.complaint_id = complaint_id
        self.file: CaseFile | None = None
        self.active_dialog: ActionDialog | None = None
        self._resolution_items: list[ItemInfo] = []
        self._sized = False
        self.busy = False  # a call is under way (see the module docstring)
        self._usable = True  # False once the case could not be read (another branch's now)
        self._reload_wanted = False
        self._focus: QWidget | None = None
        self._focus_moved_to: QWidget | None = None
        self._busy_text = ""
        self._may_take = False  # the signed-in handler may take this unassigned case (case_workflow.may_take)
        self._build()
        self.retranslate_ui()
        self.reload_all()

    # -- building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("backButton")
        self.back_button.clicked.connect(self.sig_closed.emit)
        self.case_label = QLabel(self)
        self.case_label.setObjectName("caseNumber")
        self.case_label.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.case_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_chip = QLabel(self)
        self.status_chip.setObjectName("statusChip")
        self.stage_chip = QLabel(self)
        self.stage_chip.setObjectName("stageChip")
        self.severity_chip = QLabel(self)
        self.severity_chip.setObjectName("severityChip")
        self.flags_chip = QLabel(self)
        self.flags_chip.setObjectName("flagsChip")
        self.reload_button = QToolButton(self)  # an icon: the top row must fit a 1366 px screen at 150 %
        self.reload_button.setObjectName("reloadButton")
        self.reload_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.reload_button.setAutoRaise(True)
        self.reload_button.clicked.connect(self.reload_all)
        QShortcut(QKeySequence("Alt+L"), self, self.reload_all)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addSpacing(8)
        top.addWidget(self.case_label)
        for chip in (self.status_chip, self.stage_chip, self.severity_chip, self.flags_chip):
            top.addWidget(chip)
        top.addStretch(1)
        top.addWidget(self.reload_button)

        self.info_frame = QFrame(self)
        self.info_frame.setObjectName("caseHeader")
        self.info_frame.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(self.info_frame)
        grid.setContentsMargins(10, 6, 10, 6)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        self.customer_label = QLabel(self.info_frame)
        self.customer_label.setObjectName("customerLabel")
        self.branch_label = QLabel(self.info_frame)
        self.branch_label.setObjectName("branchLabel")
        self.owner_label = QLabel(self.info_frame)
        self.owner_label.setObjectName("ownerLabel")
        self.received_label = QLabel(self.info_frame)
        self.received_label.setObjectName("receivedLabel")
        self.summary_label = QLabel(self.info_frame)
        self.summary_label.setObjectName("summaryLabel")
        self.summary_label.setWordWrap(True)
        for column, label in enumerate((self.customer_label, self.branch_label, self.owner_label,
                                        self.received_label)):
            label.setWordWrap(True)  # on a narrow window the header wraps instead of widening the view
            grid.addWidget(label, 0, column)
            grid.setColumnStretch(column, 1)
        grid.addWidget(self.summary_label, 1, 0, 1, 4)
        self.due_icon = _icon_label(self.info_frame)
        self.due_label = QLabel(self.info_frame)
        self.due_label.setObjectName("dueLabel")
        self.contact_icon = _icon_label(self.info_frame)
        self.contact_label = QLabel(self.info_frame)
        self.contact_label.setObjectName("firstContactLabel")
        self.clock_label = QLabel(self.info_frame)
        self.clock_label.setObjectName("clockLabel")
        for label in (self.due_label, self.contact_label, self.clock_label):
            label.setWordWrap(True)
        deadlines = QHBoxLayout()
        deadlines.setSpacing(6)
        deadlines.addWidget(self.due_icon)
        deadlines.addWidget(self.due_label)
        deadlines.addSpacing(16)
        deadlines.addWidget(self.contact_icon)
        deadlines.addWidget(self.contact_label)
        deadlines.addSpacing(16)
        deadlines.addWidget(self.clock_label, 1)
        grid.addLayout(deadlines, 2, 0, 1, 4)
        self.warning_label = QLabel(self.info_frame)
        self.warning_label.setObjectName("deadlineWarnings")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #8a5300;")
        grid.addWidget(self.warning_label, 3, 0, 1, 4)

        self.banner = InlineError(self)
        self.banner.setObjectName("staleBanner")

        self.action_buttons: dict[Action, QPushButton] = {}
        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.take_button = QPushButton(self)  # no confirmation: the timeline records who took the case
        self.take_button.setObjectName("takeCaseButton")
        self.take_button.clicked.connect(self.take_case)
        self.take_button.hide()
        actions.addWidget(self.take_button)
        for action in ACTION_ORDER:
            button = QPushButton(self)
            button.setObjectName(f"action_{action.value}")
            button.clicked.connect(lambda _checked=False, a=action: self.start_action(a))
            button.hide()
            self.action_buttons[action] = button
            actions.addWidget(button)
        self.more_button = QToolButton(self)
        self.more_button.setObjectName("moreActionsButton")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.more_menu = QMenu(self.more_button)
        self.more_button.setMenu(self.more_menu)
        self.command_actions: dict[Command, QAction] = {}
        for command in Command:
            item = QAction(self)
            item.setObjectName(f"command_{command.value}")
            item.triggered.connect(lambda _checked=False, c=command: self.start_command(c))
            self.more_menu.addAction(item)
            self.command_actions[command] = item
        self.no_actions_label = QLabel(self)
        self.no_actions_label.setStyleSheet("color: #666;")
        self.no_actions_label.hide()
        self.busy_label = QLabel(self)  # what the view is waiting for, beside a running bar
        self.busy_label.setObjectName("busyLabel")
        self.busy_label.setStyleSheet("color: #555;")
        self.busy_label.hide()
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setObjectName("busyBar")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedSize(80, 10)
        self.busy_bar.hide()
        actions.addWidget(self.no_actions_label)
        actions.addStretch(1)
        actions.addWidget(self.busy_label)
        actions.addWidget(self.busy_bar)
        actions.addWidget(self.more_button)

        self.stages = StagePanel(self.ctx.office_tz, self)
        self.stages.sig_save.connect(self.save_record)
        self.stages.sig_move.connect(self.move_to)
        self.stages.contacts.sig_add.connect(self.add_contact)
        self.stages.resolution.sig_propose.connect(self.propose_resolution)
        self.stages.resolution.sig_decide.connect(self.decide_resolution)
        self.stages.resolution.sig_customer.connect(self.customer_decision)
        self.stages.callbacks.sig_record.connect(self.record_callback)
        self.timeline = TimelineWidget(self.ctx.office_tz, self)
        self.checklists = ChecklistPanel(self.ctx, self.actor, self.complaint_id, load=False)
        self.checklists.sig_changed.connect(self._checklist_ticked)
        self.checklists.sig_loaded.connect(self._checklists_loaded)
        self.side_tabs = QTabWidget(self)
        self.side_tabs.setObjectName("caseSideTabs")
        self._side_titles: dict[QWidget, str] = {}  # panels added by add_side_tab: their untranslated titles
        self.side_tabs.addTab(self.timeline, "")
        self.side_tabs.addTab(self.checklists, "")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.stages)
        self.splitter.addWidget(self.side_tabs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.info_frame)
        layout.addWidget(self.banner)
        layout.addLayout(actions)
        layout.addWidget(self.splitter, 1)

    # -- texts -------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.back_button.setText(_("← &Back"))
        self.back_button.setToolTip(_("Back to the list"))
        self.reload_button.setToolTip(_("Reload the case (Alt+L)"))
        self.reload_button.setAccessibleName(_("Reload the case"))
        self.more_button.setText(_("&More actions ▾"))
        self.more_button.setAccessibleName(_("More actions"))
        for command, item in self.command_actions.items():
            item.setText(_(COMMAND_LABELS[command]))
        for action, button in self.action_buttons.items():
            button.setText(action.label + ("…" if action is not Action.START else ""))
        self.no_actions_label.setText(_("No action is open to you on this case."))
        self.take_button.setText(_("Take this ca&se"))
        self.take_button.setToolTip(_("Become this case's handler"))
        self._show_busy_text()
        self.stages.resolution.type_names = self._resolution_names()
        self.timeline.names.resolution_types = self._resolution_names()
        self._update_tab_titles()
        self.stages.retranslate_ui()
        self.timeline.retranslate_ui()
        if self.file is not None:
            self._show_header(self.file)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Below ``NARROW`` pixels the timeline and checklists go under the steps instead of beside them."""
        super().resizeEvent(event)
        orientation = Qt.Orientation.Vertical if event.size().width() < NARROW else Qt.Orientation.Horizontal
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            self._sized = False
            if self.isVisible():
                self._size_splitter()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            self._size_splitter()

    def _size_splitter(self) -> None:
        """The steps get about three fifths of the room, the timeline the rest."""
        self._sized = True
        vertical = self.splitter.orientation() is Qt.Orientation.Vertical
        room = max(self.splitter.height() if vertical else self.splitter.width(), 600)
        self.splitter.setSizes([room * 62 // 100, room * 38 // 100])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def add_side_tab(self, widget: QWidget, title: str) -> int:
        """Another panel about this case (portrait, risk signals, letters…) beside the timeline. ``title`` is
        the untranslated text (``N_``): the tab is retitled in each language."""
        self._side_titles[widget] = title
        return self.side_tabs.addTab(widget, _(title))

    def _update_tab_titles(self) -> None:
        self.side_tabs.setTabText(self.side_tabs.indexOf(self.timeline), _("&Timeline"))
        for widget, title in self._side_titles.items():
            self.side_tabs.setTabText(self.side_tabs.indexOf(widget), _(title))
        waiting = len(self._unticked_steps())
        title = _("Chec&klists")
        if waiting:
            title += " " + _("({n} to tick)").format(n=waiting)
        self.side_tabs.setTabText(self.side_tabs.indexOf(self.checklists), title)

    def _gates_now(self) -> set[str]:
        """The gates the case meets next: leaving its current step, and the actions offered now."""
        if self.file is None:
            return set()
        gates = {f"action:{a.value}" for a in wf.offered_actions(self.actor, self.file.detail)}
        if self.file.detail.stage is not None and self.file.detail.status is Status.IN_PROGRESS:
            gates.add(f"leave:{self.file.detail.stage.value}")
        return gates

    def _unticked_steps(self) -> list[str]:
        """Required checklist steps not ticked yet that block the case's next moves."""
        gates = self._gates_now()
        return [step.title.text() for view in self.checklists.views for step in view.steps
                if not step.ticked and any(str(g) in gates for g in step.required_before)]

    def _checklists_loaded(self) -> None:
        self.timeline.names.checklists = {v.key: v.title for v in self.checklists.views}
        self.timeline.names.steps = {(v.key, s.key): s.title for v in self.checklists.views for s in v.steps}
        if self.file is not None:
            self.timeline.set_events(self.file.detail.events)
        self._update_tab_titles()

    def _checklist_ticked(self) -> None:
        self.reload()
        self.sig_changed.emit(self.complaint_id)

    def _point_to_checklists(self) -> None:
        """After a refusal: when unticked required checklist steps are the reason, show the checklists."""
        if self._unticked_steps():
            self.side_tabs.setCurrentWidget(self.checklists)

    def _resolution_names(self) -> dict[str, str]:
        return {item.code: label_for(item) for item in self._resolution_items}

    # -- loading -----------------------------------------------------------------------------------
    def today(self) -> date:
        return datetime.now(self.ctx.office_tz).date()

    def reload(self, then: Callable[[bool], None] | None = None) -> None:
        """Read the case again in the background, keeping text typed in the step forms; ``then(loaded)``
        afterwards (False when it could not be read). Asked while another call is under way, the reload
        (with the checklists) follows that call."""
        if self.busy:
            self._reload_wanted = True
            return
        self._set_busy(True, N_("Loading the case…"))

        def loaded(ok: bool) -> None:
            self._set_busy(False)
            if then is not None:
                then(ok)

        self._load(loaded)

    def reload_all(self) -> None:
        """The Reload button: the case, and then its checklists (in the background)."""
        self.reload(lambda ok: self.checklists.refresh() if ok else None)

    def _load(self, then: Callable[[bool], None]) -> None:
        """Read the case (and, once, the resolution types) off the GUI thread and show it; ``then(loaded)``.
        A case this user can no longer see (transferred away) is said in the banner, and nothing is offered."""
        backend, actor, cid = self.ctx.backend, self.actor, self.complaint_id
        need_items = not self._resolution_items

        def work() -> tuple[list[ItemInfo], CaseFile, bool]:
            items = backend.read(list_items, "resolution_type") if need_items else []
            file = backend.call(actor, handling.case_file, cid)
            may_take = file.detail.owner_id is None and has_permission(actor.role, Permission.HANDLE_CASE) \
                and backend.call(actor, wf.may_take, cid)
            return items, file, may_take

        def loaded(result: tuple[list[ItemInfo], CaseFile, bool]) -> None:
            items, file, self._may_take = result
            if items:
                self._resolution_items = items
                self.stages.resolution.type_names = self._resolution_names()
                self.timeline.names.resolution_types = self._resolution_names()
            self.set_file(file)
            self.sig_loaded.emit()
            then(True)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, UserError):  # e.g. transferred to a branch this user cannot see
                self.banner.show_message(str(exc))
                self._disable_all()
            else:
                show_error(self, exc)
            then(False)

        run_call(self, work, loaded, failed)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        """Show that a call is under way (``text``, a message id) or no longer, and block a second action
        meanwhile. Focus taken from a disabled control comes back to it afterwards."""
        self.busy = busy
        self._busy_text = text
        self._show_busy_text()
        self.busy_label.setVisible(busy)
        self.busy_bar.setVisible(busy)
        if busy:  # only a control that is disabled now (they live as long as the view)
            focus = QApplication.focusWidget()
            disabled = focus is not None and (self.stages.isAncestorOf(focus) or focus in (
                self.reload_button, self.more_button, self.take_button, *self.action_buttons.values()))
            self._focus = focus if disabled else None
        self._update_enabled()
        if busy:
            self._focus_moved_to = QApplication.focusWidget()  # where Qt put it (the user may move it on)
            return
        if self._focus is not None and self._focus.isEnabled() and self._focus.isVisible() \
                and QApplication.focusWidget() is self._focus_moved_to:
            self._focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self._focus = self._focus_moved_to = None
        if self._reload_wanted:  # asked for during the call: after the current slot has finished
            self._reload_wanted = False
            QTimer.singleShot(0, self, self.reload_all)

    def _show_busy_text(self) -> None:
        text = _(self._busy_text) if self._busy_text else ""
        self.busy_label.setText(text)
        self.busy_bar.setAccessibleName(text)

    def _update_enabled(self) -> None:
        idle = not self.busy
        for button in (self.take_button, *self.action_buttons.values()):
            button.setEnabled(idle)
        self.more_button.setEnabled(idle and self._usable and any(i.isVisible() for i in self.command_actions.values()))
        self.reload_button.setEnabled(idle)
        self.stages.setEnabled(idle and self._usable)
        self.checklists.setEnabled(self._usable)

    def set_file(self, file: CaseFile) -> None:
        self.file = file
        self._usable = True
        self._show_header(file)
        self._show_actions(file)
        self.stages.set_case(file, self.permissions(file))
        self.timeline.set_events(file.detail.events)
        self._update_tab_titles()

    def permissions(self, file: CaseFile) -> Permissions:
        role, status = self.actor.role, file.detail.status
        return Permissions(
            handle=has_permission(role, Permission.HANDLE_CASE) and status is Status.IN_PROGRESS,
            approve=has_permission(role, Permission.APPROVE_COMPENSATION),
            decide_for_customer=has_permission(role, Permission.HANDLE_CASE)
            and status in (Status.IN_PROGRESS, Status.RESPONDED),
            callback=has_permission(role, Permission.EDIT_CASE) and status is Status.AWAITING_CALLBACK,
            user_id=self.actor.user_id)

    def _disable_all(self) -> None:
        for button in (self.take_button, *self.action_buttons.values()):
            button.hide()
        self._usable = False
        self._update_enabled()

    # -- header ------------------------------------------------------------------------------------
    def _show_header(self, file: CaseFile) -> None:
        d = file.detail
        tz = self.ctx.office_tz
        self.case_label.setText(d.case_number)
        _chip(self.status_chip, d.status.label, "#1f5fa8")
        self.status_chip.setAccessibleName(_("Status: {status}").format(status=d.status.label))
        stage_text = stage_title(d.stage) if d.stage else ""
        _chip(self.stage_chip, _("Step {step}").format(step=stage_text) if stage_text else "", "#3d7d4a")
        _chip(self.severity_chip, d.severity.label, SEVERITY_COLOURS[d.severity])
        flags = [f.label for f in sorted(d.flags)]
        if d.escalated:
            flags.append(_("Escalated"))
        _chip(self.flags_chip, " · ".join(flags), "#6a3d9a")

        customer = mask_name(d.customer.name)
        if d.customer.phone:
            customer += f" {mask_phone(d.customer.phone)}"
        self.customer_label.setText(_("Customer: {name}").format(name=customer))
        self.branch_label.setText(_("Branch: {code} {name}").format(code=d.branch_code, name=d.branch_name))
        self.owner_label.setText(_("Handler: {name}").format(name=d.owner_name or _("not assigned")))
        self.received_label.setText(_("Received: {time} ({channel})").format(
            time=f"{d.received_at.astimezone(tz):%Y-%m-%d %H:%M}", channel=d.channel.label))
        self.summary_label.setText(_("Summary: {text}").format(text=d.summary))
        self.summary_label.setToolTip(d.facts_what)
        self._show_due(file)
        self._show_first_contact(file)
        self._show_clock(file)
        warnings = list(file.deadline_warnings)
        self.warning_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning_label.setVisible(bool(warnings))

    def _show_due(self, file: CaseFile) -> None:
        d = file.detail
        today = self.today()
        stopped = d.status in STOPPED_STATES or d.paused
        state = deadline_state(d.due_on, today, stopped=stopped)
        left = days_left(d.due_on, today)
        text = _("Due date: {date}").format(date=d.due_on.isoformat())
        icon_name, colour = "", ""
        if d.status in STOPPED_STATES:
            text += " · " + _("clock stopped ({status})").format(status=d.status.label)
        elif d.paused:
            text += " · " + _("clock paused")
        elif state is DeadlineState.OVERDUE:
            text += " · " + ngettext("Overdue by {n} day", "Overdue by {n} days", -left).format(n=-left)
            icon_name, colour = icons.OVERDUE, "#b3261e"
        elif left == 0:
            text += " · " + _("Due today")
            icon_name, colour = icons.DUE_SOON, "#c46a00"
        else:
            text += " · " + ngettext("{n} day left", "{n} days left", left).format(n=left)
            if state is DeadlineState.DUE_SOON:
                icon_name, colour = icons.DUE_SOON, "#c46a00"
        if d.acceptance_due_on is not None and d.status in (Status.REGISTERED, Status.ASSIGNED):
            text += " · " + _("accept or refuse by {date}").format(date=d.acceptance_due_on.isoformat())
        self.due_label.setText(text)
        self.due_label.setAccessibleName(text)
        self.due_label.setStyleSheet(f"color: {colour}; font-weight: bold;" if colour else "font-weight: bold;")
        self._set_icon(self.due_icon, icon_name)

    def _show_first_contact(self, file: CaseFile) -> None:
        d = file.detail
        tz = self.ctx.office_tz
        target = f"{d.first_contact_due.astimezone(tz):%m-%d %H:%M}"
        icon_name, colour = "", ""
        if d.first_contact_at is not None:
            met = d.first_contact_at <= d.first_contact_due
            text = _("First contact: {time} ({state})").format(
                time=f"{d.first_contact_at.astimezone(tz):%m-%d %H:%M}",
                state=_("target met") if met else _("late; target {target}").format(target=target))
            if not met:
                icon_name, colour = icons.WARNING, "#c46a00"
        elif datetime.now(UTC) > d.first_contact_due and d.status not in STOPPED_STATES:
            text = _("First contact overdue (target {target})").format(target=target)
            icon_name, colour = icons.OVERDUE, "#b3261e"
        else:
            text = _("First contact by {target}").format(target=target)
        self.contact_label.setText(text)
        self.contact_label.setStyleSheet(f"color: {colour};" if colour else "")
        self._set_icon(self.contact_icon, icon_name)

    def _show_clock(self, file: CaseFile) -> None:
        d = file.detail
        unit = _("working days") if file.limit_unit == UNIT_WORKING else _("calendar days")
        parts = [_("Limit: {n} {unit} ({complexity})").format(n=file.limit_days, unit=unit,
                                                              complexity=d.complexity.label)]
        if d.complexity is not Complexity.SIMPLE:
            parts.append(_("extended — the customer must receive the extension notice"))
        if d.paused:
            parts.append(_("PAUSED for appraisal/testing"))
        if file.paused_days:
            parts.append(_("{n} paused days not counted").format(n=file.paused_days))
        self.clock_label.setText(" · ".join(parts))
        self.clock_label.setStyleSheet("color: #6a3d9a; font-weight: bold;" if d.paused else "")

    @staticmethod
    def _set_icon(label: QLabel, name: str) -> None:
        if name:
            label.setPixmap(icons.icon(name).pixmap(QSize(18, 18)))
        label.setVisible(bool(name))

    def _show_actions(self, file: CaseFile) -> None:
        offered = set(wf.offered_actions(self.actor, file.detail))
        for action, button in self.action_buttons.items():
            button.setVisible(action in offered)
        commands = set(wf.offered_commands(self.actor, file.detail))
        for command, item in self.command_actions.items():
            item.setVisible(command in commands)
        self.take_button.setVisible(self._may_take and self._usable)
        self.no_actions_label.setVisible(not offered and not self._may_take)
        self._update_enabled()

    def offered_actions(self) -> list[Action]:
        return [a for a, b in self.action_buttons.items() if not b.isHidden()]

    def offered_commands(self) -> list[Command]:
        return [c for c, item in self.command_actions.items() if item.isVisible()]

    # -- changing the case -------------------------------------------------------------------------
    @property
    def version(self) -> int:
        assert self.file is not None
        return self.file.detail.version

    def apply(self, change: Callable[[], object], *, done: Callable[[], None] | None = None,
              failed: Callable[[BaseException], None] | None = None) -> bool:
        """Run one service call off the GUI thread (False, and nothing done, when another call is under
        way). On success: reload, announce the change, then ``done()``. A stale version reloads, says who
        changed the case, and hands the error to ``failed`` (so a dialog can stay open and a form keeps its
        text); an illegal transition first shows the checklists when unticked steps are the reason. Without
        ``failed`` an error goes to the error presenter."""
        if self.busy:
            return False
        self.banner.clear()
        self._set_busy(True, N_("Saving…"))

        def report(exc: BaseException) -> None:
            if failed is not None:
                failed(exc)
            else:
                show_error(self, exc)

        def changed(ok: bool) -> None:
            if ok:
                self.checklists.refresh()  # which checklists apply depends on the step and the status
            self._set_busy(False)
            self.sig_changed.emit(self.complaint_id)
            if done is not None:
                done()

        def stale(exc: StaleVersionError) -> Callable[[bool], None]:
            def reloaded(ok: bool) -> None:
                if ok:
                    self.checklists.refresh()
                self.banner.show_message(str(exc) + " " + _(
                    "The case has now been reloaded for you; what you typed is kept. Check it and save again."))
                self._set_busy(False)
                report(exc)

            return reloaded

        def refused(exc: BaseException) -> None:
            if isinstance(exc, StaleVersionError):
                self._load(stale(exc))
                return
            if isinstance(exc, IllegalTransitionError):
                self._point_to_checklists()
            self._set_busy(False)
            report(exc)

        run_call(self, change, lambda _result: self._load(changed), refused)
        return True

    def _open(self, dialog: ActionDialog, change: Change) -> ActionDialog:
        """Open ``dialog``; its OK runs ``change`` with the answers (off the GUI thread) and closes the
        dialog only when the call has succeeded."""

        def run(d: ActionDialog) -> None:
            answers = d.answers(self.version)
            if not self.apply(lambda: change(answers), done=d.succeeded, failed=d.refused):
                d.refused(UserError(_("Another change to this case is still under way; try again in a moment.")))

        dialog.submit = run
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.active_dialog = dialog
        dialog.open()
        return dialog

    def _fetch(self, work: Callable[[], T], then: Callable[[T], object]) -> None:
        """Read what a dialog offers off the GUI thread, then open it (no other action starts meanwhile)."""
        if self.busy:
            return
        self._set_busy(True, N_("Loading…"))

        def got(result: T) -> None:
            self._set_busy(False)
            then(result)

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            show_error(self, exc)

        run_call(self, work, got, failed)

    def _dialog_closed(self, dialog: ActionDialog) -> None:
        if self.active_dialog is dialog:
            self.active_dialog = None
        dialog.deleteLater()

    def start_action(self, action: Action) -> ActionDialog | None:
        """Open the dialog of a lifecycle action (assigning first reads the branch's handlers, in the
        background: its dialog opens when they have arrived, and None is returned)."""
        if self.file is None or self.busy:
            return None
        backend, actor, cid = self.ctx.backend, self.actor, self.complaint_id
        if action is Action.ASSIGN:
            self._assign(reassign=False)
            return None
        reasons: dict[Action, tuple[str, str, str]] = {
            Action.REFUSE: (_("The complaint is not accepted (不予受理). State the grounds; the customer receives "
                              "a written refusal."), _("&Grounds"), _("&Refuse")),
            Action.WITHDRAW: (_("The customer withdraws the complaint; the case ends today."),
                              _("&Reason / how the withdrawal was received"), _("Record &withdrawal")),
            Action.APPLY_REVIEW: (_("The customer applied in writing to the superior institution for a review "
                                    "(核查)."), _("&Application (date and content)"), _("&Record")),
            Action.FINISH_REVIEW: (_("The review is finished and the case closes."),
                                   _("&Result of the review"), _("&Finish")),
            Action.REOPEN: (_("The case goes back to 处理中 in progress, at the first step 听."),
                            _("&Why re-open"), _("Re-&open")),
        }
        if action in reasons:
            intro, label, ok = reasons[action]
            dialog = dialogs.reason_dialog(self, f"{action.value}Dialog", action.label, intro, label, ok)
            return self._open(dialog, lambda a: backend.call(actor, wf.perform, cid, a.version, action,
                                                             a.text("reason")))
        intros = {
            Action.START: _("Handling starts at the first step, 听 listen."),
            Action.RESPOND: _("Record that the decision was communicated to the customer: the statutory clock "
                              "stops. Issue the decision letter."),
            Action.AWAIT_CALLBACK: _("The case waits for the callback (回访) to the customer."),
            Action.CLOSE: _("Close the case (结案). Check the callback and the records first."),
        }
        dialog = dialogs.confirm_dialog(self, f"{action.value}Dialog", action.label, intros.get(action, ""),
                                        action.label)
        return self._open(dialog, lambda a: backend.call(actor, wf.perform, cid, a.version, action))

    def take_case(self) -> bool:
        """The signed-in handler takes this unassigned case (no dialog); the view then shows them as its handler.
        False when another call is under way."""
        if self.file is None or not self._may_take:
            return False
        backend, actor, cid, version = self.ctx.backend, self.actor, self.complaint_id, self.version
        return self.apply(lambda: backend.call(actor, wf.take_case, cid, version))

    def _assign(self, *, reassign: bool) -> None:
        """Read the branch's active handlers, then open the assign dialog."""
        assert self.file is not None
        backend, actor, cid = self.ctx.backend, self.actor, self.complaint_id
        branch, owner = self.file.detail.branch_id, self.file.detail.owner_id

        def handlers() -> tuple[list[UserInfo], dict[uuid.UUID, HandlerLoad]]:
            users = [u for u in backend.read(list_users)
                     if u.branch_id == branch and u.active and has_permission(u.role, Permission.HANDLE_CASE)]
            return users, {load.user_id: load for load in backend.call(actor, handler_loads, branch)}

        def submit(a: Answers) -> object:
            chosen = a.data("owner")
            assert isinstance(chosen, uuid.UUID)
            return backend.call(actor, wf.assign, cid, a.version, chosen, a.text("note"))

        self._fetch(handlers, lambda found: self._open(
            dialogs.assign_dialog(self, found[0], owner, reassign=reassign, loads=found[1]), submit))

    def start_command(self, command: Command) -> ActionDialog | None:
        """Open the dialog of an event command (transfer, extension, pause…). Re-assigning, transferring and
        extending first read their choices in the background: their dialogs open later, and None is
        returned."""
        if self.file is None or self.busy:
            return None
        backend, actor, cid, tz = self.ctx.backend, self.actor, self.complaint_id, self.ctx.office_tz
        dialog: ActionDialog
        if command is Command.REASSIGN:
            self._assign(reassign=True)
            return None
        if command is Command.TRANSFER:
            def transfer(a: Answers) -> object:
                branch = a.data("branch")
                assert isinstance(branch, uuid.UUID)
                return backend.call(actor, wf.transfer, cid, a.version, branch, a.text("reason"))

            def targets() -> list[BranchChoice]:
                return backend.call(actor, wf.transfer_targets, cid)

            self._fetch(targets, lambda branches: self._open(dialogs.transfer_dialog(self, branches), transfer))
            return None
        if command is Command.ESCALATE:
            dialog = dialogs.reason_dialog(self, "escalateDialog", _("Escalate to a supervisor"),
                                           _("For special complaints and cases that need a supervisor's attention."),
                                           _("&Reason"), _("&Escalate"))
            return self._open(dialog, lambda a: backend.call(actor, wf.escalate, cid, a.version, a.text("reason")))
        if command is Command.EXTEND:  # a request: the branch manager approves 60 days from their overview
            return self._open(dialogs.extend_dialog(self, self.file.detail.complexity), lambda a: backend.call(
                actor, wf.extend, cid, a.version, Complexity(str(a.data("complexity"))), a.text("reason")))
        if command is Command.PAUSE:
            dialog = dialogs.pause_dialog(self, self.today())
            return self._open(dialog, lambda a: backend.call(actor, wf.pause, cid, a.version, a.text("reason"),
                                                             a.date("start")))
        if command is Command.RESUME:
            dialog = dialogs.resume_dialog(self, self.today())
            return self._open(dialog, lambda a: backend.call(actor, wf.resume, cid, a.version, a.date("end")))
        if command is Command.FIRST_CONTACT:
            dialog = dialogs.first_contact_dialog(self, datetime.now(UTC), tz)
            return self._open(dialog, lambda a: backend.call(actor, wf.record_first_contact, cid, a.version,
                                                             a.moment("at", tz), a.text("note")))
        dialog = dialogs.note_dialog(self)
        return self._open(dialog, lambda a: backend.call(actor, wf.add_note, cid, a.text("text")))

    # -- the six steps -----------------------------------------------------------------------------
    def save_record(self, stage: Stage, then: Callable[[], None] | None = None) -> bool:
        """Save the record of ``stage`` in the background; errors show inside the form, and ``then()``
        runs once it is saved. False when another call is under way (nothing is saved)."""
        if self.busy or self.file is None:
            return False
        form = self.stages.forms[stage]
        self.stages.clear_errors()
        values = form.values()
        backend, actor, cid, version = self.ctx.backend, self.actor, self.complaint_id, self.version

        def failed(exc: BaseException) -> None:
            if isinstance(exc, StaleVersionError):
                return  # the banner says it, over the reloaded case
            if isinstance(exc, UserError):
                self.stages.show_error(stage, str(exc))
            else:
                show_error(self, exc)

        return self.apply(lambda: backend.call(actor, handling.record_stage, cid, version, stage, values),
                          done=then, failed=failed)

    def move_to(self, target: Stage) -> None:
        """Go to ``target`` (the next step, or back). Unsaved records of the selected step and of the current
        step (which must be on record before leaving it) are saved first, one call after the other."""
        if self.busy or self.file is None:
            return
        stage = self.stages.selected()
        form = self.stages.forms[stage]
        current = self.file.detail.stage
        dirty = [s for s in dict.fromkeys(s for s in (stage, current) if s is not None)
                 if self.stages.forms[s].is_dirty()]
        backend, actor, cid = self.ctx.backend, self.actor, self.complaint_id

        def failed(exc: BaseException) -> None:
            if isinstance(exc, StaleVersionError):
                return
            if isinstance(exc, IllegalTransitionError):
                values = form.values()
                missing = {f.key for f in STAGE_FIELDS[stage] if f.required and not values.get(f.key)}
                self.stages.show_error(stage, str(exc), missing)
            elif isinstance(exc, UserError):
                self.stages.show_error(stage, str(exc))
            else:
                show_error(self, exc)

        def step() -> None:
            if dirty:
                self.save_record(dirty.pop(0), then=step)
                return
            self.stages.clear_errors()
            version = self.version
            self.apply(lambda: backend.call(actor, wf.move_stage, cid, version, target), failed=failed)

        step()

    def add_contact(self) -> ActionDialog | None:
        if self.busy:
            return None
        backend, actor, cid, tz = self.ctx.backend, self.actor, self.complaint_id, self.ctx.office_tz
        dialog = dialogs.contact_dialog(self, datetime.now(UTC), tz)
        return self._open(dialog, lambda a: backend.call(
            actor, handling.add_contact, cid, method=str(a.data("method")), summary=a.text("summary"),
            reaction=a.text("reaction"), at=a.moment("at", tz)))

    def propose_resolution(self) -> ActionDialog | None:
        if self.busy:
            return None
        backend, actor, cid = self.ctx.backend, self.actor, self.complaint_id
        types = [(label_for(item), item.code) for item in self._resolution_items]
        dialog = dialogs.propose_dialog(self, types)

        def submit(a: Answers) -> object:
            upheld = a.data("upheld")
            return backend.call(
                actor, handling.propose_resolution, cid, resolution_type=str(a.data("type")),
                amount=a.text("amount") or None, description=a.text("description"), basis=a.text("basis"),
                upheld=upheld if isinstance(upheld, bool) else None)

        return self._open(dialog, submit)

    def decide_resolution(self, approve: bool) -> ActionDialog | None:
        resolution = self.stages.resolution.current
        if resolution is None or self.busy:
            return None
        backend, actor = self.ctx.backend, self.actor
        limit: Decimal | None = dialogs.approval_limit(self.actor.role)
        dialog = dialogs.decide_dialog(self, resolution, self.stages.resolution.type_name(resolution.resolution_type),
                                       approve, limit)
        return self._open(dialog, lambda a: backend.call(
            actor, handling.decide_resolution, resolution.id, resolution.version, approve=approve,
            reason="" if approve else a.text("reason")))

    def customer_decision(self, accepted: bool) -> ActionDialog | None:
        resolution = self.stages.resolution.current
        if resolution is None or self.busy:
            return None
        backend, actor = self.ctx.backend, self.actor
        dialog = dialogs.customer_decision_dialog(
            self, resolution, self.stages.resolution.type_name(resolution.resolution_type), accepted)
        return self._open(dialog, lambda a: backend.call(
            actor, handling.record_customer_decision, resolution.id, accepted, a.text("note")))

    def record_callback(self) -> ActionDialog | None:
        if self.busy:
            return None
        backend, actor, cid, tz = self.ctx.backend, self.actor, self.complaint_id, self.ctx.office_tz
        dialog = dialogs.callback_dialog(self, datetime.now(UTC), tz)

        def submit(a: Answers) -> object:
            reached = a.checked("reached")
            return backend.call(
                actor, handling.record_callback, cid, method=str(a.data("method")), reached=reached,
                satisfaction=a.number("satisfaction") if reached else None, note=a.text("note"),
                at=a.moment("at", tz))

        return self._open(dialog, submit)
