"""Practice drills as use cases: start a drill on a scenario, play its six steps one by one, finish it with
the trainee's judgement of the type and the real demand, and read the debrief and the trainee's history.

Each call is one unit of work on the practice database (``desk_app.services.practice``); every call checks
the database's practice mark first. The drill's state is its stored steps: each call replays them through
the engine (``desk_app.domain.drill``), so nothing lives between calls but the rows. These calls are not in
the desk server's registry: drills never run on the real, shared database.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import PracticeDrill, PracticeDrillStep
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.drill import Debrief, StepReaction, debrief, replay
from desk_app.domain.drill_scenario import STAGES, Scenario, scenario_by_key
from desk_app.domain.enums import PsychType, SpecialFlag, Stage
from desk_app.errors import NotFoundError, ValidationError
from desk_app.i18n import _
from desk_app.services.practice import require_practice


@dataclass(frozen=True)
class DrillState:
    """Where a drill stands: the step to play next (None once all six are played), the customer's mood and
    the reaction to the last step played."""

    drill_id: uuid.UUID
    scenario_key: str
    next_stage: Stage | None
    mood: int
    last: StepReaction | None
    finished: bool


@dataclass(frozen=True)
class DrillRecord:
    """A finished drill in the trainee's history."""

    drill_id: uuid.UUID
    scenario_key: str
    finished_at: datetime
    score: int
    max_score: int


def filter_scenarios(scenarios: Sequence[Scenario], psych_type: PsychType | None = None,
                     flag: SpecialFlag | None = None, *, ordinary_only: bool = False) -> list[Scenario]:
    """The scenarios whose persona has ``psych_type`` (primary) and which carry ``flag``; ``ordinary_only``:
    those without any special kind."""
    return [s for s in scenarios
            if (psych_type is None or s.persona.psych_type is psych_type)
            and (flag is None or flag in s.flags)
            and not (ordinary_only and s.flags)]


def _drill(session: Session, actor: Actor, drill_id: uuid.UUID) -> PracticeDrill:
    drill = session.get(PracticeDrill, drill_id)
    if drill is None or drill.trainee_id != actor.user_id:
        raise NotFoundError(_("This drill does not exist (or is someone else's)."))
    return drill


def _plays(session: Session, drill: PracticeDrill) -> list[list[str]]:
    steps = session.scalars(select(PracticeDrillStep).where(PracticeDrillStep.drill_id == drill.id)
                            .order_by(PracticeDrillStep.position)).all()
    return [list(s.moves) for s in steps]


def _state(drill: PracticeDrill, scenario: Scenario, reactions: list[StepReaction]) -> DrillState:
    played = len(reactions)
    mood = reactions[-1].mood_after if reactions else scenario.start_mood
    return DrillState(drill.id, drill.scenario_key, STAGES[played] if played < len(STAGES) else None, mood,
                      reactions[-1] if reactions else None, drill.finished_at is not None)


def start_drill(db: Database, actor: Actor, scenario_key: str) -> DrillState:
    scenario = scenario_by_key(scenario_key)
    with db.unit_of_work() as session:
        require_practice(session)
        drill = PracticeDrill(id=uuid.uuid4(), scenario_key=scenario.key, scenario_version=scenario.version,
                              trainee_id=actor.user_id, trainee_name=actor.display_name[:100])
        session.add(drill)
        session.flush()
        return _state(drill, scenario, [])


def drill_state(db: Database, actor: Actor, drill_id: uuid.UUID) -> DrillState:
    with db.unit_of_work() as session:
        require_practice(session)
        drill = _drill(session, actor, drill_id)
        scenario = scenario_by_key(drill.scenario_key)
        return _state(drill, scenario, replay(scenario, _plays(session, drill)))


def play_step(db: Database, actor: Actor, drill_id: uuid.UUID, moves: Sequence[str]) -> DrillState:
    """Play the next step with ``moves`` (move keys offered at that step); the customer reacts."""
    with db.unit_of_work() as session:
        require_practice(session)
        drill = _drill(session, actor, drill_id)
        if drill.finished_at is not None:
            raise ValidationError(_("This drill is finished; start a new one to play again."))
        scenario = scenario_by_key(drill.scenario_key)
        plays = _plays(session, drill)
        if len(plays) >= len(STAGES):
            raise ValidationError(_("A drill has six steps; all six have been played."))
        reactions = replay(scenario, [*plays, list(moves)])
        last = reactions[-1]
        session.add(PracticeDrillStep(drill_id=drill.id, position=len(plays) + 1, stage=last.stage.value,
                                      moves=list(last.picked), mood_after=last.mood_after))
        return _state(drill, scenario, reactions)


def finish_drill(db: Database, actor: Actor, drill_id: uuid.UUID, type_guess: PsychType | None,
                 demand_guess: str | None) -> Debrief:
    """Record the trainee's judgement and the score; the debrief. Only after all six steps, and once."""
    with db.unit_of_work() as session:
        require_practice(session)
        drill = _drill(session, actor, drill_id)
        if drill.finished_at is not None:
            raise ValidationError(_("This drill is finished already."))
        scenario = scenario_by_key(drill.scenario_key)
        result = debrief(scenario, _plays(session, drill), type_guess, demand_guess)
        drill.finished_at = utcnow()
        drill.type_guess = type_guess.value if type_guess else None
        drill.demand_guess = demand_guess
        drill.score, drill.max_score, drill.final_mood = result.score, result.max_score, result.final_mood
        return result


def drill_debrief(db: Database, actor: Actor, drill_id: uuid.UUID) -> Debrief:
    """The debrief of a finished drill, read again."""
    with db.unit_of_work() as session:
        require_practice(session)
        drill = _drill(session, actor, drill_id)
        if drill.finished_at is None:
            raise ValidationError(_("Finish the drill to see its debrief."))
        scenario = scenario_by_key(drill.scenario_key)
        guess = PsychType(drill.type_guess) if drill.type_guess else None
        return debrief(scenario, _plays(session, drill), guess, drill.demand_guess)


def drill_history(db: Database, actor: Actor) -> list[DrillRecord]:
    """The trainee's finished drills, newest first."""
    with db.unit_of_work() as session:
        require_practice(session)
        rows = session.scalars(select(PracticeDrill).where(
            PracticeDrill.trainee_id == actor.user_id, PracticeDrill.finished_at.is_not(None))
            .order_by(PracticeDrill.finished_at.desc())).all()
        return [DrillRecord(r.id, r.scenario_key, r.finished_at, r.score or 0, r.max_score or 0)
                for r in rows if r.finished_at is not None]
