"""The drill engine against random plays of every shipped scenario: the mood stays within 1–5 and follows the
script move by move, and the debrief's score is what the rules give when worked out here from the scenario's
data (+1 per calming move, −1 per inflaming move, +2 type, +2 demand, never below 0)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desk_app.domain.drill import debrief, replay
from desk_app.domain.drill_moves import offered_moves
from desk_app.domain.drill_scenario import STAGES, Effect, Scenario, bundled_scenarios
from desk_app.domain.enums import PsychType

SCENARIOS = bundled_scenarios()


@st.composite
def plays(draw: st.DrawFn) -> tuple[Scenario, list[list[str]], PsychType | None, str | None]:
    scenario = draw(st.sampled_from(SCENARIOS))
    moves: list[list[str]] = []
    for stage in STAGES:
        offered = sorted(offered_moves(scenario, stage))
        scripted = [m.move for m in scenario.step(stage).moves]
        # half the time from the script's own moves, so the calming and inflaming ones are often picked
        pool = scripted if draw(st.booleans()) else offered
        moves.append(draw(st.lists(st.sampled_from(pool), max_size=6, unique=True)))
    type_guess = draw(st.none() | st.sampled_from(list(PsychType)))
    demand = draw(st.none() | st.sampled_from([d.key for d in scenario.demands]))
    return scenario, moves, type_guess, demand


@settings(max_examples=150, deadline=None)
@given(plays())
def test_mood_and_score_follow_the_script(play: tuple[Scenario, list[list[str]], PsychType | None, str | None]) -> None:
    scenario, moves, type_guess, demand = play
    mood = scenario.persona.portrait["emotion"]
    expected = 0
    for reaction, stage, picked in zip(replay(scenario, moves), STAGES, moves, strict=True):
        effects = {m.move: m.effect for m in scenario.step(stage).moves}
        calm = sum(effects.get(key) is Effect.CALM for key in picked)
        inflame = sum(effects.get(key) is Effect.INFLAME for key in picked)
        mood = min(5, max(1, mood + inflame - calm))
        assert reaction.mood_before in range(1, 6) and reaction.mood_after == mood
        expected += calm - inflame
    real_demand = next(d.key for d in scenario.demands if d.real)
    expected += 2 * (type_guess is scenario.persona.psych_type) + 2 * (demand == real_demand)
    result = debrief(scenario, moves, type_guess, demand)
    calm_in_script = sum(m.effect is Effect.CALM for s in scenario.steps for m in s.moves)
    assert result.score == max(0, expected)
    assert 0 <= result.score <= result.max_score == calm_in_script + 4
    assert result.final_mood == mood
    for feedback, picked in zip(result.steps, moves, strict=True):
        assert set(feedback.calmed) | set(feedback.inflamed) <= set(picked)
        assert not set(feedback.missed) & set(picked)
