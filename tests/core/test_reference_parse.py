"""Parsing and validation of the HQ reference files (no database)."""

from __future__ import annotations

import pytest

from desk_app.domain.reference import (
    ListItem,
    TaxonomyNode,
    default_lists_path,
    default_taxonomy_path,
    parse_lists,
    parse_taxonomy,
)
from desk_app.errors import ValidationError

# One code per axis, placed after the entry under test so that entry 1 always starts on line 3.
B_AND_C = '''
[[codes]]
axis = "B"
code = "B01"
name_zh = "人民币储蓄"

[[codes]]
axis = "C"
code = "C12"
name_zh = "债务催收"
'''

OTHER_AXES = B_AND_C + '''
[[codes]]
axis = "D"
code = "D02"
name_zh = "理赔纠纷"
'''

A03 = '''
[[codes]]
axis = "A"
code = "A03"
name_zh = "电子渠道"
'''


def taxonomy(first_entry: str, rest: str = A03 + OTHER_AXES, version: str = "version = 1") -> bytes:
    return f"{version}\n\n[[codes]]\n{first_entry}\n{rest}".encode()


def test_a_good_taxonomy_parses_into_nodes() -> None:
    entry = 'axis = "A"\ncode = "A0301"\nparent = "A03"\nname_zh = " 网银 "\nname_en = "Online banking"'
    data = taxonomy(entry + "\nsort_order = 10", version="version = 7")
    parsed = parse_taxonomy(data, "t.toml")
    assert parsed.version == 7
    assert parsed.nodes == (
        TaxonomyNode("A", "A0301", "网银", "Online banking", "A03", 2, 10),
        TaxonomyNode("A", "A03", "电子渠道", "", None, 1, 0),
        TaxonomyNode("B", "B01", "人民币储蓄", "", None, 1, 0),
        TaxonomyNode("C", "C12", "债务催收", "", None, 1, 0),
        TaxonomyNode("D", "D02", "理赔纠纷", "", None, 1, 0),
    )


@pytest.mark.parametrize(("entry", "message", "field"), [
    ('axis = "E"\ncode = "E01"\nname_zh = "x"',
     "unknown axis E; expected one of A, B, C, D", "axis"),
    ('axis = "A"\ncode = "A1"\nname_zh = "x"',
     "code A1 must be the axis letter followed by 2 or 4 digits, such as A03 or A0301", "code"),
    ('axis = "A"\ncode = "A001"\nname_zh = "x"',
     "code A001 must be the axis letter followed by 2 or 4 digits, such as A03 or A0301", "code"),
    ('axis = "A"\ncode = "B05"\nname_zh = "x"',
     "code B05 does not start with its axis letter A", "code"),
    ('axis = "A"\ncode = "A0301"\nname_zh = "网银"',
     "level-2 code A0301 needs a parent (the top-level code it belongs to, such as A03)", "parent"),
    ('axis = "A"\ncode = "A0301"\nparent = "B01"\nname_zh = "网银"',
     "parent B01 of code A0301 is on axis B, not on axis A", "parent"),
    ('axis = "A"\ncode = "A0401"\nparent = "A03"\nname_zh = "x"',
     "level-2 code A0401 does not start with its parent's code A03", "parent"),
    ('axis = "A"\ncode = "A0301"\nparent = "A0301"\nname_zh = "网银"',
     "parent A0301 of code A0301 must be a top-level code such as A03", "parent"),
    ('axis = "A"\ncode = "A01"\nparent = "A03"\nname_zh = "营业现场"',
     "top-level code A01 cannot have a parent", "parent"),
    ('axis = "A"\ncode = "A01"\nname_zh = "   "',
     "the Chinese name (name_zh) is missing or empty", "name_zh"),
    ('axis = "A"\ncode = "A01"\nname_en = "Branch premises"',
     "the Chinese name (name_zh) is missing or empty", "name_zh"),
    ('axis = "A"\ncode = "A01"\nnmae_zh = "营业现场"',
     "unknown field nmae_zh; allowed fields: axis, code, parent, name_zh, name_en, sort_order", "nmae_zh"),
    ('axis = "A"\nname_zh = "营业现场"',
     "code is missing or empty", "code"),
    ('axis = "A"\ncode = 101\nname_zh = "营业现场"',
     "code must be text in quotes", "code"),
    ('axis = "A"\ncode = "A01"\nname_zh = "营业现场"\nsort_order = "10"',
     "sort_order must be a whole number", "sort_order"),
    ('axis = "A"\ncode = "A01"\nname_zh = "' + "长" * 101 + '"',
     "name_zh is longer than 100 characters", "name_zh"),
])
def test_a_bad_entry_is_refused_with_its_place_and_rule(entry: str, message: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_taxonomy(taxonomy(entry), "t.toml")
    assert str(caught.value) == f"t.toml: [[codes]] entry 1 (line 3): {message}"
    assert caught.value.field == field


def test_a_parent_that_is_not_in_the_file_is_refused() -> None:
    data = taxonomy('axis = "A"\ncode = "A0301"\nparent = "A03"\nname_zh = "网银"', rest=OTHER_AXES)
    with pytest.raises(ValidationError, match=r"^t\.toml: \[\[codes\]\] entry 1 \(line 3\): "
                                              r"parent A03 of code A0301 is not defined in this file$"):
        parse_taxonomy(data, "t.toml")


def test_a_duplicate_code_names_both_places() -> None:
    data = taxonomy('axis = "C"\ncode = "C12"\nname_zh = "催收"')
    with pytest.raises(ValidationError) as caught:
        parse_taxonomy(data, "t.toml")
    assert str(caught.value) == ("t.toml: [[codes]] entry 4 (line 18): "
                                 "code C12 is already defined at [[codes]] entry 1 (line 3)")


def test_inline_tables_are_numbered_without_lines() -> None:
    data = b'version = 1\ncodes = [{axis = "A", code = "A01", name_zh = ""}]\n'
    with pytest.raises(ValidationError) as caught:
        parse_taxonomy(data, "t.toml")
    assert str(caught.value) == "t.toml: [[codes]] entry 1: the Chinese name (name_zh) is missing or empty"


@pytest.mark.parametrize(("data", "message"), [
    (b'[[codes]]\naxis = "A"\ncode = "A01"\nname_zh = "x"\n',
     "t.toml: version is missing; the file must start with a line such as version = 1"),
    (b"version = 0\n", "t.toml: version must be a whole number of at least 1, not 0"),
    (b'version = "2"\n', "t.toml: version must be a whole number of at least 1, not 2"),
    (b"version = true\n", "t.toml: version must be a whole number of at least 1, not True"),
    (b"version = 1\n", "t.toml: there are no [[codes]] entries"),
    (b"version = 1\ncodes = [1, 2]\n", "t.toml: codes must be written as [[codes]] tables"),
    (b'version = 1\n[[code]]\naxis = "A"\n',
     "t.toml: unknown top-level key code; expected version and [[codes]] entries"),
    (taxonomy('axis = "A"\ncode = "A01"\nname_zh = "营业现场"', rest=B_AND_C),
     "t.toml: axis D (insurance cause) has no codes"),
    (b"version = 1\n# \xff\n", "t.toml: the file is not UTF-8 text (bad byte at offset 14)"),
])
def test_a_bad_file_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_taxonomy(data, "t.toml")
    assert str(caught.value) == message


def test_a_toml_syntax_error_names_the_line() -> None:
    data = b'version = 1\n\n[[codes]]\naxis = "A"\ncode = "A01\n'
    with pytest.raises(ValidationError) as caught:
        parse_taxonomy(data, "t.toml")
    assert str(caught.value).startswith("t.toml: not a valid TOML file: ")
    assert "(at line 5, column 12)" in str(caught.value)


def test_a_byte_order_mark_is_accepted() -> None:
    data = taxonomy('axis = "A"\ncode = "A01"\nname_zh = "营业现场"')
    parsed = parse_taxonomy(b"\xef\xbb\xbf" + data, "t.toml")
    assert [node.code for node in parsed.nodes] == ["A01", "A03", "B01", "C12", "D02"]


LISTS = '''version = 2

[[severity]]
code = "general"
name_zh = "一般"
name_en = "General"
description = "常规处理"
sort_order = 10

[[severity]]
code = "serious"
name_zh = "严重"

[[severity]]
code = "critical"
name_zh = "恶性"

[[request_kind]]
code = "make_up"
name_zh = "补足数量"

[[resolution_type]]
code = "refusal"
name_zh = "不予支持"
name_en = "Reasoned refusal"
'''


def test_good_lists_parse_into_items() -> None:
    parsed = parse_lists(LISTS.encode(), "l.toml")
    assert parsed.version == 2
    assert parsed.items == (
        ListItem("severity", "general", "一般", "General", "常规处理", 10),
        ListItem("severity", "serious", "严重", "", "", 0),
        ListItem("severity", "critical", "恶性", "", "", 0),
        ListItem("request_kind", "make_up", "补足数量", "", "", 0),
        ListItem("resolution_type", "refusal", "不予支持", "Reasoned refusal", "", 0),
    )


@pytest.mark.parametrize(("old", "new", "message"), [
    ('[[resolution_type]]\ncode = "refusal"\nname_zh = "不予支持"\nname_en = "Reasoned refusal"\n', "",
     "l.toml: the required list [[resolution_type]] is missing"),
    ('code = "make_up"', 'code = "Make-Up"',
     "l.toml: [[request_kind]] entry 1 (line 18): code Make-Up must be lowercase ascii snake_case "
     "(a-z, 0-9, _) of at most 30 characters"),
    ('code = "serious"', 'code = "general"',
     "l.toml: [[severity]] entry 2 (line 10): code general is already defined at "
     "[[severity]] entry 1 (line 3)"),
    ('code = "critical"', 'code = "fatal"', "l.toml: list [[severity]] must contain the code critical"),
    ('name_zh = "补足数量"', 'name_zh = ""',
     "l.toml: [[request_kind]] entry 1 (line 18): the Chinese name (name_zh) is missing or empty"),
    ("version = 2", 'version = 2\nChannels = "x"',
     "l.toml: list name Channels must be lowercase ascii snake_case of at most 30 characters"),
    ("version = 2", "version = 2\nchannel = 3", "l.toml: channel must be written as [[channel]] tables"),
])
def test_bad_lists_are_refused(old: str, new: str, message: str) -> None:
    assert old in LISTS
    with pytest.raises(ValidationError) as caught:
        parse_lists(LISTS.replace(old, new).encode(), "l.toml")
    assert str(caught.value) == message


def test_the_same_code_may_appear_in_two_lists() -> None:
    text = LISTS + '\n[[request_kind]]\ncode = "refusal"\nname_zh = "拒绝"\n'
    codes = [(item.list_name, item.code) for item in parse_lists(text.encode(), "l.toml").items]
    assert ("request_kind", "refusal") in codes
    assert ("resolution_type", "refusal") in codes


def test_the_bundled_taxonomy_has_exactly_the_proposed_codes() -> None:
    parsed = parse_taxonomy(default_taxonomy_path().read_bytes(), "taxonomy.toml")
    assert parsed.version == 1
    codes = {node.code: node for node in parsed.nodes}
    assert sorted(codes) == sorted([
        "A01", "A02", "A03", "A0301", "A0302", "A0303", "A0304", "A0305", "A0399", "A04", "A05", "A06", "A99",
        "B01", "B02", "B0201", "B0202", "B03", "B0301", "B0302", "B04", "B05", "B06", "B07", "B08", "B09",
        "B10", "B21", "B2101", "B2102", "B2199", "B22", "B2201", "B2202", "B2203", "B2204", "B2299", "B99",
        "C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10", "C11", "C12", "C13", "C99",
        "D01", "D02", "D03", "D04", "D05", "D99",
    ])
    assert codes["A0301"] == TaxonomyNode("A", "A0301", "网银", "Online banking", "A03", 2, 10)
    assert (codes["C12"].name_zh, codes["C12"].level) == ("债务催收", 1)
    assert (codes["D02"].name_zh, codes["D02"].name_en) == ("理赔纠纷", "Claims disputes")
    assert codes["B0302"].name_zh == "信用卡"
    assert all(node.name_en for node in parsed.nodes)


def test_the_bundled_lists_have_the_three_lists() -> None:
    parsed = parse_lists(default_lists_path().read_bytes(), "lists.toml")
    assert parsed.version == 1

    def codes(name: str) -> list[str]:
        return [item.code for item in parsed.items if item.list_name == name]

    assert codes("severity") == ["general", "serious", "critical"]
    assert [item.name_zh for item in parsed.items if item.list_name == "severity"] == ["一般", "严重", "恶性"]
    assert codes("request_kind") == [
        "repair", "redo", "replace", "return", "make_up", "refund", "compensation",
        "apology", "explanation", "correction", "fee_refund", "claim_payment", "cancel_business", "other"]
    assert codes("resolution_type") == [
        "explanation", "apology", "correction", "refund", "exchange",
        "compensation", "partial_compensation", "refusal", "referral", "other"]
    assert all(item.description for item in parsed.items if item.list_name == "severity")
