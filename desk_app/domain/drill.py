"""The drill engine: a trainee walks a scenario's six steps, picking moves at each; the scripted customer's
mood answers, and the debrief scores the play against the scenario.

The mood starts at the persona's emotion rating (1 calm … 5 out of control). At each step every scripted
calming move used lowers it by one and every inflaming move used raises it by one (kept within 1–5); a move
the scenario does not name at that step leaves the customer unmoved.

Score: +1 per calming move used, −1 per inflaming move used, +2 for the right psychological type, +2 for
the real demand; never below 0. The best score is the number of calming moves in the script plus 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desk_app.domain.drill_moves import describe_move, offered_moves
from desk_app.domain.drill_scenario import STAGES, Effect, Scenario, ScriptedMove
from desk_app.domain.enums import PsychType, Stage
from desk_app.domain.portrait import Bilingual
from desk_app.errors import ValidationError
from desk_app.i18n import _

CALM_POINTS = 1
INFLAME_PENALTY = 1
TYPE_POINTS = 2
DEMAND_POINTS = 2
MOOD_MIN, MOOD_MAX = 1, 5
MAX_MOVES_PER_STEP = 12


def clamp_mood(value: int) -> int:
    return max(MOOD_MIN, min(MOOD_MAX, value))


@dataclass(frozen=True)
class StepReaction:
    """What the customer did at one step: the scripted moves the trainee used and the mood before and after."""

    stage: Stage
    picked: tuple[str, ...]
    calmed: tuple[ScriptedMove, ...]
    inflamed: tuple[ScriptedMove, ...]
    no_effect: Bilingual
    mood_before: int
    mood_after: int

    @property
    def reactions(self) -> tuple[Bilingual, ...]:
        """The customer's answers, inflaming ones first (they weigh most); the neutral answer without any."""
        said = tuple(m.reaction for m in (*self.inflamed, *self.calmed))
        return said or (self.no_effect,)


def checked_moves(scenario: Scenario, stage: Stage, picked: Sequence[str]) -> tuple[str, ...]:
    """``picked`` without repeats, each one offered at ``stage``; otherwise a ValidationError."""
    offered = offered_moves(scenario, stage)
    unique = tuple(dict.fromkeys(picked))
    if len(unique) > MAX_MOVES_PER_STEP:
        raise ValidationError(_("Pick at most {n} moves at one step.").format(n=MAX_MOVES_PER_STEP))
    for key in unique:
        if key not in offered:
            raise ValidationError(_("The move {move} is not offered at the step {stage}.").format(
                move=key, stage=stage.label))
    return unique


def react(scenario: Scenario, stage: Stage, picked: Sequence[str], mood: int) -> StepReaction:
    moves = checked_moves(scenario, stage, picked)
    script = scenario.step(stage)
    used = [m for key in moves if (m := script.move(key)) is not None]
    calmed = tuple(m for m in used if m.effect is Effect.CALM)
    inflamed = tuple(m for m in used if m.effect is Effect.INFLAME)
    after = clamp_mood(mood + len(inflamed) - len(calmed))
    return StepReaction(stage, moves, calmed, inflamed, script.no_effect, mood, after)


def replay(scenario: Scenario, plays: Sequence[Sequence[str]]) -> list[StepReaction]:
    """The reactions to the moves picked at the first ``len(plays)`` steps, in order."""
    if len(plays) > len(STAGES):
        raise ValidationError(_("A drill has six steps; all six have been played."))
    reactions: list[StepReaction] = []
    mood = scenario.start_mood
    for stage, picked in zip(STAGES, plays, strict=False):
        reaction = react(scenario, stage, picked, mood)
        reactions.append(reaction)
        mood = reaction.mood_after
    return reactions


def max_score(scenario: Scenario) -> int:
    return sum(len(s.scripted(Effect.CALM)) for s in scenario.steps) * CALM_POINTS + TYPE_POINTS + DEMAND_POINTS


@dataclass(frozen=True)
class StepFeedback:
    stage: Stage
    picked: tuple[str, ...]
    calmed: tuple[str, ...]
    missed: tuple[str, ...]
    inflamed: tuple[str, ...]
    mood_after: int
    lesson: Bilingual

    def text(self) -> str:
        """The feedback for this step in the current language: what worked, what was missed, what hurt."""
        def names(keys: tuple[str, ...]) -> str:
            return "、".join(describe_move(k).text() for k in keys)

        parts: list[str] = []
        if self.calmed:
            parts.append(_("Calmed the customer: {moves}.").format(moves=names(self.calmed)))
        if self.inflamed:
            parts.append(_("Inflamed the customer: {moves}.").format(moves=names(self.inflamed)))
        if self.missed:
            parts.append(_("Missed: {moves}.").format(moves=names(self.missed)))
        if not self.calmed and not self.inflamed:
            parts.append(_("Nothing you did reached the customer at this step."))
        parts.append(_("Lesson: {lesson}").format(lesson=self.lesson.text()))
        return " ".join(parts)


@dataclass(frozen=True)
class Debrief:
    scenario_key: str
    score: int
    max_score: int
    start_mood: int
    final_mood: int
    type_guess: PsychType | None
    real_type: PsychType
    demand_guess: str | None
    real_demand_key: str
    real_demand: Bilingual
    steps: tuple[StepFeedback, ...]

    @property
    def type_found(self) -> bool:
        return self.type_guess is self.real_type

    @property
    def demand_found(self) -> bool:
        return self.demand_guess is not None and self.demand_guess == self.real_demand_key


def debrief(scenario: Scenario, plays: Sequence[Sequence[str]], type_guess: PsychType | None,
            demand_guess: str | None) -> Debrief:
    """Score a whole play (six steps) against the scenario."""
    reactions = replay(scenario, plays)
    if len(reactions) != len(STAGES):
        raise ValidationError(_("Play all six steps before the debrief ({n} played).").format(n=len(reactions)))
    if demand_guess is not None and demand_guess not in {d.key for d in scenario.demands}:
        raise ValidationError(_("{key} is not one of this scenario's demands.").format(key=demand_guess))
    steps: list[StepFeedback] = []
    score = 0
    for reaction in reactions:
        script = scenario.step(reaction.stage)
        calmed = tuple(m.move for m in reaction.calmed)
        missed = tuple(m.move for m in script.scripted(Effect.CALM) if m.move not in calmed)
        inflamed = tuple(m.move for m in reaction.inflamed)
        score += len(calmed) * CALM_POINTS - len(inflamed) * INFLAME_PENALTY
        steps.append(StepFeedback(reaction.stage, reaction.picked, calmed, missed, inflamed, reaction.mood_after,
                                  script.lesson))
    real = scenario.real_demand
    if type_guess is scenario.persona.psych_type:
        score += TYPE_POINTS
    if demand_guess == real.key:
        score += DEMAND_POINTS
    return Debrief(scenario.key, max(0, score), max_score(scenario), scenario.start_mood, reactions[-1].mood_after,
                   type_guess, scenario.persona.psych_type, demand_guess, real.key, real.text, tuple(steps))
