"""The role × permission matrix enforced in the services, not only in the GUI.

For every (role, permission) pair the matrix does NOT grant, the real service function that performs
the action is called and must refuse with PermissionDeniedError naming the action, writing nothing.
Every granted pair is shown to work through the same function. Branch scoping and the explicit
cross-branch transfer are tested at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from server_support import LiveServer
from sqlalchemy import func, select, update

from desk_app.api.backend import Backend, LocalBackend
from desk_app.db.models import Base, Branch, Complaint, ComplaintEvent, Resolution
from desk_app.db.uow import Database
from desk_app.documents.content import DecisionInputs, ReceiptInputs, RefusalInputs, ReviewDecisionInputs
from desk_app.domain.actor import Actor
from desk_app.domain.calendar import CalendarDay, DayKind
from desk_app.domain.enums import Complexity, LetterKind, Role, Stage, Status
from desk_app.domain.permissions import ROLE_PERMISSIONS, Permission, has_permission
from desk_app.domain.risk import default_word_list_path
from desk_app.domain.workflow import Action
from desk_app.errors import PermissionDeniedError
from desk_app.services import (
    audit,
    detail_export,
    extensions,
    handling,
    imports,
    improvements,
    letters,
    personal_data,
    quality,
    report_scope,
    retention,
    statistics,
)
from desk_app.services import case_workflow as wf
from desk_app.services import risk_signals as rs
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.calendar import enter_year_schedule
from desk_app.services.case_list import CaseFilter, count_cases
from desk_app.services.complaints import get_complaint, register_complaint, update_complaint
from desk_app.services.consolidation import consolidate
from desk_app.services.customers import find_customers
from desk_app.services.dto import ComplaintDetail, CustomerDraft
from tests.services.conftest import PASSWORD, Staff, draft

R = TypeVar("R")

WORDS = default_word_list_path().read_text(encoding="utf-8")


@dataclass
class World:
    """A set-up database: staff of every role at SH01 (headquarters), a registered SH01 case, branch BJ01.
    ``backend`` is where the probes run: in-process, or a live desk server on the same database with every
    actor signed in over HTTPS (the server reads who is calling from the session, never from the request)."""

    db: Database
    actors: dict[Role, Actor]
    case: ComplaintDetail
    bj_branch_id: uuid.UUID
    tmp: Path
    backend: Backend

    def call(self, actor: Actor, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
        return self.backend.call(actor, fn, *args, **kwargs)

    def current(self) -> ComplaintDetail:
        return get_complaint(self.db, self.actors[Role.SUPERVISOR], self.case.id, with_events=False)

    def set_state(self, status: Status, stage: Stage | None = None) -> None:
        with self.db.unit_of_work() as session:
            session.execute(update(Complaint).where(Complaint.id == self.case.id)
                            .values(status=status.value, stage=stage.value if stage else None))

    def scope(self) -> report_scope.ReportScope:
        today = date.today()
        return report_scope.ReportScope(today - timedelta(days=30), today + timedelta(days=1))


@pytest.fixture(params=["local", "remote"])
def world(request: pytest.FixtureRequest, database: Database, staff: Staff, tmp_path: Path) -> World:
    create_user(database, staff.admin, username="analyst", display_name="Analyst", password=PASSWORD,
                role=Role.HQ_ANALYST, branch_id=staff.admin.branch_id, must_change_password=False)
    actors = {Role.COUNTER_CLERK: staff.clerk, Role.HANDLER: staff.handler, Role.SUPERVISOR: staff.supervisor,
              Role.BRANCH_MANAGER: staff.manager, Role.HQ_ANALYST: authenticate(database, "analyst", PASSWORD),
              Role.ADMINISTRATOR: staff.admin}
    assert {a.role for a in actors.values()} == set(Role)
    with database.unit_of_work() as session:  # the letterhead every letter needs
        session.execute(update(Branch).where(Branch.code == "SH01").values(
            address="上海市浦东新区世纪大道100号", hotline="95588", superior_institution="上海分行消费者权益保护部",
            superior_contact="上海市黄浦区中山东一路1号，电话021-61234567"))
        bj_id = session.scalar(select(Branch.id).where(Branch.code == "BJ01"))
    assert bj_id is not None
    case = register_complaint(database, staff.clerk, draft())
    backend: Backend = LocalBackend(database)
    if request.param == "remote":
        live: LiveServer = request.getfixturevalue("server")
        remote = live.backend()
        request.addfinalizer(remote.close)
        for role, actor in actors.items():
            assert remote.sign_in(actor.username, "admin2026" if role is Role.ADMINISTRATOR else PASSWORD) == actor
        backend = remote
    return World(database, actors, case, bj_id, tmp_path, backend)


# ---- one representative service call per permission ------------------------------------------------------

Prepare = Callable[[World], Any]
Attempt = Callable[[World, Actor, Any], Any]


@dataclass(frozen=True)
class Probe:
    """How to exercise a permission: ``prepare`` (run by entitled staff) builds what the action needs,
    ``attempt`` performs it as ``actor``; a refusal names the action (or ``refusal`` when given). Performed,
    a reading probe returns something, an ``output`` probe writes that file, any other changes the database."""

    attempt: Attempt
    prepare: Prepare = lambda w: None
    refusal: str = ""
    reads: bool = False  # performed, it returns what was asked for (else it writes, or ``output`` appears)
    output: str = ""


def _proposal(w: World) -> handling.ResolutionInfo:
    wf.assign(w.db, w.actors[Role.SUPERVISOR], w.case.id, w.case.version, w.actors[Role.HANDLER].user_id)
    case = wf.perform(w.db, w.actors[Role.HANDLER], w.case.id, w.current().version, Action.START)
    assert case.status is Status.IN_PROGRESS
    return handling.propose_resolution(w.db, w.actors[Role.HANDLER], w.case.id, resolution_type="refund",
                                       amount="3200", description="全额退还", basis="《银行卡章程》第十二条",
                                       upheld=True)


REVIEW = ReviewDecisionInputs(findings="处理过程合规", decision="维持原处理决定", basis="第三十三条",
                              reasons="事实清楚")


def _under_review(w: World) -> None:
    w.set_state(Status.IN_PROGRESS, Stage.ACT)
    letters.issue_letter(w.db, w.actors[Role.HANDLER], w.case.id, LetterKind.DECISION, DecisionInputs(
        verification="调取了交易授权记录", decision="支持客户的投诉请求", basis="《信用卡领用合约》第十二条",
        reasons="该笔交易为伪卡交易"))
    w.set_state(Status.RESPONDED)
    wf.perform(w.db, w.actors[Role.HANDLER], w.case.id, w.current().version, Action.APPLY_REVIEW, "客户书面申请核查")


def _closed_long_ago(w: World) -> None:
    with w.db.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == w.case.id).values(
            status=Status.CLOSED.value, closed_at=datetime.now(UTC) - timedelta(days=4 * 366)))


def _export(w: World) -> Path:
    path = w.tmp / "branch-export.xlsx"
    detail_export.export_detail(w.db, w.actors[Role.SUPERVISOR], w.scope(), path)
    return path


PROBES: dict[Permission, Probe] = {
    Permission.REGISTER: Probe(lambda w, a, _p: w.call(
        a, register_complaint, draft(customer=CustomerDraft(name="李四", phone="13900001111")))),
    Permission.FIND_CUSTOMERS: Probe(lambda w, a, _p: w.call(a, find_customers, phone="13812345678"), reads=True),
    Permission.VIEW_CASE: Probe(lambda w, a, _p: w.call(a, get_complaint, w.case.id), reads=True),
    Permission.EDIT_CASE: Probe(lambda w, a, _p: w.call(a, update_complaint, w.case.id, w.case.version,
                                                        {"facts_where": "浦东支行柜台"})),
    Permission.HANDLE_CASE: Probe(lambda w, a, _p: w.call(a, wf.pause, w.case.id, w.case.version, "送司法鉴定")),
    Permission.ESCALATE: Probe(lambda w, a, _p: w.call(a, wf.escalate, w.case.id, w.case.version, "客户情绪激动")),
    Permission.ASSIGN: Probe(lambda w, a, _p: w.call(a, wf.assign, w.case.id, w.case.version,
                                                     w.actors[Role.HANDLER].user_id)),
    Permission.TRANSFER: Probe(lambda w, a, _p: w.call(a, wf.transfer, w.case.id, w.case.version, w.bj_branch_id,
                                                       "属北京分行业务")),
    # the handler asks; the role under test decides in person
    Permission.APPROVE_EXTENSION: Probe(
        lambda w, a, case: w.call(a, extensions.decide_extension, case.id, case.version, approve=True),
        lambda w: wf.extend(w.db, w.actors[Role.HANDLER], w.case.id, w.case.version, Complexity.SPECIAL,
                            "需外部鉴定")),
    Permission.APPROVE_COMPENSATION: Probe(
        lambda w, a, p: w.call(a, handling.decide_resolution, p.id, p.version, approve=True), _proposal),
    Permission.ISSUE_RECEIPT: Probe(lambda w, a, _p: w.call(a, letters.issue_letter, w.case.id, LetterKind.RECEIPT,
                                                            ReceiptInputs())),
    Permission.ISSUE_LETTER: Probe(lambda w, a, _p: w.call(
        a, letters.issue_letter, w.case.id, LetterKind.REFUSAL,
        RefusalInputs(grounds="不属于本行业务", basis="第二条"))),
    Permission.ISSUE_REVIEW_DECISION: Probe(
        lambda w, a, _p: w.call(a, letters.issue_letter, w.case.id, LetterKind.REVIEW_DECISION, REVIEW),
        _under_review),
    Permission.SEE_PERSONAL_DATA: Probe(lambda w, a, _p: w.call(a, personal_data.reveal_customer, w.case.id, "核实")),
    Permission.REPORTS: Probe(lambda w, a, _p: w.call(a, statistics.compute_statistics, w.scope()), reads=True),
    Permission.EXPORT_PERSONAL_DATA: Probe(lambda w, a, _p: w.call(
        a, detail_export.export_detail, w.scope(), w.tmp / "unmasked.xlsx", reveal_personal_data=True),
        output="unmasked.xlsx"),
    Permission.IMPORT_CASES: Probe(lambda w, a, _p: w.call(
        a, imports.save_mapping, "旧系统", imports.ColumnMapping(columns={"facts_what": "事实"}))),
    Permission.CONSOLIDATE: Probe(lambda w, a, path: w.call(a, consolidate, path, dry_run=True), _export,
                                  reads=True),
    Permission.MANAGE_IMPROVEMENTS: Probe(lambda w, a, _p: w.call(
        a, improvements.create_action, improvements.ActionDraft(title="优化柜面受理流程"))),
    Permission.INSPECT_QUALITY: Probe(  # performed: the month's (empty) sample, not a refusal
        lambda w, a, _p: w.call(a, quality.list_samples, "2026-11") == [], reads=True),
    Permission.MANAGE_GUIDANCE: Probe(lambda w, a, _p: w.call(
        a, rs.import_word_list, WORDS.replace("version = 2", "version = 3").encode(), "risk_signals.toml")),
    Permission.MANAGE_REFERENCE_DATA: Probe(lambda w, a, _p: w.call(
        a, enter_year_schedule, 2031, [CalendarDay(date(2031, 1, 1), DayKind.HOLIDAY, "元旦")])),
    Permission.VIEW_AUDIT_LOG: Probe(lambda w, a, _p: w.call(a, audit.list_entries), reads=True),
    Permission.ANONYMISE: Probe(lambda w, a, _p: w.call(a, retention.anonymise, 3, date.today()), _closed_long_ago),
    Permission.ADMINISTER: Probe(lambda w, a, _p: w.call(
        a, create_user, username="newclerk", display_name="New clerk", password=PASSWORD, role=Role.COUNTER_CLERK)),
}

FORBIDDEN = [(role, p) for role in Role for p in Permission if not has_permission(role, p)]
GRANTED = [(role, p) for role in Role for p in Permission if has_permission(role, p)]


def _pair_id(pair: tuple[Role, Permission]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def fingerprint(db: Database) -> dict[str, tuple[int, int]]:
    """Row count and version total of every table: any insert, delete or versioned update changes it."""
    with db.unit_of_work() as session:
        return {t.name: (session.scalar(select(func.count()).select_from(t)) or 0,
                         int(session.scalar(select(func.coalesce(func.sum(t.c.version), 0))) or 0)
                         if "version" in t.c else 0)
                for t in Base.metadata.sorted_tables}


def test_every_permission_has_a_probe() -> None:
    assert set(PROBES) == set(Permission)


@pytest.mark.parametrize("pair", FORBIDDEN, ids=_pair_id)
def test_forbidden_action_is_refused_and_writes_nothing(world: World, pair: tuple[Role, Permission]) -> None:
    role, permission = pair
    probe = PROBES[permission]
    prepared = probe.prepare(world)
    before = fingerprint(world.db)
    with pytest.raises(PermissionDeniedError) as caught:
        probe.attempt(world, world.actors[role], prepared)
    message = str(caught.value)
    assert (probe.refusal or f"may not do this: {permission.label}") in message
    assert role.label in message
    assert fingerprint(world.db) == before
    assert not (world.tmp / "unmasked.xlsx").exists()


@pytest.mark.parametrize("pair", GRANTED, ids=_pair_id)
def test_granted_action_is_performed(world: World, pair: tuple[Role, Permission]) -> None:
    role, permission = pair
    probe = PROBES[permission]
    prepared = probe.prepare(world)
    before = fingerprint(world.db)
    result = probe.attempt(world, world.actors[role], prepared)
    if probe.reads:
        assert result
    elif probe.output:
        assert (world.tmp / probe.output).stat().st_size > 0
    else:
        assert fingerprint(world.db) != before


def test_a_refusal_names_the_action_and_the_role(world: World) -> None:
    with pytest.raises(PermissionDeniedError, match=r"Your role \(Counter clerk\) may not do this: Approve"):
        handling.decide_resolution(world.db, world.actors[Role.COUNTER_CLERK], uuid.uuid4(), 1, approve=True)


def test_compensation_above_the_supervisors_limit_needs_the_branch_manager(world: World) -> None:
    proposal = _proposal(world)
    with world.db.unit_of_work() as session:  # 3,200 is within 5,000; make it 8,000 behind the app's back
        session.execute(update(Resolution).where(Resolution.id == proposal.id).values(amount=8000))
    before = fingerprint(world.db)
    with pytest.raises(PermissionDeniedError, match=r"8,000\.00 needs the approval of: Branch manager"):
        handling.decide_resolution(world.db, world.actors[Role.SUPERVISOR], proposal.id, proposal.version,
                                   approve=True)
    assert fingerprint(world.db) == before
    approved = handling.decide_resolution(world.db, world.actors[Role.BRANCH_MANAGER], proposal.id,
                                          proposal.version, approve=True)
    assert approved.approval_state.value == "approved"


# ---- branch scoping ---------------------------------------------------------------------------------------

def _bj_staff(w: World, staff: Staff) -> dict[Role, Actor]:
    out = {Role.COUNTER_CLERK: staff.other_branch_clerk}
    for login, role in (("bjhandler", Role.HANDLER), ("bjsupervisor", Role.SUPERVISOR)):
        create_user(w.db, staff.admin, username=login, display_name=login, password=PASSWORD, role=role,
                    branch_id=w.bj_branch_id, must_change_password=False)
        out[role] = authenticate(w.db, login, PASSWORD)
    return out


def test_branch_staff_cannot_touch_another_branchs_case(world: World, staff: Staff) -> None:
    bj = _bj_staff(world, staff)
    case = world.case
    attempts: list[Callable[[], object]] = [
        lambda: get_complaint(world.db, bj[Role.COUNTER_CLERK], case.id),
        lambda: update_complaint(world.db, bj[Role.COUNTER_CLERK], case.id, case.version, {"facts_where": "x"}),
        lambda: personal_data.reveal_customer(world.db, bj[Role.COUNTER_CLERK], case.id),
        lambda: letters.issue_letter(world.db, bj[Role.COUNTER_CLERK], case.id, LetterKind.RECEIPT, ReceiptInputs()),
        lambda: wf.pause(world.db, bj[Role.HANDLER], case.id, case.version, "送司法鉴定"),
        lambda: wf.assign(world.db, bj[Role.SUPERVISOR], case.id, case.version, bj[Role.HANDLER].user_id),
        lambda: wf.transfer(world.db, bj[Role.SUPERVISOR], case.id, case.version, world.bj_branch_id, "要过来"),
    ]
    before = fingerprint(world.db)
    for attempt in attempts:
        with pytest.raises(PermissionDeniedError, match="belongs to another branch"):
            attempt()
    assert fingerprint(world.db) == before
    assert count_cases(world.db, bj[Role.SUPERVISOR], CaseFilter(), date.today()) == 0


def test_hq_analyst_sees_every_branch(world: World, staff: Staff) -> None:
    bj = _bj_staff(world, staff)
    bj_case = register_complaint(world.db, bj[Role.COUNTER_CLERK], draft())
    analyst = world.actors[Role.HQ_ANALYST]
    assert get_complaint(world.db, analyst, bj_case.id).branch_code == "BJ01"
    assert get_complaint(world.db, analyst, world.case.id).branch_code == "SH01"
    assert count_cases(world.db, analyst, CaseFilter(), date.today()) == 2
    assert count_cases(world.db, world.actors[Role.SUPERVISOR], CaseFilter(), date.today()) == 1
    with pytest.raises(PermissionDeniedError, match="Edit case details"):  # reading is not editing
        update_complaint(world.db, analyst, bj_case.id, bj_case.version, {"facts_where": "x"})


def test_transfer_hands_the_case_over_explicitly(world: World, staff: Staff) -> None:
    bj = _bj_staff(world, staff)
    sh_supervisor = world.actors[Role.SUPERVISOR]
    case = wf.assign(world.db, sh_supervisor, world.case.id, world.case.version, world.actors[Role.HANDLER].user_id)
    moved = wf.transfer(world.db, sh_supervisor, case.id, case.version, world.bj_branch_id, "属北京分行业务")
    assert moved.branch_code == "BJ01" and moved.owner_id is None and moved.status is Status.REGISTERED
    event = moved.events[-1]
    assert event.kind == "transferred"
    assert event.payload["to_branch_code"] == "BJ01" and event.payload["reason"] == "属北京分行业务"
    # the old branch no longer sees it; the new branch does, and takes it on
    for role in (Role.COUNTER_CLERK, Role.HANDLER, Role.SUPERVISOR):
        with pytest.raises(PermissionDeniedError, match="another branch"):
            get_complaint(world.db, world.actors[role], case.id)
    assert get_complaint(world.db, bj[Role.COUNTER_CLERK], case.id).branch_code == "BJ01"
    taken = wf.assign(world.db, bj[Role.SUPERVISOR], case.id, moved.version, bj[Role.HANDLER].user_id)
    assert taken.owner_id == bj[Role.HANDLER].user_id
    with world.db.unit_of_work() as session:
        kinds = list(session.scalars(select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == case.id)
                                     .order_by(ComplaintEvent.seq)))
    assert kinds[-2:] == ["transferred", "assigned"]


def test_matrix_and_probe_table_agree_on_every_role() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert len(FORBIDDEN) + len(GRANTED) == len(Role) * len(Permission)
