"""The practice-drill scenarios (resources/drills/scenarios): every shipped file validates, together they cover
the six psychological types and the five special kinds, and a bad file is refused with a message that names
the file and the rule broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from desk_app.domain.drill_moves import offered_moves, shipped_pitfalls
from desk_app.domain.drill_scenario import (
    STAGES,
    Effect,
    bundled_scenarios,
    bundled_scenarios_dir,
    load_scenario_file,
    parse_scenario,
)
from desk_app.domain.enums import PsychType, SpecialFlag
from desk_app.domain.portrait import Dimension
from desk_app.errors import ValidationError

SHIPPED = sorted(bundled_scenarios_dir().glob("*.toml"))
GOOD = bundled_scenarios_dir() / "bank_card_fee_venting.toml"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_validates(path: Path) -> None:
    scenario = load_scenario_file(path)
    assert scenario.key == path.stem
    assert tuple(s.stage for s in scenario.steps) == STAGES
    assert set(scenario.persona.portrait) == set(Dimension)
    assert sum(d.real for d in scenario.demands) == 1
    for step in scenario.steps:
        assert step.scripted(Effect.CALM)
        offered = offered_moves(scenario, step.stage)
        assert {m.move for m in step.moves} <= set(offered)
    # Chinese throughout: the customer's words are not left in English
    assert any("\u4e00" <= ch <= "\u9fff" for ch in scenario.complaint.zh)


def test_the_set_covers_every_type_and_special_kind() -> None:
    scenarios = bundled_scenarios()
    assert len(scenarios) >= 12
    assert {s.persona.psych_type for s in scenarios} == set(PsychType)
    assert {f for s in scenarios for f in s.flags} == set(SpecialFlag)
    assert len({s.persona.name for s in scenarios}) == len(scenarios)


def test_pitfalls_are_offered_at_every_step() -> None:
    scenario = bundled_scenarios()[0]
    pitfalls = {p.key for p in shipped_pitfalls()}
    assert pitfalls
    for stage in STAGES:
        assert pitfalls <= set(offered_moves(scenario, stage))


def test_the_type_is_not_given_away_by_the_moves() -> None:
    """The moves offered do not depend on the hidden psychological type."""
    scenario = load_scenario_file(GOOD)
    assert scenario.persona.psych_type is PsychType.VENTING
    other = type(scenario)(**{**scenario.__dict__, "persona": type(scenario.persona)(
        **{**scenario.persona.__dict__, "psych_type": PsychType.REVENGE})})
    for stage in STAGES:
        assert list(offered_moves(scenario, stage)) == list(offered_moves(other, stage))


def _broken(old: str, new: str) -> bytes:
    text = GOOD.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ('psych_type = "venting"', 'psych_type = "grumpy"', "persona.psych_type"),
    ("emotion = 4\n", "", "missing: emotion"),
    ("emotion = 4", "emotion = 7", "emotion must be a whole number from 1 to 5"),
    ('flags = []', 'flags = ["press"]', "flags"),
    ('stage = "analyse"', 'stage = "act"', "six [[steps]]"),
    ("real = true", "real = false", "exactly one of the [[demands]]"),
    ('move = "strategic_empathy.emotion_label"', 'move = "strategic_empathy.no_such_step"',
     "strategic_empathy.no_such_step is not offered"),
    ('move = "six_swords.investigate"', 'move = "six_swords.act"', "six_swords.act is not offered"),
    ('effect = "inflame"', 'effect = "annoy"', "effect"),
    ('title_en = "A credit-card', 'colour = "red"\ntitle_en = "A credit-card', "colour"),
    ('no_effect_zh = "客户停了一下，见你没反应，又把扣费短信举到你面前重复了一遍。"', 'no_effect_zh = " "',
     "steps[1].no_effect_zh is missing"),
    ("version = 1", "version = 0", "version must be a whole number"),
])
def test_a_bad_scenario_is_refused_with_a_clear_message(old: str, new: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_scenario(_broken(old, new), "broken.toml")
    assert str(caught.value).startswith("broken.toml: ")
    assert message in str(caught.value)


def test_a_file_that_is_not_toml_names_the_file() -> None:
    with pytest.raises(ValidationError, match=r"broken\.toml: not a valid TOML file"):
        parse_scenario(b"key = ", "broken.toml")


def test_the_key_must_match_the_file_name(tmp_path: Path) -> None:
    copy = tmp_path / "another_name.toml"
    copy.write_bytes(GOOD.read_bytes())
    with pytest.raises(ValidationError, match="must equal the file name another_name"):
        load_scenario_file(copy)
