"""The dashboard's figures, recomputed from plain rows: trend, Pareto, branches with overdue share,
satisfaction trend and early warnings."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from desk_app.db.models import Branch, Callback, Complaint
from desk_app.db.uow import Database
from desk_app.domain.enums import Channel, Severity
from desk_app.services.accounts import authenticate
from desk_app.services.complaints import register_complaint
from desk_app.services.dashboard import DashboardQuery, Granularity, bucket_start, buckets, dashboard_data
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.dto import ComplaintDraft, CustomerDraft
from tests.reports.report_data import NOW, TODAY, build_report_data, local_day

RUNNING = {"registered", "assigned", "in_progress", "under_review"}


@pytest.fixture
def demo_db(database: Database) -> Database:
    build_report_data(database, count=400)
    clerk = authenticate(database, "sh01.clerk", DEMO_PASSWORD)
    for i in range(9):  # a spike of one cause at one branch in the latest month
        register_complaint(database, clerk, ComplaintDraft(
            channel=Channel.HOTLINE, axis_a="A0303", axis_b="B06", axis_c="C10", severity=Severity.SERIOUS,
            facts_what="手机银行个人信息疑似泄露，收到诈骗电话", request_text="查明泄露原因",
            received_at=NOW - timedelta(hours=3 + 20 * (i % 2)),  # the last two days
            customer=CustomerDraft(name=f"客户{i}", phone=f"1390000{i:04d}")))
    return database


def test_buckets() -> None:
    assert buckets(date(2026, 1, 15), date(2026, 3, 10), Granularity.MONTH) == [
        (date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 10))]
    weeks = buckets(date(2026, 3, 4), date(2026, 3, 20), Granularity.WEEK)
    assert weeks[0] == (date(2026, 3, 4), date(2026, 3, 8)) and weeks[-1] == (date(2026, 3, 16), date(2026, 3, 20))
    assert bucket_start(date(2026, 3, 8), Granularity.WEEK) == date(2026, 3, 2)  # a Sunday → its Monday


@pytest.mark.parametrize("granularity", [Granularity.MONTH, Granularity.WEEK])
def test_dashboard_matches_plain_rows(demo_db: Database, granularity: Granularity) -> None:
    hq = authenticate(demo_db, "hq.analyst", DEMO_PASSWORD)
    query = DashboardQuery(date(2025, 12, 1), TODAY, granularity=granularity)
    data = dashboard_data(demo_db, hq, query, today=TODAY)
    with demo_db.unit_of_work() as s:
        code = {b.id: b.code for b in s.scalars(select(Branch))}
        cases = [c for c in s.scalars(select(Complaint)) if query.date_from <= local_day(c.received_at) <= TODAY]
        calls = [(cb, s.get(Complaint, cb.complaint_id)) for cb in s.scalars(select(Callback))
                 if cb.satisfaction is not None and query.date_from <= local_day(cb.called_at) <= TODAY]
    assert data.total == len(cases)
    trend = Counter(bucket_start(local_day(c.received_at), granularity) for c in cases)
    assert [(p.start, p.count) for p in data.trend] == [(a, trend.get(bucket_start(a, granularity), 0))
                                                        for a, _b in buckets(query.date_from, TODAY, granularity)]
    per_branch: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in cases:
        late = (c.status in RUNNING and c.due_on < TODAY) or (
            c.responded_at is not None and local_day(c.responded_at) > c.due_on)
        per_branch[code[c.branch_id]][0] += 1
        per_branch[code[c.branch_id]][1] += late
    assert {b.code: [b.count, b.overdue] for b in data.branches} == dict(per_branch)
    causes = Counter(c.axis_c for c in cases)
    assert [(p.code, p.count) for p in data.pareto] == sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    scores: dict[date, list[int]] = defaultdict(list)
    for cb, _c in calls:
        scores[bucket_start(local_day(cb.called_at), granularity)].append(cb.satisfaction)  # type: ignore[arg-type]
    for point in data.satisfaction:
        values = scores.get(bucket_start(point.start, granularity), [])
        assert point.count == len(values)
        assert point.average == (pytest.approx(sum(values) / len(values)) if values else None)
    # early warnings: recomputed with the documented rule
    latest = bucket_start(TODAY, granularity)
    starts, start = [], latest
    for _i in range(query.baseline_periods):
        start = bucket_start(start - timedelta(days=1), granularity)
        starts.insert(0, start)
    with demo_db.unit_of_work() as s:
        every = list(s.scalars(select(Complaint)))
    series: dict[tuple[str, str], Counter[date]] = defaultdict(Counter)
    for c in every:
        day = local_day(c.received_at)
        if starts[0] <= day <= TODAY:
            series[(code[c.branch_id], c.axis_c)][bucket_start(day, granularity)] += 1
    expected = set()
    for key, counts in series.items():
        history = [counts.get(s, 0) for s in starts]
        mean = sum(history) / len(history)
        spread = (sum((h - mean) ** 2 for h in history) / len(history)) ** 0.5
        if counts.get(latest, 0) >= 5 and counts[latest] >= 2 * mean and counts[latest] > mean + 2 * spread:
            expected.add(key)
    assert {(w.branch_code, w.cause_code) for w in data.warnings} == expected
    assert ("SH01", "C10") in expected
    warning = next(w for w in data.warnings if (w.branch_code, w.cause_code) == ("SH01", "C10"))
    assert warning.cause_name and warning.branch_name and warning.period_start == latest
    # by due date; the action finished on the first day of the period still counts
    assert [a.title for a in data.actions] == ["旧的已完成整改", "柜面服务礼仪培训", "理财产品风险揭示整改",
                                               "优化信用卡盗刷处置流程"]


def test_branch_scope(demo_db: Database) -> None:
    manager = authenticate(demo_db, "bj01.manager", DEMO_PASSWORD)
    data = dashboard_data(demo_db, manager, DashboardQuery(date(2026, 1, 1), TODAY), today=TODAY)
    assert [b.code for b in data.branches] == ["BJ01"] and not any(w.branch_code != "BJ01" for w in data.warnings)
    assert datetime.now(UTC) > NOW
