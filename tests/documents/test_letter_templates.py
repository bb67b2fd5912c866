"""Letter templates: the shipped ones load; an edit that drops a mandatory element is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from desk_app.documents.templates import (
    TemplateError,
    default_templates_dir,
    join_lines,
    load_common,
    load_template,
    parse_common,
    parse_template,
)
from desk_app.domain.enums import Channel, LetterKind


def _shipped(kind: LetterKind) -> str:
    return (default_templates_dir() / f"{kind.value}.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", list(LetterKind))
def test_shipped_templates_load_in_both_languages(kind: LetterKind) -> None:
    template = load_template(kind)
    assert template.kind is kind and template.version >= 1
    assert set(template.languages) == {"zh_CN", "en"}


def test_common_texts_cover_every_channel() -> None:
    common = load_common()
    for channel in Channel:
        assert common.word("zh_CN", "channel", channel.value) != channel.value
        assert common.word("en", "channel", channel.value) != channel.value


def test_removing_the_recourse_contact_is_refused() -> None:
    text = _shipped(LetterKind.DECISION).replace("联系方式：{superior_contact}。", "")
    with pytest.raises(TemplateError, match=r"\[zh_CN\] lacks mandatory content: superior_contact"):
        parse_template(text.encode(), "decision.toml", LetterKind.DECISION)


def test_removing_the_remedy_amount_in_capitals_is_refused() -> None:
    text = _shipped(LetterKind.DECISION).replace("RMB {remedy_amount_figures} ({remedy_amount_capital})",
                                                 "RMB {remedy_amount_figures}")
    with pytest.raises(TemplateError, match=r"\[en\] lacks mandatory content: remedy_amount_capital"):
        parse_template(text.encode(), "decision.toml", LetterKind.DECISION)


def test_refusal_template_must_state_the_basis() -> None:
    text = _shipped(LetterKind.REFUSAL).replace('paragraphs = ["{basis}"]', 'paragraphs = ["见上文"]', 1)
    with pytest.raises(TemplateError, match="lacks mandatory content: basis"):
        parse_template(text.encode(), "refusal.toml", LetterKind.REFUSAL)


def test_unknown_field_and_condition_are_refused() -> None:
    text = _shipped(LetterKind.RECEIPT).replace('["经办人", "{handler}"]', '["经办人", "{handler_name}"]')
    with pytest.raises(TemplateError, match="unknown fields: handler_name"):
        parse_template(text.encode(), "receipt.toml", LetterKind.RECEIPT)
    text = _shipped(LetterKind.EXTENSION).replace('when = "approved"', 'when = "approve"', 1)
    with pytest.raises(TemplateError, match="unknown condition 'approve'"):
        parse_template(text.encode(), "extension.toml", LetterKind.EXTENSION)


@pytest.mark.parametrize(("edit", "message"), [
    (("version = 1", "version = 0"), "'version' must be a whole number"),
    (('kind = "receipt"', 'kind = "decision"'), "'kind' must be"),
    (('title = "投诉受理回执"', 'title = ""'), "zh_CN.title must be a non-empty text"),
    (('["投诉编号", "{case_number}"]', '["投诉编号", "{case_number:>10}"]'), "is not a plain field"),
    (('["投诉编号", "{case_number}"]', '["投诉编号", "{case_number"]'), "literal braces"),
])
def test_malformed_templates_are_refused(edit: tuple[str, str], message: str) -> None:
    text = _shipped(LetterKind.RECEIPT).replace(*edit, 1)
    with pytest.raises(TemplateError, match=message):
        parse_template(text.encode(), "receipt.toml", LetterKind.RECEIPT)


def test_broken_toml_names_the_file() -> None:
    with pytest.raises(TemplateError, match=r"receipt\.toml"):
        parse_template(b"version = [", "receipt.toml", LetterKind.RECEIPT)


def test_common_texts_need_every_label_and_channel() -> None:
    text = (default_templates_dir() / "common.toml").read_text(encoding="utf-8")
    with pytest.raises(TemplateError, match=r"\[zh_CN.labels\] lacks: seal"):
        parse_common(text.replace('seal = "（盖章）"\n', "").encode(), "common.toml")
    with pytest.raises(TemplateError, match=r"\[en.channel\] lacks: hotline"):
        parse_common(text.replace('hotline = "through our service hotline"\n', "").encode(), "common.toml")


def test_a_template_folder_can_be_given(tmp_path: Path) -> None:
    text = _shipped(LetterKind.RECEIPT).replace("version = 1", "version = 7")
    (tmp_path / "receipt.toml").write_text(text, encoding="utf-8")
    assert load_template(LetterKind.RECEIPT, tmp_path).version == 7
    with pytest.raises(TemplateError, match=r"refusal\.toml"):
        load_template(LetterKind.REFUSAL, tmp_path)


def test_multi_line_texts_join_without_spaces_between_chinese_characters() -> None:
    assert join_lines("您于2026年\n  提出的投诉\n") == "您于2026年提出的投诉"
    assert join_lines("We received\n your complaint") == "We received your complaint"
