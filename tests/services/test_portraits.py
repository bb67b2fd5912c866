"""Portrait versions on a real database: who and when, the timeline, stale saves, the trend."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk_app.db.models import Portrait
from desk_app.db.uow import Database
from desk_app.domain.enums import PsychType
from desk_app.domain.portrait import Dimension, PortraitInput
from desk_app.domain.workflow import Action
from desk_app.errors import IllegalTransitionError, PermissionDeniedError, StaleVersionError, ValidationError
from desk_app.services import case_workflow as wf
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import CustomerDraft
from desk_app.services.portraits import latest_portrait_info, portrait_history, save_portrait, trend
from desk_app.services.timeline import list_events
from tests.support.staff import Staff, draft


def rating(emotion: int = 4, risk: int = 2, **overrides: object) -> PortraitInput:
    values: dict[str, object] = dict(emotion=emotion, risk=risk, responsibility=3, rationality=3, demand=3,
                                     personality=2)
    values.update(overrides)
    return PortraitInput(**values)  # type: ignore[arg-type]


def test_every_save_is_a_new_version_with_who_and_when(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    first = save_portrait(database, staff.clerk, case.id, rating(
        notes={"emotion": "拍桌子，声音很大"}, primary_type=PsychType.VENTING), based_on=0)
    assert (first.version_no, first.created_by, first.case_number) == (1, "Clerk", case.case_number)
    assert first.rating(Dimension.EMOTION) == 4 and first.notes == {"emotion": "拍桌子，声音很大"}
    second = save_portrait(database, staff.handler, case.id, rating(
        emotion=2, risk=4, primary_type=PsychType.COMPENSATION, secondary_type=PsychType.RESPECT), based_on=1)
    assert (second.version_no, second.created_by) == (2, "Handler")
    assert second.created_at >= first.created_at and second.customer_id == case.customer.id
    history = portrait_history(database, staff.supervisor, case.id)
    assert [(p.version_no, p.created_by, p.rating(Dimension.EMOTION)) for p in history] == [
        (1, "Clerk", 4), (2, "Handler", 2)]
    assert history[1].types == (PsychType.COMPENSATION, PsychType.RESPECT)
    latest = latest_portrait_info(database, staff.clerk, case.id)
    assert latest is not None and latest.version_no == 2 and latest.as_input().risk == 4
    with database.unit_of_work() as session:
        events = [e for e in list_events(session, case.id) if e.kind == "portrait_saved"]
    assert [e.actor_name for e in events] == ["Clerk", "Handler"]
    assert events[1].payload["changes"] == {"emotion": [4, 2], "risk": [2, 4]}
    assert events[1].payload["escalation_suggested"] is True and events[1].payload["types_changed"] is True


def test_bad_input_and_stale_saves_change_nothing(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    with pytest.raises(ValidationError, match="Rate Demand from 1 to 5"):
        save_portrait(database, staff.clerk, case.id, rating(demand=6))
    save_portrait(database, staff.clerk, case.id, rating(), based_on=0)
    with pytest.raises(StaleVersionError, match=r"re-rated by Clerk at .* since you opened it"):
        save_portrait(database, staff.handler, case.id, rating(emotion=5), based_on=0)
    with pytest.raises(PermissionDeniedError):
        save_portrait(database, staff.other_branch_clerk, case.id, rating())
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Portrait)) == 1
    assert len(get_complaint(database, staff.clerk, case.id).events) == 2   # registered, one portrait


def test_roles_and_finished_cases(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    with pytest.raises(PermissionDeniedError, match="may not do this"):
        save_portrait(database, staff.admin, case.id, rating())
    wf.perform(database, staff.clerk, case.id, case.version, Action.WITHDRAW, "客户撤回")
    with pytest.raises(IllegalTransitionError, match="can no longer be changed"):
        save_portrait(database, staff.clerk, case.id, rating())
    assert portrait_history(database, staff.clerk, case.id) == []


def test_trend_covers_this_case_and_the_customers_earlier_cases(database: Database, staff: Staff) -> None:
    earlier = register_complaint(database, staff.clerk, draft())
    save_portrait(database, staff.clerk, earlier.id, rating(emotion=5, risk=3))
    current = register_complaint(database, staff.clerk, draft(customer=None, customer_id=earlier.customer.id))
    assert current.customer.id == earlier.customer.id
    save_portrait(database, staff.clerk, current.id, rating(emotion=4, risk=4))
    save_portrait(database, staff.handler, current.id, rating(emotion=2, risk=2))
    other = register_complaint(database, staff.clerk, draft(customer=CustomerDraft(name="李雷", phone="13900001111")))
    save_portrait(database, staff.clerk, other.id, rating(emotion=1, risk=1))

    points = trend(database, staff.handler, current.customer.id)
    assert [(p.case_number, p.version_no, p.emotion, p.risk) for p in points] == [
        (earlier.case_number, 1, 5, 3), (current.case_number, 1, 4, 4), (current.case_number, 2, 2, 2)]
    only_earlier = trend(database, staff.handler, current.customer.id, complaint_id=earlier.id)
    assert [p.case_number for p in only_earlier] == [earlier.case_number]
    assert trend(database, staff.other_branch_clerk, current.customer.id) == []   # another branch's cases
