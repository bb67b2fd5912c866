"""The lifecycle state machine and the six handling steps, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desk_app.domain.enums import Severity, Stage, Status
from desk_app.domain.workflow import (
    TRANSITIONS,
    Action,
    allowed_actions,
    check_stage_move,
    check_transition,
    deliberation_required,
)
from desk_app.errors import IllegalTransitionError


@pytest.mark.parametrize(("status", "action", "target"), [
    (Status.REGISTERED, Action.ASSIGN, Status.ASSIGNED),
    (Status.ASSIGNED, Action.START, Status.IN_PROGRESS),
    (Status.RESPONDED, Action.AWAIT_CALLBACK, Status.AWAITING_CALLBACK),
    (Status.AWAITING_CALLBACK, Action.CLOSE, Status.CLOSED),
])
def test_happy_path_transitions(status: Status, action: Action, target: Status) -> None:
    assert check_transition(status, action) is target


def test_respond_needs_negotiate_or_act_stage() -> None:
    with pytest.raises(IllegalTransitionError, match="negotiate"):
        check_transition(Status.IN_PROGRESS, Action.RESPOND, Stage.INVESTIGATE)
    assert check_transition(Status.IN_PROGRESS, Action.RESPOND, Stage.ACT) is Status.RESPONDED


@pytest.mark.parametrize("action", [Action.REFUSE, Action.WITHDRAW, Action.REOPEN, Action.APPLY_REVIEW])
def test_actions_that_need_a_reason(action: Action) -> None:
    source = next(iter(TRANSITIONS[action].sources))
    with pytest.raises(IllegalTransitionError, match="needs a reason"):
        check_transition(source, action, reason="  ")
    assert check_transition(source, action, reason="客户书面申请") is TRANSITIONS[action].target


def test_illegal_transition_names_state_and_possible_actions() -> None:
    with pytest.raises(IllegalTransitionError) as err:
        check_transition(Status.CLOSED, Action.START)
    message = str(err.value)
    assert "Closed" in message and "Re-open" in message and "Customer applies for review" in message


def test_finished_cases_allow_only_review_or_reopen() -> None:
    assert set(allowed_actions(Status.CLOSED)) == {Action.APPLY_REVIEW, Action.REOPEN}
    assert allowed_actions(Status.REFUSED) == []
    assert allowed_actions(Status.WITHDRAWN) == []


def test_review_and_reopen_cycle() -> None:
    assert check_transition(Status.CLOSED, Action.APPLY_REVIEW, reason="核查申请") is Status.UNDER_REVIEW
    assert check_transition(Status.UNDER_REVIEW, Action.FINISH_REVIEW, reason="维持原决定") is Status.CLOSED
    assert check_transition(Status.UNDER_REVIEW, Action.REOPEN, reason="核查发现新事实") is Status.IN_PROGRESS


def test_withdraw_possible_from_every_open_state() -> None:
    for status in (Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESPONDED,
                   Status.AWAITING_CALLBACK, Status.UNDER_REVIEW):
        assert Action.WITHDRAW in allowed_actions(status)


def test_deliberation_required_by_severity_flags_or_amount() -> None:
    assert not deliberation_required(Severity.GENERAL, False, Decimal("9999.99"))
    assert deliberation_required(Severity.SERIOUS, False, None)
    assert deliberation_required(Severity.GENERAL, True, None)
    assert deliberation_required(Severity.GENERAL, False, Decimal("10000"))


def test_stage_moves_one_step_forward_and_any_back() -> None:
    check_stage_move(Stage.LISTEN, Stage.INVESTIGATE, deliberation_needed=False)
    check_stage_move(Stage.NEGOTIATE, Stage.LISTEN, deliberation_needed=False)
    with pytest.raises(IllegalTransitionError, match="next step"):
        check_stage_move(Stage.LISTEN, Stage.ANALYSE, deliberation_needed=False)


def test_deliberation_may_be_skipped_only_when_not_required() -> None:
    check_stage_move(Stage.INVESTIGATE, Stage.ANALYSE, deliberation_needed=False)
    with pytest.raises(IllegalTransitionError, match="deliberation"):
        check_stage_move(Stage.INVESTIGATE, Stage.ANALYSE, deliberation_needed=True)
    check_stage_move(Stage.INVESTIGATE, Stage.DELIBERATE, deliberation_needed=True)


def test_stages_only_inside_in_progress() -> None:
    with pytest.raises(IllegalTransitionError):
        check_stage_move(None, Stage.INVESTIGATE, deliberation_needed=False)
