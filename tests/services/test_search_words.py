"""Chinese word search: 1- and 2-character terms find the complaint texts (facts, request, summary) on both
databases with exact counts; a new case is findable at once and the index catches up in the background;
migration 0008 indexes the cases a database already holds."""

from __future__ import annotations

import importlib.util
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from desk_app.db import search
from desk_app.db.models import Complaint, Customer
from desk_app.db.uow import Database
from desk_app.services.case_list import PAGE_SIZE, CaseFilter, count_cases, fetch_page
from desk_app.services.complaints import get_complaint, register_complaint, update_complaint
from desk_app.services.dto import CustomerDraft
from tests.support.staff import Staff, draft

# (facts, request, summary): the words sit in each field in turn
TEXTS = [
    ("贷款催收人员多次夜间致电其亲属", "要求停止骚扰", ""),
    ("信用卡账单出现未授权消费", "要求退还利息和手续费", ""),
    ("客户提前还款被收取违约金", "要求退还违约金", "提前还款违约金争议"),
    ("车辆事故后申请理赔被拒", "要求按合同理赔", "理赔争议"),
    ("网点排队时间过长", "要求改善服务", "客户称将向媒体曝光"),
    ("ATM机吞卡三天未归还", "要求归还银行卡", ""),
    ("理财产品收益与宣传不符", "要求赔偿收益差额", "催收"),
    ("客户称利率上调未告知，利息增加", "要求说明原因", ""),
    ("分期手续费未告知", "要求退还款项", "款项争议"),
    ("转账显示成功但未到账", "要求查明资金去向，尽快还款", ""),
]
NAMES = ["王芳", "李明", "理查德", "张伟", "催晓", "赵强", "王卡", "刘洋", "陈静", "杨帆"]
WORDS = ["催收", "利息", "还款", "理赔", "曝光", "款项", "吞卡", "卡", "款", "理", "王", "atm", "at", "A", "S",
         "未告", "争议", "，利", "02"]


def _register_all(database: Database, staff: Staff) -> None:
    now = datetime.now(UTC)
    for i, ((facts, request, summary), name) in enumerate(zip(TEXTS, NAMES, strict=True)):
        actor = staff.clerk if i % 3 else staff.other_branch_clerk
        register_complaint(database, actor, draft(
            received_at=now - timedelta(hours=i), facts_what=facts, request_text=request, summary=summary,
            customer=CustomerDraft(name=name, phone=f"1380000{i:04d}")))


def _expected(database: Database, word: str) -> set[str]:
    """The independent answer: every case whose text contains ``word`` (case-insensitively) or whose number or
    customer name starts with it (3+ characters: contains), read plainly from the tables."""
    with database.unit_of_work() as session:
        rows = session.execute(select(Complaint.case_number, Complaint.summary, Complaint.facts_what,
                                      Complaint.request_text, Customer.name, Customer.phone)
                               .join(Customer, Customer.id == Complaint.customer_id)).all()
    found = set()
    for number, summary, facts, request, name, phone in rows:
        body = f"{summary} {facts} {request}".lower()
        if word.lower() in body or number.startswith(word) or name.startswith(word) or (
                len(word) >= 3 and word.lower() in f"{number} {name} {phone}".lower()):
            found.add(number)
    return found


def _listed(database: Database, staff: Staff, word: str) -> tuple[int, set[str]]:
    flt = CaseFilter(text=word)
    today = date.today()
    count = count_cases(database, staff.admin, flt, today)
    numbers: list[str] = []
    while True:
        page = fetch_page(database, staff.admin, flt, today, offset=len(numbers), limit=3, matches=count)
        numbers += [row.case_number for row in page]
        if len(page) < 3:
            break
    assert len(numbers) == len(set(numbers))
    return count, set(numbers)


def _check_every_word(database: Database, staff: Staff) -> None:
    for word in WORDS:
        expected = _expected(database, word)
        count, listed = _listed(database, staff, word)
        assert (count, listed) == (len(expected), expected), word
    # a branch clerk: the same search within the branch (the generic count, not the HQ shortcut)
    clerk_count = count_cases(database, staff.clerk, CaseFilter(text="还款"), date.today())
    clerk_rows = fetch_page(database, staff.clerk, CaseFilter(text="还款"), date.today(), limit=PAGE_SIZE)
    assert clerk_count == len(clerk_rows) == len({r.case_number for r in clerk_rows} & _expected(database, "还款"))


def test_two_character_words_in_every_text_field(database: Database, staff: Staff) -> None:
    _register_all(database, staff)
    assert len(_expected(database, "还款")) == 3  # request, facts and summary; also inside 退还款项
    assert len(_expected(database, "利息")) == 2 and len(_expected(database, "催收")) == 2
    _check_every_word(database, staff)  # on SQLite: some rows may still be queued, some indexed
    search.drain(database)
    assert search.pending(database) == 0
    _check_every_word(database, staff)  # everything from the index


def test_an_edit_leaves_the_word_index_exact(database: Database, staff: Staff) -> None:
    _register_all(database, staff)
    search.drain(database)
    case = fetch_page(database, staff.admin, CaseFilter(text="吞卡"), date.today())[0]
    detail = get_complaint(database, staff.admin, case.id)
    update_complaint(database, staff.handler, detail.id, detail.version,
                     {"facts_what": "ATM机故障未退卡", "summary": "ATM机故障"})
    for _round in range(2):  # queued, then indexed again from the new text
        assert _listed(database, staff, "吞卡") == (0, set())
        assert _listed(database, staff, "故障") == (1, {case.case_number})
        assert _listed(database, staff, "atm")[1] == {case.case_number}
        search.drain(database)
    _check_every_word(database, staff)


def test_a_new_case_is_findable_at_once_and_indexed_in_the_background(database: Database, staff: Staff) -> None:
    _register_all(database, staff)
    search.drain(database)
    new = register_complaint(database, staff.clerk, draft(facts_what="客户反映遭遇暴力催收", request_text="要求道歉"))
    assert new.case_number in _listed(database, staff, "暴力")[1]  # at once, before any drain
    assert _listed(database, staff, "催收")[0] == 3
    deadline = time.monotonic() + search.MAX_DELAY_S + 10  # the stated delay, and room for a slow machine
    while search.pending(database) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the queue the background drain empties
    assert search.pending(database) == 0
    assert _listed(database, staff, "暴力") == (1, {new.case_number})
    assert _listed(database, staff, "遭遇暴力") == (1, {new.case_number})


def _migration_0008() -> ModuleType:
    path = Path(search.__file__).parent / "migrations" / "versions" / "2026_12_06_0008_search_words.py"
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_migration(database: Database, step: str) -> None:
    with database.engine.connect() as conn:
        with Operations.context(MigrationContext.configure(conn)):
            getattr(_migration_0008(), step)()
        conn.commit()


def test_migration_0008_indexes_the_cases_a_database_holds(database: Database, staff: Staff) -> None:
    """Cases registered under the old shape (0007: SQLite's triggers write the trigram table, PostgreSQL has
    no word index) are found by their words after the upgrade; on SQLite the queue starts empty."""
    _run_migration(database, "downgrade")
    try:
        _register_all(database, staff)  # the old triggers index the trigram table at once
        if database.dialect == "sqlite":
            with database.engine.connect() as conn:
                names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
                indexed = conn.execute(text(f"SELECT count(*) FROM {search.TRIGRAMS}")).scalar()
            assert search.WORDS not in names and search.QUEUE not in names and indexed == len(TEXTS)
    finally:
        _run_migration(database, "upgrade")
    assert search.pending(database) == 0
    _check_every_word(database, staff)
    assert _listed(database, staff, "按合同理赔")[0] == 1


def test_the_word_tokens() -> None:
    """Bigrams inside runs of letters and digits, and each run's last character: a 2-character word is one
    token, a single character a 1-character prefix; punctuation and spaces part runs."""
    assert search.grams("吞卡后三天，ATM 7") == "7 AT M TM 三天 卡后 后三 吞卡 天"
    assert search.grams("") == "" and search.grams("，。 ") == ""
    assert search.words_query("催收") == '"催收"' and search.words_query("卡") == '"卡"*'
    assert search.words_query("卡，") is None and search.words_query("a_") is None  # answered by a scan


def test_postgresql_grams_are_every_one_and_two_character_substring(database: Database) -> None:
    """``complaint_search_grams`` (migration 0022's cheaper form) gives the GIN index the set of every 1- and
    2-character substring of the lower-cased text, as the sorted form of 0008 did: the index built under one
    form serves the other."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite's word index is written by the application (search.grams)")
    bodies = ["", " ", "a", "ATM 吞卡三天，未归还", "Ça  va ÉTÉ", "信用卡 信用卡", "😀表情 x", "多\n行\t文本"]
    with database.engine.connect() as conn:
        for body in bodies:
            found = conn.execute(text("SELECT complaint_search_grams(:b)"), {"b": body}).scalar_one()
            lower = conn.execute(text("SELECT lower(:b)"), {"b": body}).scalar_one()
            expected = {lower[i:i + n] for i in range(len(lower)) for n in (1, 2)}
            assert set(found) == expected, body
        assert conn.execute(text("SELECT complaint_search_grams(NULL)")).scalar_one() is None
