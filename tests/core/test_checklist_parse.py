"""Checklist files: the bundled set, strict parsing with precise errors, applicability, gates, wording."""

from __future__ import annotations

import pytest

from desk_app.domain.checklist import (
    Applicability,
    Checklist,
    Gate,
    bundled_checklist_files,
    parse_checklist,
    parse_gate,
)
from desk_app.domain.enums import PsychType, SpecialFlag, Stage
from desk_app.domain.portrait import Dimension
from desk_app.errors import ValidationError


def bundled() -> dict[str, Checklist]:
    return {c.key: c for c in (parse_checklist(p.read_bytes(), p.name) for p in bundled_checklist_files())}


def test_the_bundled_checklists_cover_the_course() -> None:
    found = bundled()
    assert set(found) == {"strategic_empathy", "six_swords", "lscpa", "hamburger", "extreme_value", "soft_refusal",
                          "playbook_irrational", "playbook_group", "playbook_media", "playbook_regulator",
                          "playbook_litigation"}
    assert [s.title.zh for s in found["strategic_empathy"].steps] == [
        "积极倾听", "判断客户真实诉求", "描述分享客户情感标签", "走进“客户世界”同频共振", "“帮助者”的角色扮演"]
    assert [s.title.zh[0] for s in found["six_swords"].steps] == list("听查议析谈行")
    assert [s.title.en[0] for s in found["lscpa"].steps] == list("LSCPA")
    for flag in SpecialFlag:
        playbook = found[f"playbook_{flag.value}"]
        assert playbook.applies.flags == {flag} and playbook.gates()
    assert found["extreme_value"].applies.ratings_at_least == {Dimension.DEMAND: 4}
    for checklist in found.values():
        assert checklist.version >= 1 and checklist.title.zh and checklist.title.en
        for step in checklist.steps:
            assert step.guidance.zh and step.guidance.en


def test_applicability_combines_stage_type_flag_and_rating() -> None:
    found = bundled()
    empathy, media, extreme = found["strategic_empathy"], found["playbook_media"], found["extreme_value"]
    assert empathy.applies.applies(Stage.LISTEN, [], [], None)
    assert not empathy.applies.applies(Stage.INVESTIGATE, [], [], None)
    assert not empathy.applies.applies(None, [], [], None)   # not in progress
    assert media.applies.applies(None, [], [SpecialFlag.MEDIA, SpecialFlag.GROUP], None)
    assert not media.applies.applies(Stage.LISTEN, [], [SpecialFlag.GROUP], None)
    ratings = dict.fromkeys(Dimension, 3)
    assert not extreme.applies.applies(Stage.NEGOTIATE, [], [], ratings)
    assert extreme.applies.applies(Stage.NEGOTIATE, [], [], {**ratings, Dimension.DEMAND: 5})
    assert not extreme.applies.applies(Stage.NEGOTIATE, [], [], None)   # no portrait yet
    typed = Applicability(psych_types=frozenset({PsychType.REVENGE}))
    assert typed.applies(Stage.ACT, [PsychType.VENTING, PsychType.REVENGE], [], None)   # the secondary type counts
    assert not typed.applies(Stage.ACT, [PsychType.VENTING], [], None)


def test_wording_prefers_the_primary_then_the_secondary_type_then_the_default() -> None:
    step = bundled()["strategic_empathy"].steps[0]
    assert step.wording_for((PsychType.VENTING, PsychType.RESPECT))[0] == "venting"
    assert step.wording_for((PsychType.COMPENSATION, PsychType.RESPECT))[0] == "respect"
    which, text = step.wording_for((None, None))
    assert which == "default" and text is not None and text.zh == "您别着急，慢慢说，我都记下来。"
    assert bundled()["six_swords"].step("deliberate").wording_for((None, None)) == (None, None)  # type: ignore[union-attr]


def test_gates_and_unticked_steps() -> None:
    empathy = bundled()["strategic_empathy"]
    leave = parse_gate("leave:listen")
    assert leave == Gate("leave", "listen") and str(leave) == "leave:listen"
    assert [s.key for s in empathy.unticked_for(leave, [])] == ["active_listening", "true_demand"]
    assert [s.key for s in empathy.unticked_for(leave, ["active_listening"])] == ["true_demand"]
    assert empathy.unticked_for(parse_gate("action:respond"), []) == []
    assert leave.describe() == "before moving on from the step 'Listen'"
    assert parse_gate("action:respond").describe() == "before 'Record the response'"
    for bad, message in (("respond", "written action:<action>"), ("action:answer", "unknown action answer"),
                         ("leave:hear", "unknown step hear"), ("enter:listen", "written action")):
        with pytest.raises(ValueError, match=message):
            parse_gate(bad)


GOOD = '''key = "demo"
version = 3
title_zh = "示例"
title_en = "Demo"

[applies]
stages = ["listen", "negotiate"]
psych_types = ["venting", "respect"]

[[steps]]
key = "first"
title_zh = "第一步"
title_en = "First"
guidance_zh = "先听"
required_before = ["leave:listen"]

[steps.wording.default]
zh = "您请说"
en = "Go on"

[steps.wording.venting]
zh = "您慢慢说"

[[steps]]
key = "second"
title_zh = "第二步"
title_en = "Second"
guidance_zh = "再谈"
guidance_en = "Then talk"
required_before = ["action:respond"]
'''


def test_a_good_file_parses() -> None:
    parsed = parse_checklist(GOOD.encode(), "demo.toml")
    assert (parsed.key, parsed.version, parsed.title.en) == ("demo", 3, "Demo")
    assert parsed.applies.stages == {Stage.LISTEN, Stage.NEGOTIATE}
    assert parsed.steps[0].wording["venting"].text("en") == "您慢慢说"   # English falls back to Chinese
    assert parsed.gates() == {Gate("leave", "listen"), Gate("action", "respond")}


@pytest.mark.parametrize(("change", "message"), [
    (("version = 3\n", ""), r"demo.toml: version is missing"),
    (("version = 3", 'version = "3"'), "version must be a whole number of at least 1"),
    (('key = "demo"', 'key = "Demo List"'), "key Demo List must be lowercase ascii snake_case"),
    (('title_en = "Demo"\n', ""), "demo.toml: title_en is missing or empty"),
    (('title_en = "Demo"', 'title_en = "Demo"\nauthor = "HQ"'), "unknown field author"),
    (('stages = ["listen", "negotiate"]', 'stages = ["listen", "talk"]'),
     r"\[applies\]: stages: unknown value talk; allowed: listen, investigate"),
    (('psych_types = ["venting", "respect"]', 'psych_types = ["venting", "venting"]'), "venting is listed twice"),
    (('required_before = ["leave:listen"]', 'required_before = ["leave:lisen"]'),
     r"\[\[steps\]\] entry 1 \(line 10\) first: required_before: unknown step lisen"),
    (('required_before = ["leave:listen"]', 'required_before = ["leave:investigate"]'),
     "leave:investigate needs the step investigate among the checklist's stages"),
    (('required_before = ["action:respond"]', 'required_before = ["action:withdraw"]'),
     r"entry 2 \(line 24\) second: required_before: action:withdraw is not allowed"),
    (('required_before = ["action:respond"]', 'required_before = ["action:close"]'),
     "action:close happens outside the handling steps"),
    (('required_before = ["action:respond"]', 'required_before = "action:respond"'),
     "required_before must be a list of gates"),
    (("[steps.wording.venting]", "[steps.wording.revenge]"),
     "wording.revenge: this checklist applies only to respect, venting"),
    (("[steps.wording.venting]", "[steps.wording.angry]"), "wording.angry: unknown; use default or"),
    (('zh = "您慢慢说"', 'en = "Slowly"'), r"first wording.venting: zh is missing or empty"),
    (('key = "second"', 'key = "first"'), r"entry 2 \(line 24\) first: step key first is already used by"),
    (('guidance_zh = "再谈"', 'guidance_zh = ""'), r"entry 2 \(line 24\) second: guidance_zh is missing or empty"),
    (('title_zh = "第一步"', 'title_zh = "第一步"\nnote = "x"'), "unknown field note; allowed fields: key"),
])
def test_bad_files_are_refused_with_a_precise_message(change: tuple[str, str], message: str) -> None:
    assert change[0] in GOOD
    with pytest.raises(ValidationError, match=message):
        parse_checklist(GOOD.replace(*change, 1).encode(), "demo.toml")


def test_files_without_steps_or_toml_are_refused() -> None:
    no_steps = GOOD.split("[[steps]]")[0]
    with pytest.raises(ValidationError, match=r"demo.toml: there are no \[\[steps\]\] entries"):
        parse_checklist(no_steps.encode(), "demo.toml")
    with pytest.raises(ValidationError, match="not a valid TOML file"):
        parse_checklist(b"key = [", "demo.toml")
    with pytest.raises(ValidationError, match=r"ratings_at_least: demand must be a whole number from 1 to 5"):
        parse_checklist(GOOD.replace('psych_types = ["venting", "respect"]',
                                     'psych_types = ["venting", "respect"]\nratings_at_least = { demand = 7 }'
                                     ).encode(), "demo.toml")
