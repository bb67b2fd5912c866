"""The start page's figures (desk_app.services.overview)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, Customer, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role, Severity, Status
from desk_app.services.overview import URGENT_LIMIT, case_overview

TODAY = date(2026, 11, 23)


@dataclass
class World:
    bj: Actor
    sh: Actor
    hq: Actor


class Maker:
    def __init__(self, session: Session, branch: Branch, user: User) -> None:
        self.session, self.branch, self.user, self.seq = session, branch, user, 0

    def case(self, status: Status, due_in: int, *, severity: Severity = Severity.GENERAL,
             name: str = "张三丰", received_days_ago: int = 3, owned: bool = False) -> Complaint:
        self.seq += 1
        customer = Customer(kind="person", name=name)
        self.session.add(customer)
        self.session.flush()
        received = datetime(2026, 11, 20, 1, 30, tzinfo=UTC) - timedelta(days=received_days_ago)
        complaint = Complaint(
            case_number=f"{self.branch.code}-20261120-{self.seq:04d}", branch_id=self.branch.id,
            customer_id=customer.id, channel="counter", axis_a="01", axis_b="01", axis_c="01",
            severity=severity.value, status=status.value, received_at=received, regime="banking_insurance",
            due_on=TODAY + timedelta(days=due_in), first_contact_due=received + timedelta(hours=24),
            created_by_id=self.user.id, owner_id=self.user.id if owned else None)
        self.session.add(complaint)
        return complaint


def _branch_with_user(s: Session, code: str, hq: bool = False) -> tuple[Branch, User, Actor]:
    branch = Branch(code=code, name=code, institution_type="bank", regime="banking_insurance",
                    is_headquarters=hq)
    s.add(branch)
    s.flush()
    user = User(username=f"u-{code.lower()}", display_name=code, password_hash="x", role="handler",
                branch_id=branch.id)
    s.add(user)
    s.flush()
    role = Role.HQ_ANALYST if hq else Role.HANDLER
    actor = Actor(user_id=user.id, username=user.username, display_name=code, role=role,
                  branch_id=branch.id, branch_code=code, is_hq=hq)
    return branch, user, actor


@pytest.fixture
def world(database: Database) -> World:
    with database.unit_of_work() as s:
        bj, bj_user, bj_actor = _branch_with_user(s, "BJ01")
        sh, sh_user, sh_actor = _branch_with_user(s, "SH01")
        _, _, hq_actor = _branch_with_user(s, "HQ", hq=True)
        m = Maker(s, bj, bj_user)
        m.case(Status.IN_PROGRESS, -3, name="李四", owned=True)       # overdue by 3
        m.case(Status.REGISTERED, 0, severity=Severity.SERIOUS)      # due today
        m.case(Status.ASSIGNED, 0, severity=Severity.CRITICAL, owned=True)  # due today, more severe
        m.case(Status.IN_PROGRESS, 2)                                 # due soon (edge)
        m.case(Status.UNDER_REVIEW, 3)                                # not soon
        m.case(Status.RESPONDED, -5)                                  # answered: clock stopped
        m.case(Status.AWAITING_CALLBACK, 1, owned=True)               # clock stopped
        m.case(Status.CLOSED, -10)
        m.case(Status.WITHDRAWN, -1)
        other = Maker(s, sh, sh_user)
        other.case(Status.REGISTERED, -1)
        other.case(Status.CLOSED, 5)
    return World(bj=bj_actor, sh=sh_actor, hq=hq_actor)


def test_branch_counts_by_status(database: Database, world: World) -> None:
    ov = case_overview(database, world.bj, TODAY)
    assert ov.all_branches is False
    assert set(ov.counts) == set(Status)
    assert ov.counts[Status.IN_PROGRESS] == 2
    assert ov.counts[Status.REGISTERED] == 1
    assert ov.counts[Status.CLOSED] == 1
    assert ov.counts[Status.REFUSED] == 0
    assert ov.total == 9
    assert ov.open == 7


def test_my_work(database: Database, world: World) -> None:
    mine = case_overview(database, world.bj, TODAY).mine
    assert (mine.open, mine.due_today, mine.overdue, mine.awaiting_callback) == (3, 1, 1, 1)
    assert case_overview(database, world.sh, TODAY).mine.open == 0


def test_overdue_and_due_soon_only_count_running_clocks(database: Database, world: World) -> None:
    ov = case_overview(database, world.bj, TODAY)
    assert ov.overdue == 1          # the responded and closed/withdrawn ones do not count
    assert ov.due_soon == 3         # due today ×2 and in two days; not the awaiting-callback one


def test_urgent_list_order_and_masking(database: Database, world: World) -> None:
    ov = case_overview(database, world.bj, TODAY)
    numbers = [c.case_number for c in ov.urgent]
    assert numbers == ["BJ01-20261120-0001", "BJ01-20261120-0003", "BJ01-20261120-0002",
                       "BJ01-20261120-0004", "BJ01-20261120-0005"]
    first = ov.urgent[0]
    assert first.customer_name == "李*"
    assert first.days_left == -3 and first.overdue and not first.due_soon
    assert first.status is Status.IN_PROGRESS
    assert first.received_at.tzinfo is not None
    assert ov.urgent[1].severity is Severity.CRITICAL
    assert ov.urgent[3].customer_name == "张**"
    assert ov.urgent[3].due_soon and ov.urgent[3].days_left == 2


def test_other_branch_and_hq_scope(database: Database, world: World) -> None:
    sh = case_overview(database, world.sh, TODAY)
    assert sh.total == 2 and sh.overdue == 1
    assert [c.case_number for c in sh.urgent] == ["SH01-20261120-0001"]
    hq = case_overview(database, world.hq, TODAY)
    assert hq.all_branches is True
    assert hq.total == 11
    assert hq.overdue == 2
    assert len(hq.urgent) == 6


def test_urgent_list_is_capped(database: Database, world: World) -> None:
    with database.unit_of_work() as s:
        branch = s.get_one(Branch, world.sh.branch_id)
        user = s.get_one(User, world.sh.user_id)
        m = Maker(s, branch, user)
        m.seq = 100
        for i in range(URGENT_LIMIT + 5):
            m.case(Status.ASSIGNED, 10 + i % 7)
    ov = case_overview(database, world.sh, TODAY)
    assert len(ov.urgent) == URGENT_LIMIT
    assert ov.urgent[0].days_left == -1
    assert [c.due_on for c in ov.urgent] == sorted(c.due_on for c in ov.urgent)


def test_empty_database(database: Database) -> None:
    actor = Actor(user_id=uuid.uuid4(), username="x", display_name="X", role=Role.HANDLER,
                  branch_id=uuid.uuid4(), branch_code="X")
    ov = case_overview(database, actor, TODAY)
    assert ov.total == 0 and ov.overdue == 0 and ov.due_soon == 0 and ov.urgent == ()
