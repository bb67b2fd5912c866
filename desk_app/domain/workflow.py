"""The case lifecycle: states, actions and the published transition table.

The lifecycle (DESIGN.md, settled decisions)::

    action          from                                               to
    assign          registered                                         assigned
    refuse          registered, assigned                               refused        (不予受理; grounds required)
    start           assigned                                           in_progress    (stage 听 listen)
    respond         in_progress (stage 谈 negotiate or 行 act)         responded      (decision communicated)
    await_callback  responded                                          awaiting_callback
    close           awaiting_callback                                  closed
    withdraw        registered … awaiting_callback, under_review       withdrawn      (ends the day received)
    apply_review    responded, awaiting_callback, closed               under_review   (customer applies for 核查)
    finish_review   under_review                                       closed
    reopen          responded, awaiting_callback, closed, under_review in_progress

The six handling steps 听 查 议 析 谈 行 are stages inside ``in_progress``. 议 (deliberation) is required
only when severity, special flags or the claimed amount call for it; otherwise it may be skipped.
Pause, extension, escalation and transfer are events with flags on the case, never states.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from desk_app.domain.enums import Severity, Stage, Status
from desk_app.errors import IllegalTransitionError
from desk_app.i18n import N_, _


class Action(StrEnum):
    ASSIGN = "assign"
    REFUSE = "refuse"
    START = "start"
    RESPOND = "respond"
    AWAIT_CALLBACK = "await_callback"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    APPLY_REVIEW = "apply_review"
    FINISH_REVIEW = "finish_review"
    REOPEN = "reopen"

    @property
    def label(self) -> str:
        return _(_ACTION_LABELS[self])


_ACTION_LABELS: dict[Action, str] = {
    Action.ASSIGN: N_("Assign"),
    Action.REFUSE: N_("Refuse to accept"),
    Action.START: N_("Start handling"),
    Action.RESPOND: N_("Record the response"),
    Action.AWAIT_CALLBACK: N_("Wait for callback"),
    Action.CLOSE: N_("Close the case"),
    Action.WITHDRAW: N_("Record withdrawal"),
    Action.APPLY_REVIEW: N_("Customer applies for review"),
    Action.FINISH_REVIEW: N_("Finish the review"),
    Action.REOPEN: N_("Re-open"),
}


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status
    needs_reason: bool = False


OPEN_BEFORE_RESPONSE = frozenset({Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS})

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.ASSIGN, frozenset({Status.REGISTERED}), Status.ASSIGNED),
        Transition(Action.REFUSE, frozenset({Status.REGISTERED, Status.ASSIGNED}), Status.REFUSED, True),
        Transition(Action.START, frozenset({Status.ASSIGNED}), Status.IN_PROGRESS),
        Transition(Action.RESPOND, frozenset({Status.IN_PROGRESS}), Status.RESPONDED),
        Transition(Action.AWAIT_CALLBACK, frozenset({Status.RESPONDED}), Status.AWAITING_CALLBACK),
        Transition(Action.CLOSE, frozenset({Status.AWAITING_CALLBACK}), Status.CLOSED),
        Transition(
            Action.WITHDRAW,
            OPEN_BEFORE_RESPONSE | {Status.RESPONDED, Status.AWAITING_CALLBACK, Status.UNDER_REVIEW},
            Status.WITHDRAWN,
            True,
        ),
        Transition(Action.APPLY_REVIEW, frozenset({Status.RESPONDED, Status.AWAITING_CALLBACK, Status.CLOSED}),
                   Status.UNDER_REVIEW, True),
        Transition(Action.FINISH_REVIEW, frozenset({Status.UNDER_REVIEW}), Status.CLOSED, True),
        Transition(
            Action.REOPEN,
            frozenset({Status.RESPONDED, Status.AWAITING_CALLBACK, Status.CLOSED, Status.UNDER_REVIEW}),
            Status.IN_PROGRESS,
            True,
        ),
    )
}

#: States in which the statutory clock no longer runs.
STOPPED_STATES = frozenset({Status.RESPONDED, Status.AWAITING_CALLBACK, Status.CLOSED, Status.REFUSED,
                            Status.WITHDRAWN, Status.MERGED})
#: States that count as finished for lists and reports. A merged duplicate (Status.MERGED) is finished and
#: has no action: its main case carries the complaint on (desk_app.services.case_links).
FINISHED_STATES = frozenset({Status.CLOSED, Status.REFUSED, Status.WITHDRAWN, Status.MERGED})

STAGE_ORDER: tuple[Stage, ...] = (Stage.LISTEN, Stage.INVESTIGATE, Stage.DELIBERATE, Stage.ANALYSE,
                                  Stage.NEGOTIATE, Stage.ACT)
STAGE_CHARS: dict[Stage, str] = {Stage.LISTEN: "听", Stage.INVESTIGATE: "查", Stage.DELIBERATE: "议",
                                 Stage.ANALYSE: "析", Stage.NEGOTIATE: "谈", Stage.ACT: "行"}
#: Stages from which the response may be recorded.
RESPONSE_STAGES = frozenset({Stage.NEGOTIATE, Stage.ACT})

DELIBERATION_AMOUNT_THRESHOLD = Decimal("10000")


def allowed_actions(status: Status) -> list[Action]:
    return [action for action, t in TRANSITIONS.items() if status in t.sources]


def check_transition(status: Status, action: Action, stage: Stage | None = None,
                     reason: str = "") -> Status:
    """Return the target state of ``action`` from ``status``; raise IllegalTransitionError if not allowed."""
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise IllegalTransitionError(
            _("'{action}' is not possible for a case that is '{status}'. Possible now: {allowed}.").format(
                action=action.label, status=status.label,
                allowed=", ".join(a.label for a in allowed_actions(status)) or _("nothing"))
        )
    if transition.needs_reason and not reason.strip():
        raise IllegalTransitionError(_("'{action}' needs a reason.").format(action=action.label))
    if action is Action.RESPOND and stage not in RESPONSE_STAGES:
        raise IllegalTransitionError(
            _("The response can be recorded only at the negotiate (谈) or act (行) step; "
              "the case is at '{stage}'.").format(stage=stage.label if stage else _("no step")))
    return transition.target


def deliberation_required(severity: Severity, any_special_flag: bool, claimed_amount: Decimal | None,
                          threshold: Decimal = DELIBERATION_AMOUNT_THRESHOLD) -> bool:
    """议 is required for serious/critical cases, special complaints and large claims."""
    return (severity is not Severity.GENERAL or any_special_flag
            or (claimed_amount is not None and claimed_amount >= threshold))


def check_stage_move(current: Stage | None, target: Stage, deliberation_needed: bool) -> None:
    """Moving forward goes one step at a time (议 may be skipped when not required); going back to
    an earlier step for rework is always allowed."""
    if current is None:
        raise IllegalTransitionError(_("The handling steps start when the case is in progress."))
    cur, tgt = STAGE_ORDER.index(current), STAGE_ORDER.index(target)
    if tgt <= cur:
        return
    if target is Stage.ANALYSE and current is Stage.INVESTIGATE and deliberation_needed:
        raise IllegalTransitionError(_("This case needs a recorded deliberation (议) before analysis."))
    next_steps = [STAGE_ORDER[cur + 1]] if cur + 1 < len(STAGE_ORDER) else []
    if next_steps and next_steps[0] is Stage.DELIBERATE and not deliberation_needed:
        next_steps.append(Stage.ANALYSE)
    if target not in next_steps:
        raise IllegalTransitionError(
            _("The case is at step '{current}'; the next step is '{next}', not '{target}'.").format(
                current=current.label, next=" / ".join(s.label for s in next_steps) or "-",
                target=target.label))
