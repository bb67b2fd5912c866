"""The case list's table model: Qt's model checks, lazy pages over a fake million rows, deadline texts, sort."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt, QThreadPool
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desk_app import i18n
from desk_app.api.backend import LocalBackend
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.deadlines import DeadlineState
from desk_app.domain.enums import Severity, SpecialFlag, Status
from desk_app.services import demo
from desk_app.services.accounts import authenticate
from desk_app.services.case_list import CaseFilter, CaseRow, FirstPage, SortKey, count_cases, fetch_page
from tests.support.gui import wait_until_idle
from ui.cases.case_table_model import (
    CACHE_PAGES,
    CASE_ID_ROLE,
    MAX_WANTED,
    BackendSource,
    CaseTableModel,
    Column,
    ListQuery,
)

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def demo_db(gui_db: Database) -> Database:
    demo.generate_demo_data(gui_db, 300, seed=1)
    return gui_db


@pytest.fixture
def hq_admin(demo_db: Database) -> Actor:
    return authenticate(demo_db, "admin", demo.DEMO_PASSWORD)


def _today() -> date:
    return datetime.now(TZ).date()


def _loaded(qtbot: QtBot, model: CaseTableModel, query: ListQuery) -> CaseTableModel:
    with qtbot.waitSignal(model.sig_loaded, timeout=10_000):
        model.set_query(query)
    return model


def _load_all(qtbot: QtBot, model: CaseTableModel) -> None:
    for row in range(0, model.rowCount(), model.page_size):
        model.row_at(row)
        qtbot.waitUntil(partial(model.is_loaded, row), timeout=10_000)


def _numbers(model: CaseTableModel) -> list[str]:
    rows = [model.row_at(r) for r in range(model.rowCount())]
    return [row.case_number for row in rows if row is not None]


@pytest.mark.qt_log_level_fail("WARNING")
def test_qt_model_checks_on_demo_data(qtbot: QtBot, qtmodeltester: ModelTester, demo_db: Database,
                                      hq_admin: Actor) -> None:
    model = _loaded(qtbot, CaseTableModel(BackendSource(LocalBackend(demo_db), hq_admin), TZ),
                    ListQuery(CaseFilter(), today=_today()))
    assert model.rowCount() == 300
    assert model.loaded_pages() == [0]
    _load_all(qtbot, model)
    assert model.loaded_pages() == [0, 1]
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(model)  # Qt's C++ QAbstractItemModelTester, kept alive by the fixture
    # a re-query and a sort under the C++ tester's watch
    with qtbot.waitSignal(model.sig_loaded, timeout=10_000):
        model.sort(Column.CASE_NUMBER, Qt.SortOrder.AscendingOrder)
    _load_all(qtbot, model)
    assert _numbers(model) == sorted(_numbers(model))


def test_rows_match_the_service_and_are_masked(qtbot: QtBot, demo_db: Database, hq_admin: Actor) -> None:
    today = _today()
    model = _loaded(qtbot, CaseTableModel(BackendSource(LocalBackend(demo_db), hq_admin), TZ),
                    ListQuery(CaseFilter(), today=today))
    expected = fetch_page(demo_db, hq_admin, CaseFilter(), today, limit=5)
    for r, case in enumerate(expected):
        assert model.data(model.index(r, Column.CASE_NUMBER)) == case.case_number
        assert model.data(model.index(r, Column.CUSTOMER)) == f"{case.customer} {case.phone}"
        assert "*" in model.data(model.index(r, Column.CUSTOMER))
        assert model.data(model.index(r, Column.BUSINESS)) == f"{case.business_code} {case.business_name_en}"
        assert model.data(model.index(r, Column.CAUSE)).startswith(case.cause_code + " ")
        assert model.data(model.index(r, Column.RECEIVED)) == case.received_at.astimezone(TZ).strftime(
            "%Y-%m-%d %H:%M")
        assert model.data(model.index(r, 0), CASE_ID_ROLE) == case.id
        assert model.case_id(r) == case.id
    i18n.set_language("zh_CN")  # taxonomy names follow the interface language
    model.retranslate()  # as the page's retranslate_ui() does
    assert model.data(model.index(0, Column.BUSINESS)) == f"{expected[0].business_code} {expected[0].business_name}"
    i18n.set_language("en")


def test_overdue_and_due_soon_rows_carry_text_and_icon(qtbot: QtBot, demo_db: Database, hq_admin: Actor) -> None:
    today = _today()
    model = _loaded(qtbot, CaseTableModel(BackendSource(LocalBackend(demo_db), hq_admin), TZ),
                    ListQuery(CaseFilter(overdue=True), sort=SortKey.DUE, descending=False, today=today))
    assert model.rowCount() == count_cases(demo_db, hq_admin, CaseFilter(overdue=True), today) > 0
    first = model.row_at(0)
    assert first is not None and first.deadline is DeadlineState.OVERDUE
    due = model.index(0, Column.DUE)
    n = -first.days_left
    assert model.data(due) == f"{first.due_on.isoformat()}  Overdue by {n} day{'s' if n != 1 else ''}"
    assert not model.data(due, Qt.ItemDataRole.DecorationRole).isNull()
    assert model.data(due, Qt.ItemDataRole.ForegroundRole).color().name() == "#a61b1b"
    i18n.set_language("zh_CN")
    model.retranslate()
    assert f"逾期 {n} 天" in model.data(due)
    i18n.set_language("en")

    with qtbot.waitSignal(model.sig_loaded, timeout=10_000):
        model.set_query(ListQuery(CaseFilter(due_soon=True), today=today))
    for r in range(model.rowCount()):
        row = model.row_at(r)
        assert row is not None and row.deadline is DeadlineState.DUE_SOON
        text = model.data(model.index(r, Column.DUE))
        assert "left" in text or "Due today" in text
        assert not model.data(model.index(r, Column.DUE), Qt.ItemDataRole.DecorationRole).isNull()

    with qtbot.waitSignal(model.sig_loaded, timeout=10_000):  # running, not yet due soon: days left, no alarm
        model.set_query(ListQuery(CaseFilter(statuses=frozenset({Status.REGISTERED})), sort=SortKey.DUE,
                                  descending=True, today=today))
    row = model.row_at(0)
    assert row is not None and row.deadline is DeadlineState.OK and row.days_left > 2
    assert model.data(model.index(0, Column.DUE)) == f"{row.due_on.isoformat()}  {row.days_left} days left"
    assert model.data(model.index(0, Column.DUE), Qt.ItemDataRole.DecorationRole) is None
    assert model.data(model.index(0, Column.DUE), Qt.ItemDataRole.ForegroundRole) is None

    with qtbot.waitSignal(model.sig_loaded, timeout=10_000):  # a finished case: the date, the clock stopped
        model.set_query(ListQuery(CaseFilter(statuses=frozenset({Status.CLOSED})), today=today))
    row = model.row_at(0)
    assert row is not None and row.deadline is DeadlineState.STOPPED
    assert model.data(model.index(0, Column.DUE)) == row.due_on.isoformat()
    assert "clock stopped" in model.data(model.index(0, Column.DUE), Qt.ItemDataRole.AccessibleTextRole)


def test_special_flags_show_as_text_and_icon(qtbot: QtBot, demo_db: Database, hq_admin: Actor) -> None:
    model = _loaded(qtbot, CaseTableModel(BackendSource(LocalBackend(demo_db), hq_admin), TZ),
                    ListQuery(CaseFilter(any_flag=True), today=_today()))
    assert model.rowCount() > 0
    row = model.row_at(0)
    assert row is not None and row.flags
    text = model.data(model.index(0, Column.FLAGS))
    assert all(flag.label in text for flag in row.flags)
    assert not model.data(model.index(0, Column.FLAGS), Qt.ItemDataRole.DecorationRole).isNull()


def test_sort_requeries_and_the_flags_column_is_not_sortable(qtbot: QtBot, demo_db: Database,
                                                             hq_admin: Actor) -> None:
    model = _loaded(qtbot, CaseTableModel(BackendSource(LocalBackend(demo_db), hq_admin), TZ),
                    ListQuery(CaseFilter(), today=_today()))
    with qtbot.waitSignal(model.sig_loaded, timeout=10_000):
        model.sort(Column.STATUS, Qt.SortOrder.DescendingOrder)
    assert model.query is not None and (model.query.sort, model.query.descending) == (SortKey.STATUS, True)
    _load_all(qtbot, model)
    statuses = [row.status.value for r in range(model.rowCount()) if (row := model.row_at(r))]
    assert statuses == sorted(statuses, reverse=True)
    with qtbot.assertNotEmitted(model.sig_started):
        model.sort(Column.FLAGS, Qt.SortOrder.AscendingOrder)
        model.sort(Column.STATUS, Qt.SortOrder.DescendingOrder)  # unchanged: no query


# -- a fake million rows: laziness, the order pages are fetched in, the cache bound --------------------------------
@dataclass
class FakeSource:
    """A million cases that exist only when a page is asked for; records the offsets fetched."""

    total: int = 1_000_000
    offsets: list[int] | None = None
    gate: threading.Event | None = None

    def open(self, query: ListQuery, limit: int) -> FirstPage:
        return FirstPage(self.total, self.page(query, 0, limit, self.total))

    def page(self, query: ListQuery, offset: int, limit: int, count: int) -> list[CaseRow]:
        if self.gate is not None:
            self.gate.wait(10)
        if self.offsets is not None:
            self.offsets.append(offset)
        today = query.today
        return [CaseRow(
            id=uuid.UUID(int=i), case_number=f"SH01-20261123-{i:07d}", received_at=datetime(2026, 1, 1, tzinfo=UTC),
            customer="王*", phone="138****0000", branch_code="SH01", business_code="B01", business_name="储蓄",
            cause_code="C09", cause_name="收费", severity=Severity.GENERAL, status=Status.IN_PROGRESS,
            owner_name="张三", due_on=today + timedelta(days=(i % 7) - 3), days_left=(i % 7) - 3,
            deadline=DeadlineState.OVERDUE if i % 7 < 3 else DeadlineState.OK,
            flags=frozenset({SpecialFlag.MEDIA}) if i % 50 == 0 else frozenset())
            for i in range(offset, min(offset + limit, self.total))]


@pytest.fixture
def pool(qapp: object) -> Iterator[QThreadPool]:
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    yield pool
    pool.waitForDone(10_000)


def test_a_million_rows_load_lazily(qtbot: QtBot, pool: QThreadPool) -> None:
    source = FakeSource(offsets=[])
    model = CaseTableModel(source, TZ, pool=pool)
    with qtbot.waitSignal(model.sig_loaded, timeout=10_000) as loaded:
        model.set_query(ListQuery(CaseFilter(), today=_today()))
    assert loaded.args == [1_000_000]
    assert model.rowCount() == 1_000_000 and source.offsets == [0]
    middle = model.index(500_123, Column.CASE_NUMBER)
    assert model.data(middle) == "Loading…"  # placeholder while the page loads
    with qtbot.waitSignal(model.dataChanged, timeout=10_000) as changed:
        pass
    top_left, bottom_right = changed.args[0], changed.args[1]
    assert (top_left.row(), bottom_right.row()) == (500_000, 500_199)
    assert model.data(middle) == "SH01-20261123-0500123"
    assert source.offsets == [0, 500_000]


def test_newest_wishes_are_fetched_first_and_old_ones_forgotten(qtbot: QtBot, pool: QThreadPool) -> None:
    gate = threading.Event()
    source = FakeSource(offsets=[])
    model = _loaded(qtbot, CaseTableModel(source, TZ, pool=pool), ListQuery(CaseFilter(), today=_today()))
    source.gate = gate
    # The user drags the scroll bar: pages 10, 20, … 90 are painted while page 5 is still loading.
    model.row_at(5 * 200)
    for page in range(10, 100, 10):
        model.row_at(page * 200)
    gate.set()
    qtbot.waitUntil(lambda: model.is_loaded(90 * 200) and model.is_loaded(60 * 200), timeout=10_000)
    wait_until_idle(qtbot)  # and nothing more is fetched
    expected = [5 * 200, *(p * 200 for p in (90, 80, 70, 60))]
    assert source.offsets == [0, *expected]
    assert len(expected) - 1 == MAX_WANTED


def test_page_cache_is_bounded(qtbot: QtBot, pool: QThreadPool) -> None:
    model = _loaded(qtbot, CaseTableModel(FakeSource(), TZ, pool=pool), ListQuery(CaseFilter(), today=_today()))
    for page in range(1, CACHE_PAGES + 20):
        model.row_at(page * 200)
        qtbot.waitUntil(partial(model.is_loaded, page * 200), timeout=10_000)
    assert len(model.loaded_pages()) == CACHE_PAGES
    assert not model.is_loaded(0)  # the least recently shown went first


def test_a_stale_answer_is_dropped(qtbot: QtBot, pool: QThreadPool) -> None:
    model = CaseTableModel(FakeSource(), TZ, pool=pool)
    model.set_query(ListQuery(CaseFilter(), today=_today()))
    with qtbot.waitSignal(model.sig_loaded, timeout=10_000):
        model.set_query(ListQuery(CaseFilter(text="second"), today=_today()))
    wait_until_idle(qtbot)  # the first query's answer has come too, and was dropped
    assert model.query is not None and model.query.flt.text == "second"
    pool.waitForDone(10_000)


def test_refresh_keeps_the_rows_and_inserts_new_ones(qtbot: QtBot, pool: QThreadPool) -> None:
    source = FakeSource(total=450)
    model = _loaded(qtbot, CaseTableModel(source, TZ, pool=pool), ListQuery(CaseFilter(), today=_today()))
    source.total = 460
    with qtbot.assertNotEmitted(model.modelReset), \
            qtbot.waitSignals([model.rowsInserted, model.sig_loaded], timeout=10_000):
        model.refresh()
    assert model.rowCount() == 460
    source.total = 10
    with qtbot.waitSignals([model.rowsRemoved, model.sig_loaded], timeout=10_000):
        model.refresh()
    assert model.rowCount() == 10


def test_a_failed_page_shows_disabled(qtbot: QtBot, pool: QThreadPool) -> None:
    class Failing(FakeSource):
        def page(self, query: ListQuery, offset: int, limit: int, count: int) -> list[CaseRow]:
            if offset:
                raise RuntimeError("disk gone")
            return super().page(query, offset, limit, count)

    model = _loaded(qtbot, CaseTableModel(Failing(), TZ, pool=pool), ListQuery(CaseFilter(), today=_today()))
    with qtbot.waitSignal(model.sig_failed, timeout=10_000) as failed:
        model.row_at(1000)
    assert isinstance(failed.args[0], RuntimeError)
    assert model.data(model.index(1000, 0)) == "(not loaded)"
    assert model.flags(model.index(1000, 0)) == Qt.ItemFlag.NoItemFlags
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsSelectable
    with qtbot.assertNotEmitted(model.sig_failed, wait=200):  # one message per query, not one per page
        model.row_at(2000)
    qtbot.waitUntil(lambda: model.data(model.index(2000, 0)) == "(not loaded)", timeout=10_000)
