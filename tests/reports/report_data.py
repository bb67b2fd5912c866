"""Test data for reports: demo cases plus resolutions, callbacks, root causes and improvement actions,
and an independent plain-Python recomputation of every statistics figure (no SQL aggregation)."""

from __future__ import annotations

import random
import statistics
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from desk_app.db.models import (
    Branch,
    Callback,
    Complaint,
    ImprovementAction,
    Resolution,
    RootCause,
    User,
    improvement_action_cases,
)
from desk_app.db.uow import Database
from desk_app.services.demo import generate_demo_data

NOW = datetime(2026, 6, 30, 8, 0, tzinfo=UTC)
TODAY = date(2026, 6, 30)
TZ = ZoneInfo("Asia/Shanghai")
Q2 = (date(2026, 4, 1), date(2026, 6, 30))
Q1 = (date(2026, 1, 1), date(2026, 3, 31))
RUNNING = {"registered", "assigned", "in_progress", "under_review"}
FINISHED = {"closed", "refused", "withdrawn"}


def build_report_data(db: Database, count: int = 400, seed: int = 7) -> None:
    """Demo cases received over the year before NOW, with outcomes recorded for many of them."""
    generate_demo_data(db, count, seed=seed, now=NOW, with_outcomes=False)  # varied outcomes below
    rng = random.Random(seed)
    with db.unit_of_work() as session:
        users = list(session.scalars(select(User.id)))
        complaints = list(session.scalars(select(Complaint).order_by(Complaint.case_number)))
        for c in complaints:
            if c.responded_at is not None and rng.random() < 0.7:
                if rng.random() < 0.2:  # a rejected proposal before the approved one
                    session.add(Resolution(complaint_id=c.id, resolution_type="refund", amount=Decimal("999.99"),
                                           upheld=True, approval_state="rejected", proposed_by_id=rng.choice(users)))
                state = rng.choice(["approved"] * 8 + ["proposed", "rejected"])
                amount = rng.choice([None, None, Decimal(rng.randrange(1, 500000)) / 100])
                session.add(Resolution(complaint_id=c.id, resolution_type="refund", amount=amount,
                                       upheld=rng.choice([True, False, None]), approval_state=state,
                                       proposed_by_id=rng.choice(users)))
            if c.status in ("closed", "awaiting_callback") and rng.random() < 0.75:
                at = (c.responded_at or c.received_at) + timedelta(days=1)
                session.add(Callback(complaint_id=c.id, called_at=at, called_by_id=rng.choice(users),
                                     satisfaction=rng.choice([None, 1, 2, 3, 4, 5, 5, 4])))
                if rng.random() < 0.2:  # called again later: the last score counts
                    session.add(Callback(complaint_id=c.id, called_at=at + timedelta(days=2),
                                         called_by_id=rng.choice(users), satisfaction=rng.randint(1, 5)))
            if c.status == "closed" and rng.random() < 0.5:
                session.add(RootCause(complaint_id=c.id, level=rng.choice(["data", "rules", "process"]),
                                      cause_code=c.axis_c, description="溯源分析", recorded_by_id=rng.choice(users)))
        branches = list(session.scalars(select(Branch).order_by(Branch.code)))
        for i, (title, state, due, done) in enumerate([
            ("优化信用卡盗刷处置流程", "in_progress", date(2026, 7, 31), None),
            ("柜面服务礼仪培训", "done", date(2026, 5, 31), date(2026, 5, 20)),
            ("理财产品风险揭示整改", "planned", date(2026, 6, 15), None),
            ("旧的已完成整改", "done", date(2025, 12, 31), date(2025, 12, 1)),
        ]):
            action = ImprovementAction(title=title, branch_id=branches[i % len(branches)].id,
                                       cause_code=f"C0{i + 1}", level="process", owner_id=rng.choice(users),
                                       due_on=due, state=state, completed_on=done,
                                       created_at=NOW - timedelta(days=200))
            session.add(action)
            session.flush()
            for c in rng.sample(complaints, 3):
                session.execute(improvement_action_cases.insert().values(action_id=action.id, complaint_id=c.id))


def local_day(at: datetime) -> date:
    return at.astimezone(TZ).date()


@dataclass
class Expected:
    total: int = 0
    previous_total: int = 0
    decided: int = 0
    due: int = 0
    on_time: int = 0
    first_contact_days: list[float] = field(default_factory=list)
    decision_days: list[float] = field(default_factory=list)
    scores: Counter[int] = field(default_factory=Counter)
    repeat: int = 0
    judged: int = 0
    upheld: int = 0
    compensation_cases: int = 0
    compensation: Decimal = Decimal("0.00")
    open_overdue: int = 0
    finished: int = 0
    by: dict[str, Counter[Any]] = field(default_factory=lambda: defaultdict(Counter))
    by_previous: dict[str, Counter[Any]] = field(default_factory=lambda: defaultdict(Counter))
    branch: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    root_causes: Counter[tuple[str, str]] = field(default_factory=Counter)


def expected_figures(db: Database, period: tuple[date, date], previous: tuple[date, date],
                     branch_codes: set[str] | None = None, today: date = TODAY) -> Expected:
    """Every figure recomputed from plain rows with plain Python."""
    with db.unit_of_work() as session:
        branch_code = {b.id: b.code for b in session.scalars(select(Branch))}
        complaints = list(session.scalars(select(Complaint)))
        resolutions = list(session.scalars(select(Resolution)))
        callbacks = list(session.scalars(select(Callback)))
        root_causes = list(session.scalars(select(RootCause)))
    approved: dict[uuid.UUID, list[Resolution]] = defaultdict(list)
    for r in resolutions:
        if r.approval_state == "approved":
            approved[r.complaint_id].append(r)
    last_score: dict[uuid.UUID, int] = {}
    for cb in sorted((cb for cb in callbacks if cb.satisfaction is not None), key=lambda cb: cb.called_at):
        last_score[cb.complaint_id] = cb.satisfaction  # type: ignore[assignment]
    received_by_customer: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    for c in complaints:
        received_by_customer[c.customer_id].append(c.received_at)
    roots = {rc.complaint_id: rc for rc in root_causes}
    e = Expected()
    for c in complaints:
        code = branch_code[c.branch_id]
        if branch_codes is not None and code not in branch_codes:
            continue
        day = local_day(c.received_at)
        flags = [f for f in ("irrational", "group", "media", "regulator", "litigation") if getattr(c, f"flag_{f}")]
        keys = {"branch": [code], "channel": [c.channel], "A": [c.axis_a], "B": [c.axis_b], "C": [c.axis_c],
                "D": [c.axis_d] if c.axis_d else [], "severity": [c.severity],
                "flag": flags + (["any"] if flags else [])}
        if previous[0] <= day <= previous[1]:
            e.previous_total += 1
            for dim, values in keys.items():
                for v in values:
                    e.by_previous[dim][v] += 1
            continue
        if not period[0] <= day <= period[1]:
            continue
        e.total += 1
        for dim, values in keys.items():
            for v in values:
                e.by[dim][v] += 1
        b = e.branch[code]
        due = c.status not in ("refused", "withdrawn") and (c.responded_at is not None or c.due_on < today)
        on_time = due and c.responded_at is not None and local_day(c.responded_at) <= c.due_on
        e.decided += c.responded_at is not None
        e.due += due
        e.on_time += on_time
        b["due"] += due
        b["on_time"] += on_time
        if c.first_contact_at is not None:
            e.first_contact_days.append((c.first_contact_at - c.received_at).total_seconds() / 86400)
        if c.responded_at is not None:
            days = (c.responded_at - c.received_at).total_seconds() / 86400
            e.decision_days.append(days)
            b.setdefault("decision_days", []).append(days)  # type: ignore[attr-defined]
        if c.id in last_score:
            e.scores[last_score[c.id]] += 1
            b["score_n"] += 1
            b["score_sum"] += last_score[c.id]
        if any(r < c.received_at for r in received_by_customer[c.customer_id]):
            e.repeat += 1
            b["repeat"] += 1
        rs = approved.get(c.id, [])
        if any(r.upheld is not None for r in rs):
            e.judged += 1
            b["judged"] += 1
            if any(r.upheld for r in rs):
                e.upheld += 1
                b["upheld"] += 1
        amounts = [r.amount for r in rs if r.amount is not None]
        if amounts:
            total = sum(amounts, Decimal("0.00"))
            e.compensation += total
            b["compensation"] += total
            e.compensation_cases += total > 0
        overdue = c.status in RUNNING and c.due_on < today
        e.open_overdue += overdue
        b["overdue"] += overdue
        e.finished += c.status in FINISHED
        if c.id in roots:
            e.root_causes[(roots[c.id].level, roots[c.id].cause_code)] += 1
    return e


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
