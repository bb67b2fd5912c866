"""Practice drills through the service API: a whole scenario played step by step and its debrief score, a
careless play scoring lower, and the practice database kept apart from the real one.

The expected scores and moods are worked out here from the scenario file's data and the rules written in
``desk_app.domain.drill`` (calming move +1, inflaming −1, type +2, demand +2; mood ±1 per move, within 1–5),
not by calling the scorer."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk_app.db.models import PracticeDrill, PracticeDrillStep
from desk_app.db.uow import Database
from desk_app.domain.drill_scenario import STAGES, Effect, scenario_by_key
from desk_app.domain.enums import PsychType, Stage
from desk_app.errors import NotFoundError, ValidationError
from desk_app.services.drills import drill_debrief, drill_history, finish_drill, play_step, start_drill
from desk_app.services.practice import (
    NotAPracticeDatabaseError,
    claim_for_practice,
    open_practice_database,
    practice_trainee,
)
from tests.db_digest import database_digest
from tests.support.staff import make_staff

SCENARIO = "insurer_surrender_compensation_litigation"
TRAINEE = practice_trainee("学员甲")


@pytest.fixture
def practice(database: Database) -> Database:
    claim_for_practice(database)
    return database


def _count(db: Database, model: type) -> int:
    with db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_good_play_end_to_end(practice: Database) -> None:
    scenario = scenario_by_key(SCENARIO)
    state = start_drill(practice, TRAINEE, SCENARIO)
    assert (state.next_stage, state.mood, state.last) == (Stage.LISTEN, scenario.persona.portrait["emotion"], None)
    mood = scenario.persona.portrait["emotion"]
    calm_total = 0
    for stage in STAGES:
        calm = [m.move for m in scenario.step(stage).moves if m.effect is Effect.CALM]
        calm_total += len(calm)
        state = play_step(practice, TRAINEE, state.drill_id, calm)
        mood = max(1, mood - len(calm))
        assert state.last is not None and state.last.stage is stage
        assert state.mood == mood
        said = {r.zh for r in state.last.reactions}
        assert said == {m.reaction.zh for m in scenario.step(stage).moves if m.effect is Effect.CALM}
    assert state.next_stage is None and state.mood == 1
    real = next(d.key for d in scenario.demands if d.real)
    result = finish_drill(practice, TRAINEE, state.drill_id, PsychType.COMPENSATION, real)
    assert result.score == result.max_score == calm_total + 2 + 2 == 16
    assert result.type_found and result.demand_found and result.final_mood == 1
    assert all(not s.missed and not s.inflamed for s in result.steps)
    assert all(s.lesson.zh in s.text() for s in result.steps)  # no English lesson: it falls back to Chinese
    assert [r.score for r in drill_history(practice, TRAINEE)] == [16]
    assert drill_debrief(practice, TRAINEE, state.drill_id).score == 16
    assert _count(practice, PracticeDrillStep) == 6


def test_a_careless_play_scores_lower_and_angers_the_customer(practice: Database) -> None:
    scenario = scenario_by_key(SCENARIO)
    state = start_drill(practice, TRAINEE, SCENARIO)
    mood = scenario.persona.portrait["emotion"]
    expected = 0
    for stage in STAGES:
        script = scenario.step(stage)
        inflame = [m.move for m in script.moves if m.effect is Effect.INFLAME]
        first_calm = next(m.move for m in script.moves if m.effect is Effect.CALM)
        # a move no script names at this step leaves the customer unmoved
        state = play_step(practice, TRAINEE, state.drill_id, [*inflame, first_calm, "lscpa.share"])
        expected += 1 - len(inflame)
        mood = min(5, max(1, mood + len(inflame) - 1))
        assert state.mood == mood
    real = next(d.key for d in scenario.demands if d.real)
    wrong_demand = next(d.key for d in scenario.demands if not d.real)
    careless = finish_drill(practice, TRAINEE, state.drill_id, PsychType.REVENGE, wrong_demand)
    assert careless.score == max(0, expected) == 0
    assert not careless.type_found and not careless.demand_found
    listen = scenario.step(Stage.LISTEN)
    calm_at_listen = tuple(m.move for m in listen.moves if m.effect is Effect.CALM)
    assert careless.steps[0].inflamed == ("pitfall.deny_first",)
    assert careless.steps[0].calmed == calm_at_listen[:1] and careless.steps[0].missed == calm_at_listen[1:]

    # a second try: every calming move, the real demand, the wrong type: two points below the best
    state = start_drill(practice, TRAINEE, SCENARIO)
    for stage in STAGES:
        state = play_step(practice, TRAINEE, state.drill_id,
                          [m.move for m in scenario.step(stage).moves if m.effect is Effect.CALM])
    second = finish_drill(practice, TRAINEE, state.drill_id, PsychType.FAIRNESS, real)
    assert second.score == second.max_score - 2
    assert careless.score < second.score < second.max_score
    assert [r.score for r in drill_history(practice, TRAINEE)] == [second.score, careless.score]


def test_plays_out_of_turn_are_refused(practice: Database) -> None:
    state = start_drill(practice, TRAINEE, SCENARIO)
    with pytest.raises(ValidationError, match="not offered at the step"):
        play_step(practice, TRAINEE, state.drill_id, ["extreme_value.anchor_reasonable"])  # a negotiate move
    with pytest.raises(ValidationError, match="Play all six steps"):
        finish_drill(practice, TRAINEE, state.drill_id, PsychType.VENTING, None)
    with pytest.raises(NotFoundError):
        play_step(practice, practice_trainee("学员乙"), state.drill_id, [])
    for _stage in STAGES:
        state = play_step(practice, TRAINEE, state.drill_id, [])
    with pytest.raises(ValidationError, match="all six have been played"):
        play_step(practice, TRAINEE, state.drill_id, [])
    finish_drill(practice, TRAINEE, state.drill_id, None, None)
    with pytest.raises(ValidationError, match="finished"):
        finish_drill(practice, TRAINEE, state.drill_id, None, None)
    assert _count(practice, PracticeDrillStep) == 6  # the refused plays wrote nothing


def test_a_drill_on_the_real_database_is_refused_and_writes_nothing(database: Database) -> None:
    staff = make_staff(database)
    before = database_digest(database)
    with pytest.raises(NotAPracticeDatabaseError):
        start_drill(database, staff.clerk, SCENARIO)
    with pytest.raises(NotAPracticeDatabaseError):
        claim_for_practice(database)
    assert database_digest(database) == before


def test_practice_runs_on_its_own_file_and_the_real_database_is_untouched(database: Database,
                                                                           tmp_path: Path) -> None:
    staff = make_staff(database)
    before = database_digest(database)
    practice, revision = open_practice_database(tmp_path / "practice.sqlite3", real_url=str(database.engine.url))
    try:
        assert revision is not None
        state = start_drill(practice, staff.clerk, SCENARIO)
        for _stage in STAGES:
            state = play_step(practice, staff.clerk, state.drill_id, [])
        finish_drill(practice, staff.clerk, state.drill_id, PsychType.COMPENSATION, None)
        assert _count(practice, PracticeDrill) == 1
    finally:
        practice.dispose()
    assert database_digest(database) == before
    assert _count(database, PracticeDrill) == 0
    again, _revision = open_practice_database(tmp_path / "practice.sqlite3")  # opened again: kept, still practice
    try:
        assert [r.scenario_key for r in drill_history(again, staff.clerk)] == [SCENARIO]
    finally:
        again.dispose()


def test_the_practice_file_cannot_be_the_real_one(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    with pytest.raises(NotAPracticeDatabaseError, match="cannot be the real database"):
        open_practice_database(path, real_url=f"sqlite:///{path}")
    assert not path.exists()
