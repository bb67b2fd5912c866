"""Quality inspection (issue 18.5): a reproducible monthly sample of each handler's closed cases (never an open
one), scored on the scorecard's criteria and weights with a comment, and the handler sees the result."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from desk_app.db.models import Complaint
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.errors import PermissionDeniedError, StaleVersionError, ValidationError
from desk_app.services import quality
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff, draft

CLOSED_AT = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai, November


def _handler(db: Database, staff: Staff, login: str) -> Actor:
    create_user(db, staff.admin, username=login, display_name=login.title(), password=PASSWORD, role=Role.HANDLER,
                branch_id=staff.admin.branch_id, must_change_password=False)
    return authenticate(db, login, PASSWORD)


def _cases(db: Database, staff: Staff, owner: Actor, n: int, status: str = "closed",
           closed_at: datetime | None = CLOSED_AT) -> list[uuid.UUID]:
    ids = [register_complaint(db, staff.clerk, draft()).id for _i in range(n)]
    with db.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id.in_(ids)).values(
            status=status, owner_id=owner.user_id, closed_at=closed_at))
    return ids


def test_the_sample_is_reproducible_per_handler_and_never_open(database: Database, staff: Staff) -> None:
    other = _handler(database, staff, "handler2")
    mine = _cases(database, staff, staff.handler, 6)
    theirs = _cases(database, staff, other, 2)
    open_ones = _cases(database, staff, staff.handler, 4, status="in_progress", closed_at=None)
    responded = _cases(database, staff, staff.handler, 2, status="responded")  # answered, not closed
    december = _cases(database, staff, staff.handler, 2, closed_at=datetime(2026, 11, 30, 16, 30, tzinfo=UTC))

    drawn = quality.draw_sample(database, staff.supervisor, "2026-11", 3, seed=42)
    by_handler = {h: {s.complaint_id for s in drawn if s.handler_id == h}
                  for h in (staff.handler.user_id, other.user_id)}
    assert len(by_handler[staff.handler.user_id]) == 3 and by_handler[staff.handler.user_id] <= set(mine)
    assert by_handler[other.user_id] == set(theirs)  # fewer than the size: all of them
    assert not {s.complaint_id for s in drawn} & set(open_ones + responded + december)
    assert all(s.total is None and s.month == "2026-11" for s in drawn)
    # drawing again keeps the month's sample
    assert quality.draw_sample(database, staff.manager, "2026-11", 5, seed=1) == drawn

    # the same seed draws the same cases on another database state; another seed (almost surely) not
    with database.unit_of_work() as session:
        from desk_app.db.models.quality import QualitySample

        session.query(QualitySample).delete()
    again = quality.draw_sample(database, staff.supervisor, "2026-11", 3, seed=42)
    assert {s.complaint_id for s in again} == {s.complaint_id for s in drawn}
    choices = set()
    for seed in range(6):
        with database.unit_of_work() as session:
            session.query(QualitySample).delete()
        choices.add(frozenset(s.complaint_id for s in quality.draw_sample(database, staff.supervisor, "2026-11", 3,
                                                                           seed=seed)))
    assert len(choices) > 1  # the seed matters
    assert {s.complaint_id for s in quality.draw_sample(database, staff.supervisor, "2026-12", 3, seed=1)} == \
        set(december)  # 00:30 on 1 December in Shanghai


def test_scoring_with_the_scorecard_and_the_handler_sees_it(database: Database, staff: Staff) -> None:
    _cases(database, staff, staff.handler, 2)
    card = quality.load_scorecard()
    assert [c.code for c in card.criteria] == ["empathy", "deadline", "letter", "root_cause", "satisfied",
                                               "no_repeat"]
    first, second = quality.draw_sample(database, staff.supervisor, "2026-11", 2, seed=3)
    full = {c.code: c.weight for c in card.criteria}
    with pytest.raises(ValidationError, match="has no score"):
        quality.score_sample(database, staff.supervisor, first.id, first.version, {"empathy": 20})
    with pytest.raises(ValidationError, match="is scored from 0 to 20"):
        quality.score_sample(database, staff.supervisor, first.id, first.version, {**full, "empathy": 21})
    scores = {**full, "letter": 10, "no_repeat": 0}  # 100 - 10 - 10 of 100
    scored = quality.score_sample(database, staff.supervisor, first.id, first.version, scores, "答复函缺少救济途径")
    assert (scored.total, scored.comment, scored.inspector_name) == (80, "答复函缺少救济途径", "Supervisor")
    with pytest.raises(StaleVersionError):
        quality.score_sample(database, staff.manager, first.id, first.version, full)
    with pytest.raises(PermissionDeniedError):  # a handler does not inspect
        quality.score_sample(database, staff.handler, second.id, second.version, full)
    with pytest.raises(PermissionDeniedError):
        quality.list_samples(database, staff.other_branch_clerk, "2026-11")
    results = quality.my_results(database, staff.handler)
    assert [(r.case_number, r.total, r.comment, r.scores["letter"]) for r in results] == [
        (first.case_number, 80, "答复函缺少救济途径", 10)]
    assert quality.my_results(database, staff.supervisor) == []
    with pytest.raises(ValidationError):
        quality.draw_sample(database, staff.supervisor, "2026-13", 2, seed=3)
    with pytest.raises(ValidationError):
        quality.draw_sample(database, staff.supervisor, "2026-11", 0, seed=3)


def test_scores_appear_in_the_team_figures(database: Database, staff: Staff) -> None:
    """The mean inspected score of each handler for the months of the period, recomputed here."""
    from datetime import date

    from desk_app.services.team import team_figures

    other = _handler(database, staff, "handler2")
    _cases(database, staff, staff.handler, 3)
    _cases(database, staff, other, 2)
    card = quality.load_scorecard()
    full = {c.code: c.weight for c in card.criteria}
    drawn = quality.draw_sample(database, staff.supervisor, "2026-11", 2, seed=5)
    totals: dict[uuid.UUID, list[int]] = {}
    for i, sample in enumerate(drawn):
        scores = {**full, "letter": full["letter"] - 2 * i}
        scored = quality.score_sample(database, staff.supervisor, sample.id, sample.version, scores)
        assert scored.total is not None
        totals.setdefault(sample.handler_id, []).append(scored.total)
    figures = team_figures(database, staff.supervisor, date(2026, 11, 1), date(2026, 11, 30),
                           today=date(2026, 11, 30))
    rows = {row.user_id: row for row in figures.rows}
    for handler_id, got in totals.items():
        assert rows[handler_id].quality_score == sum(got) / len(got)
        assert rows[handler_id].quality_count == len(got)
    # outside the months of the period, nothing
    later = team_figures(database, staff.supervisor, date(2026, 12, 1), date(2026, 12, 31), today=date(2026, 12, 31))
    assert all(row.quality_score is None and row.quality_count == 0 for row in later.rows)
