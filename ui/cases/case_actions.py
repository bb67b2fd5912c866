"""The changes a case view makes: lifecycle actions, event commands, the six steps' records and moves,
contacts, resolutions and callbacks. Each opens its dialog (or none), runs one service call off the GUI
thread through ``apply`` and reloads the case; see ``ui.cases.case_view`` for the busy rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from desk_app.domain.actor import Actor
from desk_app.domain.enums import Complexity, Stage
from desk_app.domain.handling import STAGE_FIELDS
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.workflow import Action
from desk_app.errors import IllegalTransitionError, StaleVersionError, UserError
from desk_app.i18n import N_, _
from desk_app.services import case_workflow as wf
from desk_app.services import handling
from desk_app.services.accounts import UserInfo, list_users
from desk_app.services.case_workflow import BranchChoice, Command
from desk_app.services.handling import CaseFile
from desk_app.services.reference import ItemInfo, label_for
from desk_app.services.team import HandlerLoad, handler_loads
from ui.cases import action_dialogs as dialogs
from ui.cases import resolution_dialogs
from ui.cases.action_dialogs import ActionDialog, Answers
from ui.errors import show_error
from ui.tasks import run_call

if TYPE_CHECKING:
    from ui.cases.stage_panel import StagePanel
    from ui.checklists.panel import ChecklistPanel
    from ui.context import AppContext
    from ui.dialogs.common import InlineError

T = TypeVar("T")
#: A change a dialog asks for: runs in a worker thread with the dialog's answers.
Change = Callable[[Answers], object]


class CaseActions(QWidget):
    """What a case view does to its case; ``CaseView`` builds the widgets and shows the case."""

    sig_changed = Signal(object)  # uuid.UUID of the case, after every successful change

    if TYPE_CHECKING:  # built by CaseView
        ctx: AppContext
        actor: Actor
        complaint_id: uuid.UUID
        file: CaseFile | None
        busy: bool
        active_dialog: ActionDialog | None
        stages: StagePanel
        checklists: ChecklistPanel
        banner: InlineError
        _resolution_items: list[ItemInfo]
        _may_take: bool

        def today(self) -> date: ...
        def _set_busy(self, busy: bool, text: str = "") -> None: ...
        def _load(self, then: Callable[[bool], None]) -> None: ...
        def _point_to_checklists(self) -> None: ...

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
        dialog = resolution_dialogs.propose_dialog(self, types)

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
        limit: Decimal | None = resolution_dialogs.approval_limit(self.actor.role)
        type_name = self.stages.resolution.type_name(resolution.resolution_type)
        dialog = resolution_dialogs.decide_dialog(self, resolution, type_name, approve, limit)
        return self._open(dialog, lambda a: backend.call(
            actor, handling.decide_resolution, resolution.id, resolution.version, approve=approve,
            reason="" if approve else a.text("reason")))

    def customer_decision(self, accepted: bool) -> ActionDialog | None:
        resolution = self.stages.resolution.current
        if resolution is None or self.busy:
            return None
        backend, actor = self.ctx.backend, self.actor
        dialog = resolution_dialogs.customer_decision_dialog(
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

    def add_to_library(self) -> ActionDialog | None:
        """A closed case into the case library (案例库) with the lesson it teaches (``ui.library``)."""
        if self.file is None or self.busy:
            return None
        from desk_app.services import case_library  # the library's modules load on first use
        from ui.library.lesson_dialog import lesson_dialog

        backend, actor, cid = self.ctx.backend, self.actor, self.complaint_id
        return self._open(lesson_dialog(self), lambda a: backend.call(actor, case_library.mark_case, cid,
                                                                     a.text("lesson")))
