"""The portrait's dimensions, level scales, psychological types and input validation (no database)."""

from __future__ import annotations

import pytest

from desk_app import i18n
from desk_app.domain.enums import PsychType
from desk_app.domain.portrait import (
    DIMENSIONS,
    LEVELS,
    STRATEGY_CARDS,
    Bilingual,
    Dimension,
    PortraitInput,
    changed_ratings,
    validate_portrait,
)
from desk_app.errors import ValidationError


def portrait(**overrides: object) -> PortraitInput:
    values: dict[str, object] = dict(emotion=4, risk=2, responsibility=3, rationality=4, demand=3, personality=2)
    values.update(overrides)
    return PortraitInput(**values)  # type: ignore[arg-type]


def test_six_dimensions_each_with_five_described_levels_in_both_languages() -> None:
    assert [d.value for d in Dimension] == ["emotion", "risk", "responsibility", "rationality", "demand",
                                             "personality"]
    assert [DIMENSIONS[d].name.zh for d in Dimension] == ["情绪", "风险", "责任", "理性", "需求", "性格"]
    for info in DIMENSIONS.values():
        assert tuple(info.levels) == LEVELS
        for level in info.levels.values():
            assert level.zh and level.en and level.zh != level.en
        assert info.decides.zh and info.decides.en
    assert DIMENSIONS[Dimension.EMOTION].level(5).en.startswith("Out of control")
    assert "极限值" in DIMENSIONS[Dimension.DEMAND].level(5).zh


def test_the_six_psychological_types_carry_the_course_sentences_and_a_strategy() -> None:
    assert set(STRATEGY_CARDS) == set(PsychType)
    sentences = {t: c.inner_sentence.zh for t, c in STRATEGY_CARDS.items()}
    assert sentences[PsychType.SELF_CENTRED] == "“我是世界的中心”"
    assert sentences[PsychType.RESPECT] == "“平等待我，给我尊严”"
    assert sentences[PsychType.FAIRNESS] == "“任何事情必须公平处理”"
    assert sentences[PsychType.REVENGE] == "“只要我难过，别人必须付出代价”"
    assert sentences[PsychType.COMPENSATION] == "“金钱和面子，总有一个要赔偿”"
    assert sentences[PsychType.VENTING] == "“情绪宣泄后，世界便是晴天”"
    assert [c.name.zh for c in STRATEGY_CARDS.values()] == ["本位型", "尊重型", "公平型", "报复型", "补偿型", "发泄型"]
    for card in STRATEGY_CARDS.values():
        assert card.do and card.avoid and card.phrases
        assert all(item.zh and item.en for item in (*card.do, *card.avoid, *card.phrases, card.summary))
    assert "escalate" in STRATEGY_CARDS[PsychType.REVENGE].summary.en
    assert "anchor" in STRATEGY_CARDS[PsychType.COMPENSATION].summary.en


def test_bilingual_text_follows_the_language() -> None:
    text = Bilingual("情绪", "Emotion")
    assert text.text() == "Emotion"
    assert Bilingual("只有中文").text("en") == "只有中文"
    i18n.set_language("zh_CN")
    assert text.text() == "情绪"
    assert Dimension.RISK.label == "风险"


def test_a_valid_portrait_returns_ratings_and_cleaned_notes() -> None:
    ratings, notes = validate_portrait(portrait(notes={"emotion": "  拍桌子，声音很大 ", "risk": "  "},
                                                primary_type=PsychType.VENTING,
                                                secondary_type=PsychType.RESPECT))
    assert ratings[Dimension.EMOTION] == 4 and len(ratings) == 6
    assert notes == {"emotion": "拍桌子，声音很大"}


@pytest.mark.parametrize("value", [0, 6, -1, True, 3.0, "3", None])
def test_ratings_must_be_whole_numbers_from_1_to_5(value: object) -> None:
    with pytest.raises(ValidationError, match="Rate Rationality from 1 to 5") as info:
        validate_portrait(portrait(rationality=value))
    assert info.value.field == "rationality"


def test_notes_types_and_their_combination_are_checked() -> None:
    with pytest.raises(ValidationError, match="Unknown portrait dimension mood"):
        validate_portrait(portrait(notes={"mood": "很差"}))
    with pytest.raises(ValidationError, match="longer than 2000"):
        validate_portrait(portrait(notes={"demand": "要" * 2001}))
    with pytest.raises(ValidationError, match="primary type before a secondary"):
        validate_portrait(portrait(secondary_type=PsychType.FAIRNESS))
    with pytest.raises(ValidationError, match="must differ"):
        validate_portrait(portrait(primary_type=PsychType.FAIRNESS, secondary_type=PsychType.FAIRNESS))
    with pytest.raises(ValidationError, match="Unknown psychological type"):
        validate_portrait(portrait(primary_type="angry"))


def test_changed_ratings_lists_old_and_new() -> None:
    first = portrait().ratings()
    assert changed_ratings(None, first)["emotion"] == [None, 4]
    second = portrait(emotion=2, risk=4).ratings()
    assert changed_ratings(first, second) == {"emotion": [4, 2], "risk": [2, 4]}
