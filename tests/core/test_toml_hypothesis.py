"""Property tests of every HQ data-file import (checklists, risk-signal word list, legal reference,
taxonomy, lists): whatever the bytes — random, not UTF-8, the real file truncated, lines dropped or
shuffled, bytes flipped — the parser either accepts the file or raises ValidationError naming it;
never another exception. Generated valid checklists parse back to what was written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk_app.domain.checklist import bundled_checklist_files, parse_checklist
from desk_app.domain.legal import default_legal_reference_path, parse_legal_reference
from desk_app.domain.reference import default_lists_path, default_taxonomy_path, parse_lists, parse_taxonomy
from desk_app.domain.risk import default_word_list_path, parse_word_list
from desk_app.errors import ValidationError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARSERS: dict[str, tuple[Callable[[bytes, str], Any], Path]] = {
    "checklist": (parse_checklist, bundled_checklist_files()[0]),
    "word_list": (parse_word_list, default_word_list_path()),
    "legal_reference": (parse_legal_reference, default_legal_reference_path()),
    "taxonomy": (parse_taxonomy, default_taxonomy_path()),
    "lists": (parse_lists, default_lists_path()),
}
NAMES = sorted(PARSERS)


def accepts_or_refuses(kind: str, data: bytes) -> None:
    parse, _path = PARSERS[kind]
    try:
        parse(data, "hq-file.toml")
    except ValidationError as exc:
        assert str(exc).startswith("hq-file.toml"), exc  # the message names the file


@pytest.mark.parametrize("kind", NAMES)
def test_the_bundled_files_parse(kind: str) -> None:
    parse, path = PARSERS[kind]
    parse(path.read_bytes(), path.name)


@SETTINGS
@given(st.sampled_from(NAMES), st.binary(max_size=3000))
def test_random_bytes(kind: str, data: bytes) -> None:
    accepts_or_refuses(kind, data)


@SETTINGS
@given(st.sampled_from(NAMES), st.text(max_size=2000))
def test_random_text(kind: str, text: str) -> None:
    accepts_or_refuses(kind, text.encode("utf-8", "surrogatepass"))


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    """A bundled file, damaged the way files get damaged: cut short, lines lost or repeated or moved,
    bytes overwritten, a value given the wrong type."""
    kind = draw(st.sampled_from(NAMES))
    data = PARSERS[kind][1].read_bytes()
    how = draw(st.sampled_from(["truncate", "drop_lines", "repeat_line", "swap_lines", "flip_bytes", "retype"]))
    lines = data.split(b"\n")
    if how == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    elif how == "drop_lines":
        start = draw(st.integers(0, len(lines) - 1))
        del lines[start:start + draw(st.integers(1, 20))]
        data = b"\n".join(lines)
    elif how == "repeat_line":
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(i, lines[i])
        data = b"\n".join(lines)
    elif how == "swap_lines":
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        data = b"\n".join(lines)
    elif how == "flip_bytes":
        raw = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        data = bytes(raw)
    else:  # a value of the wrong type on one "key = value" line
        candidates = [i for i, line in enumerate(lines) if b" = " in line and not line.lstrip().startswith(b"#")]
        i = draw(st.sampled_from(candidates))
        key = lines[i].split(b" = ", 1)[0]
        value = draw(st.sampled_from([b"0", b"-1", b"true", b'""', b"[]", b"{}", b"[1, 2]", b'"x"', b"1.5",
                                      b"2026-01-01", b'{ a = 1 }', b'["\xe4\xb8\x80", 3]', b"99999999999"]))
        lines[i] = key + b" = " + value
        data = b"\n".join(lines)
    return kind, data


@SETTINGS
@given(damaged())
def test_damaged_bundled_files(case: tuple[str, bytes]) -> None:
    accepts_or_refuses(*case)


# ---- valid generated checklists round-trip -----------------------------------------------------------

KEYS = st.from_regex(r"[a-z][a-z0-9]{0,10}(_[a-z0-9]{1,6}){0,2}", fullmatch=True)
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60).filter(
    lambda t: t.strip() != "")


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes for quote and backslash are TOML's too)."""
    return json.dumps(text, ensure_ascii=False)


@st.composite
def checklists(draw: st.DrawFn) -> dict[str, Any]:
    steps = draw(st.lists(st.fixed_dictionaries({"key": KEYS, "title_zh": TEXT, "title_en": TEXT,
                                                 "guidance_zh": TEXT}),
                          min_size=1, max_size=5, unique_by=lambda s: s["key"]))
    return {"key": draw(KEYS), "version": draw(st.integers(1, 2**31 - 1)), "title_zh": draw(TEXT),
            "title_en": draw(TEXT), "steps": steps}


@SETTINGS
@given(checklists())
def test_generated_checklists_round_trip(spec: dict[str, Any]) -> None:
    lines = [f"key = {toml_string(spec['key'])}", f"version = {spec['version']}",
             f"title_zh = {toml_string(spec['title_zh'])}", f"title_en = {toml_string(spec['title_en'])}"]
    for step in spec["steps"]:
        lines.append("[[steps]]")
        lines += [f"{name} = {toml_string(value)}" for name, value in step.items()]
    parsed = parse_checklist("\n".join(lines).encode("utf-8"), "generated.toml")
    assert (parsed.key, parsed.version) == (spec["key"], spec["version"])
    assert (parsed.title.zh, parsed.title.en) == (spec["title_zh"].strip(), spec["title_en"].strip())
    assert [s.key for s in parsed.steps] == [s["key"] for s in spec["steps"]]
    assert [s.guidance.zh for s in parsed.steps] == [s["guidance_zh"].strip() for s in spec["steps"]]
