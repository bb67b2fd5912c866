"""Imports of files in the styles of real exports (issue 16): every count of the dry run checked
against counts made here from the records the test wrote, never from the import's own reading."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk_app.db.models import Complaint, Customer
from desk_app.db.uow import Database
from desk_app.errors import ValidationError
from desk_app.services import imports
from tests.reports.real_exports import (
    CHANNELS,
    HEADER,
    LONG_NARRATIVE_CHARS,
    PRODUCTS,
    consumer_register_csv,
    gbk_register,
)
from tests.support.staff import Staff

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CODES = {"Web": "app_web", "Phone": "hotline", "Email": "email"}
#: What the user answers in the dry run for the words that match no channel.
USER_VALUES = {"Fax": "letter", "Referral": "regulator"}


def consumer_mapping(**overrides: object) -> imports.ColumnMapping:
    mapping = imports.ColumnMapping(
        columns={"received_at": "Date received", "facts_what": "Consumer complaint narrative", "respondent": "Company",
                 "channel": "Submitted via", "axis_b": "Product", "axis_c": "Issue", "legacy_number": "Complaint ID"},
        values={"axis_b": {"Credit card": "B0302", "Checking or savings account": "B0301", "Debt collection": "B0201"},
                "axis_c": {"Problem with a purchase shown on your statement": "C09", "Managing an account": "C01",
                           "Attempts to collect debt not owed": "C12"}},
        defaults={"customer_name": "CFPB consumer", "axis_a": "A03"})
    for key, value in overrides.items():
        setattr(mapping, key, value)
    return mapping


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_consumer_register_reads_exactly_and_the_summary_matches_the_source(database: Database, staff: Staff,
                                                                           tmp_path: Path) -> None:
    path = tmp_path / "complaints.csv"
    records = consumer_register_csv(path)
    text = path.read_text("utf-8")
    early = text[:text.index(records[150].received + "," + records[150].product)]
    assert len(early) > 20_000 and '"' not in early  # what made the sniffer guess doublequote=False
    assert any("\n" in r.narrative for r in records) and any('"' in r.narrative for r in records)
    before = sha(path)

    preview = imports.dry_run(database, staff.manager, path, consumer_mapping(), imports.ImportOptions(now=NOW))
    assert not preview.csv_sniffed and "RFC 4180" in preview.csv_format
    summary = preview.summary
    assert summary is not None
    assert summary.rows_read == len(records) == sum(CHANNELS.values())
    assert summary.blank == summary.totals == 0
    # channel: each word with its own count and code; Postal mail is a listed guess (letter), never e-mail
    by_text = {v.text: v for c in summary.columns if c.field == "channel" for v in c.values}
    assert {t: v.count for t, v in by_text.items()} == Counter(r.channel for r in records)
    assert by_text["Postal mail"].code == "letter" and by_text["Postal mail"].guessed
    assert by_text["Web Referral"].code == "app_web" and by_text["Web Referral"].guessed
    assert by_text["Fax"].code is None and by_text["Referral"].code is None  # not guessed at all
    assert {t: by_text[t].code for t in CODES} == CODES and not any(by_text[t].guessed for t in CODES)
    guesses = {(g.field, g.text): (g.code, g.count) for g in preview.guesses}
    assert guesses == {("channel", "Postal mail"): ("letter", CHANNELS["Postal mail"]),
                       ("channel", "Web Referral"): ("app_web", CHANNELS["Web Referral"])}
    assert summary.unmatched == (("channel", "Referral", 12), ("channel", "Fax", 3))
    products = {v.text: v.count for c in summary.columns if c.field == "axis_b" for v in c.values}
    assert products == Counter(r.product for r in records) and set(products) == set(PRODUCTS)
    facts = next(c for c in summary.columns if c.field == "facts_what")
    assert (facts.column, facts.filled, facts.empty) == ("Consumer complaint narrative", len(records), 0)
    unmatched_rows = CHANNELS["Fax"] + CHANNELS["Referral"]
    long_row = next(i for i, r in enumerate(records) if len(r.narrative) == LONG_NARRATIVE_CHARS)
    expected_problems = unmatched_rows + (records[long_row].channel not in USER_VALUES)
    assert summary.with_problems == expected_problems and summary.long_texts == 1
    assert summary.importable == len(records) - expected_problems

    # the user maps Fax and Referral, confirms the guesses and chooses to cut the long narrative
    mapping = consumer_mapping()
    mapping.values["channel"] = {**USER_VALUES, **{g.text: g.code for g in preview.guesses}}
    options = imports.ImportOptions(now=NOW, cut_long_texts=True)
    preview = imports.dry_run(database, staff.manager, path, mapping, options)
    assert preview.ok and preview.guesses == () and preview.summary is not None and preview.summary.cut == 1
    result = imports.import_file(database, staff.manager, path, mapping, options)
    assert result.imported == len(records)
    assert sha(path) == before  # the file is only read

    with database.unit_of_work() as s:
        got = s.execute(select(Complaint.facts_what, Complaint.channel, Complaint.axis_b, Customer.name)
                        .join(Customer, Customer.id == Complaint.customer_id)).all()
    expected_channel = {**CODES, **USER_VALUES, "Postal mail": "letter", "Web Referral": "app_web"}
    assert Counter(g.channel for g in got) == Counter(expected_channel[r.channel] for r in records)
    assert {g.name for g in got} == {"CFPB consumer"}
    narratives = Counter(g.facts_what for g in got)
    for i, r in enumerate(records):
        if i != long_row:
            assert narratives[r.narrative] >= 1, r.narrative  # quotes, commas and line breaks intact
    cut = [g.facts_what for g in got if len(g.facts_what) >= imports.MAX_TEXT]
    assert len(cut) == 1 and len(cut[0]) == imports.MAX_TEXT and "21,928" in cut[0]
    assert cut[0].startswith(records[long_row].narrative[:1000])


def test_an_over_long_text_is_refused_unless_cut_by_choice(database: Database, staff: Staff,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    narrative = "客户反映：" + "理财经理承诺保本保息，" * 20_000  # 220,005 characters, over 128 KiB in one cell
    path.write_text("投诉日期,客户姓名,投诉内容,投诉渠道\r\n2026-03-02,王芳,\"" + narrative + "\",柜面\r\n"
                    "2026-03-03,李强,短的内容,热线\r\n", encoding="utf-8")
    mapping = imports.ColumnMapping(columns={"received_at": "投诉日期", "customer_name": "客户姓名",
                                             "facts_what": "投诉内容", "channel": "投诉渠道"},
                                    defaults={"axis_a": "A01", "axis_b": "B0302", "axis_c": "C01"})
    preview = imports.dry_run(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert not preview.ok and preview.importable == 1
    (problem,) = [p for r in preview.problem_rows for p in r.problems]
    assert problem.field == "facts_what" and f"{len(narrative):,}" in problem.message
    assert "Cut over-long texts" in problem.message
    with pytest.raises(ValidationError, match="Nothing was imported"):
        imports.import_file(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    with database.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 0
    options = imports.ImportOptions(now=NOW, cut_long_texts=True)
    assert imports.import_file(database, staff.manager, path, mapping, options).imported == 2
    with database.unit_of_work() as s:
        facts = s.scalar(select(Complaint.facts_what).where(func.length(Complaint.facts_what) > 100))
    assert facts is not None and len(facts) == imports.MAX_TEXT
    assert facts.startswith(narrative[:5000]) and facts.endswith(f"{len(narrative):,} characters]")


def test_a_gbk_register_and_the_same_without_its_header(database: Database, staff: Staff, tmp_path: Path) -> None:
    with_header = tmp_path / "台账.csv"
    rows = gbk_register(with_header)
    with pytest.raises(UnicodeDecodeError):
        with_header.read_bytes().decode("utf-8")  # really GBK, not UTF-8
    preview = imports.dry_run(database, staff.manager, with_header,
                              options=imports.ImportOptions(now=NOW))
    assert preview.encoding == "gb18030" and preview.headers[:3] == ("投诉日期", "客户姓名", "联系电话")
    mapping = preview.mapping
    mapping.defaults["axis_a"] = "A01"
    preview = imports.dry_run(database, staff.manager, with_header, mapping, imports.ImportOptions(now=NOW))
    assert preview.ok and preview.importable == len(rows)

    bare = tmp_path / "无表头.csv"
    gbk_register(bare, header=False)
    numbered = imports.ColumnMapping(
        columns={"received_at": "#1", "customer_name": "#2", "phone": "#3", "channel": "#4", "axis_b": "#5",
                 "axis_c": "#6", "facts_what": "#7"}, defaults={"axis_a": "A01"}, no_header=True)
    numbered = imports.ColumnMapping.from_json(numbered.to_json())  # saved and loaded as a named mapping would be
    preview = imports.dry_run(database, staff.manager, bare, numbered, imports.ImportOptions(now=NOW))
    assert preview.headers == tuple(f"#{n}" for n in range(1, 8)) and preview.header_rows == ()
    assert preview.ok and preview.importable == len(rows)  # the first line is a case, not a header
    result = imports.import_file(database, staff.manager, bare, numbered, imports.ImportOptions(now=NOW))
    assert result.imported == len(rows)
    with database.unit_of_work() as s:
        got = sorted(tuple(r) for r in s.execute(select(Customer.name, Customer.phone, Complaint.facts_what,
                                                        Complaint.channel)
                                                 .join(Customer, Customer.id == Complaint.customer_id)))
    channels = {"柜面": "counter", "电话": "hotline", "信函": "letter", "监管转办": "regulator"}
    assert got == sorted((r[1], r[2], r[6], channels[r[3]]) for r in rows)


def test_a_default_fills_a_required_column_on_every_row(database: Database, staff: Staff, tmp_path: Path) -> None:
    path = tmp_path / "no-names.csv"
    path.write_text("Date received,Narrative\n2026-03-02,Card blocked\n2026-03-03,Fee charged twice\n"
                    "2026-03-04,Loan statement wrong\n", encoding="utf-8")
    mapping = imports.ColumnMapping(columns={"received_at": "Date received", "facts_what": "Narrative"},
                                    defaults={"customer_name": "匿名客户", "axis_a": "A01", "axis_b": "B0301",
                                              "axis_c": "C01"})
    preview = imports.dry_run(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert preview.ok and preview.importable == 3, [r.problems for r in preview.problem_rows]
    assert {r.values["customer_name"] for r in preview.rows} == {"匿名客户"}
    assert imports.import_file(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW)).imported == 3


def test_a_file_that_is_not_standard_csv_is_read_with_a_shown_guess(database: Database, staff: Staff,
                                                                     tmp_path: Path) -> None:
    """Backslash-escaped quotes (a quote in the middle of a quoted field, RFC 4180 refuses it)."""
    path = tmp_path / "odd.csv"
    path.write_text("投诉日期;客户姓名;投诉内容\n2026-03-02;王芳;\"他说\"不退\"就投诉\"\n2026-03-03;李强;卡被吞\n",
                    encoding="utf-8")
    preview = imports.dry_run(database, staff.manager, path, options=imports.ImportOptions(now=NOW))
    assert preview.csv_sniffed and "not standard CSV" in preview.csv_format
    assert any("not standard CSV" in note for note in preview.notes)
    assert preview.summary is not None and preview.summary.rows_read == 2


def test_value_words_are_matched_exactly_or_by_the_longest_word(database: Database, staff: Staff,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "channels.csv"
    words = ["Postal mail", "mail", "E-mail", "Fax", "Referral", "信函", "手机银行APP", "Phone"]
    path.write_text("Date received,Name,Narrative,Via\n" + "".join(
        f"2026-03-0{i + 1},客户{i},内容{i},{w}\n" for i, w in enumerate(words)), encoding="utf-8")
    mapping = imports.ColumnMapping(columns={"received_at": "Date received", "customer_name": "Name",
                                             "facts_what": "Narrative", "channel": "Via"},
                                    defaults={"axis_a": "A01", "axis_b": "B0301", "axis_c": "C01"})
    preview = imports.dry_run(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert preview.summary is not None
    found = {v.text: (v.code, v.guessed) for c in preview.summary.columns if c.field == "channel" for v in c.values}
    assert found == {"Postal mail": ("letter", True), "mail": ("email", False), "E-mail": ("email", False),
                     "Fax": (None, False), "Referral": (None, False), "信函": ("letter", False),
                     "手机银行APP": ("app_web", True), "Phone": ("hotline", False)}
    messages = {r.values["_mapped"]["channel"][0]: p.message for r in preview.problem_rows for p in r.problems}
    assert set(messages) == {"Fax", "Referral"} and all("value mapping" in m for m in messages.values())


def test_columns_by_number_in_a_file_with_a_header(database: Database, staff: Staff, tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    rows = gbk_register(path)
    mapping = imports.ColumnMapping(columns={"received_at": "#1", "customer_name": "客户姓名", "facts_what": "#7",
                                             "channel": "#4", "axis_b": "#5", "axis_c": "#6"},
                                    defaults={"axis_a": "A01"})
    preview = imports.dry_run(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert preview.ok and preview.importable == len(rows)
    mapping.columns["phone"] = "#8"  # the file has seven columns
    preview = imports.dry_run(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert any("'#8'" in p for p in preview.file_problems)


def test_products_and_causes_by_exact_name_or_the_longest_name_inside(database: Database, staff: Staff,
                                                                       tmp_path: Path) -> None:
    path = tmp_path / "axes.csv"
    cells = [("信用卡", "债务催收"), ("信用卡年费争议", "暴力催收，债务催收不当"), ("个人贷款及信用卡", "C12 债务催收"),
             ("保险", "其他")]
    path.write_text("投诉日期,客户姓名,投诉内容,业务类别,投诉原因\n" + "".join(
        f"2026-03-0{i + 1},客户{i},内容{i},{b},{c}\n" for i, (b, c) in enumerate(cells)), encoding="utf-8")
    mapping = imports.ColumnMapping(columns={"received_at": "投诉日期", "customer_name": "客户姓名",
                                             "facts_what": "投诉内容", "axis_b": "业务类别", "axis_c": "投诉原因"},
                                    defaults={"axis_a": "A01"})
    preview = imports.dry_run(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert preview.summary is not None
    found = {(c.field, v.text): (v.code, v.guessed) for c in preview.summary.columns for v in c.values
             if c.field in ("axis_b", "axis_c")}
    assert found == {("axis_b", "信用卡"): ("B0302", False), ("axis_b", "信用卡年费争议"): ("B0302", True),
                     ("axis_b", "个人贷款及信用卡"): ("B0201", True), ("axis_b", "保险"): (None, False),
                     ("axis_c", "债务催收"): ("C12", False), ("axis_c", "暴力催收,债务催收不当"): ("C12", True),
                     ("axis_c", "C12 债务催收"): ("C12", False), ("axis_c", "其他"): (None, False)}
    assert {(g.field, g.text, g.count) for g in preview.guesses} == {
        ("axis_b", "信用卡年费争议", 1), ("axis_b", "个人贷款及信用卡", 1), ("axis_c", "暴力催收,债务催收不当", 1)}


def test_the_mapping_suggested_for_an_english_export() -> None:
    assert imports.suggest_mapping(list(HEADER)).columns == {
        "received_at": "Date received", "facts_what": "Consumer complaint narrative", "channel": "Submitted via",
        "axis_b": "Product", "axis_c": "Issue", "respondent": "Company", "legacy_number": "Complaint ID"}
