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
from datetime import date, datetime

from PySide6.QtCore import Qt, QTimer, Signal
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
from desk_app.domain.enums import Status
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.workflow import Action
from desk_app.errors import UserError
from desk_app.i18n import N_, _
from desk_app.services import case_workflow as wf
from desk_app.services import handling
from desk_app.services.case_workflow import Command
from desk_app.services.handling import CaseFile
from desk_app.services.reference import ItemInfo, label_for, list_items
from ui.cases.action_dialogs import ActionDialog, Answers
from ui.cases.case_actions import CaseActions
from ui.cases.case_header import CaseHeader
from ui.cases.stage_panel import Permissions, StagePanel
from ui.cases.timeline_widget import TimelineWidget
from ui.checklists.panel import ChecklistPanel
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.tasks import run_call

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


def _icon_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setFixedSize(18, 18)
    label.hide()
    return label


class CaseView(Retranslating, CaseHeader, CaseActions):
    """The detail page of one case (案件详情)."""

    sig_closed = Signal()
    sig_loaded = Signal()  # after the case has been read and shown
    sig_open_case = Signal(object)  # uuid.UUID of another case to open (a linked case)

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
        # panels add their own items to More actions (links, library): any visible item enables it
        self.more_button.setEnabled(idle and self._usable and any(i.isVisible() for i in self.more_menu.actions()))
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

    def update_more_button(self) -> None:
        """After a panel showed or hid its item in More actions."""
        self._update_enabled()

    def open_action_dialog(self, dialog: ActionDialog, change: Callable[[Answers], object]) -> ActionDialog:
        """Open an action dialog of a panel (links, library) as the view's own: its OK runs ``change`` off the
        GUI thread and the view reloads (``CaseActions._open``)."""
        return self._open(dialog, change)

    def offered_actions(self) -> list[Action]:
        return [a for a, b in self.action_buttons.items() if not b.isHidden()]

    def offered_commands(self) -> list[Command]:
        return [c for c, item in self.command_actions.items() if item.isVisible()]
