"""The role × permission matrix enforced in the services, not only in the GUI.

For every (role, permission) pair the matrix does NOT grant, the real service function that performs
the action is called and must refuse with PermissionDeniedError naming the action, writing nothing.
Every granted pair is shown to work through the same function. Branch scoping and the explicit
cross-branch transfer are tested at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from openpyxl import load_workbook
from server_support import LiveServer
from signing_support import trust_branch
from sqlalchemy import func, select, update

from desk_app.api.backend import Backend, LocalBackend
from desk_app.db.engine import make_engine
from desk_app.db.models import (
    AuditEntry,
    Base,
    Branch,
    CalendarEntry,
    Complaint,
    ComplaintEvent,
    Customer,
    ImportMapping,
    ImprovementAction,
    Letter,
    LibraryCase,
    Resolution,
    WordListVersion,
)
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
    case_library,
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
from tests.support.passwords import ADMIN_PASSWORD, PASSWORD
from tests.support.staff import Staff, draft, make_staff
from tests.support.templates import TableRows, copy_sqlite, restore_rows, snapshot_rows

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


@dataclass(frozen=True)
class Seed:
    """What the permission world's template holds besides its rows: who is who, the case, branch BJ01."""

    staff: Staff
    actors: dict[Role, Actor]
    case: ComplaintDetail
    bj_branch_id: uuid.UUID


def build_world(database: Database) -> Seed:
    """Staff of every role at SH01 with its letterhead, an HQ analyst, and one registered SH01 case."""
    staff = make_staff(database)
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
    return Seed(staff, actors, register_complaint(database, staff.clerk, draft()), bj_id)


# The world is built once per backend and session (some 600 tests use it), then copied (SQLite) or written
# back (PostgreSQL) for each test: these override tests/conftest.py's ``database`` and services' ``staff``.

@pytest.fixture(scope="session")
def _sqlite_world(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seed]:
    path = tmp_path_factory.mktemp("permission-world") / "world.sqlite3"
    db = copy_sqlite(_sqlite_template, path)
    seed = build_world(db)
    db.dispose()  # checkpoints the WAL into the file
    return path, seed


@pytest.fixture(scope="session")
def _postgresql_world(_pg_migrated: str) -> tuple[TableRows, Seed]:
    db = Database(make_engine(_pg_migrated))
    restore_rows(db, {t.name: [] for t in Base.metadata.sorted_tables})
    seed = build_world(db)
    rows = snapshot_rows(db)
    db.dispose()
    return rows, seed


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The permission world on each backend in turn, fresh for every test."""
    if request.param == "sqlite":
        template, _ = request.getfixturevalue("_sqlite_world")
        db = copy_sqlite(template, tmp_path / "desk.sqlite3")
    else:
        rows, _ = request.getfixturevalue("_postgresql_world")
        db = Database(make_engine(request.getfixturevalue("_pg_migrated")))
        restore_rows(db, rows)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def seed(request: pytest.FixtureRequest, database: Database) -> Seed:
    seeded: tuple[object, Seed] = request.getfixturevalue(f"_{database.engine.dialect.name}_world")
    return seeded[1]


@pytest.fixture
def staff(seed: Seed) -> Staff:
    return seed.staff


@pytest.fixture(params=["local", "remote"])
def world(request: pytest.FixtureRequest, database: Database, seed: Seed, tmp_path: Path) -> World:
    backend: Backend = LocalBackend(database)
    if request.param == "remote":
        live: LiveServer = request.getfixturevalue("server")
        remote = live.backend()
        request.addfinalizer(remote.close)
        for role, actor in seed.actors.items():
            assert remote.sign_in(actor.username, ADMIN_PASSWORD if role is Role.ADMINISTRATOR else PASSWORD) == actor
        backend = remote
    return World(database, seed.actors, seed.case, seed.bj_branch_id, tmp_path, backend)


# ---- one representative service call per permission ------------------------------------------------------

Prepare = Callable[[World], Any]
Attempt = Callable[[World, Actor, Any], Any]
Effect = Callable[[World, Actor, Any], None]


@dataclass(frozen=True)
class Probe:
    """How to exercise a permission: ``prepare`` (run by entitled staff) builds what the action needs,
    ``attempt`` performs it as ``actor``; a refusal names the action (or ``refusal`` when given). Performed,
    ``effect`` checks what it did (read straight from the database or the file written) given its result."""

    attempt: Attempt
    effect: Effect
    prepare: Prepare = lambda w: None
    refusal: str = ""


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
    trust_branch(w.db, "SH01")  # headquarters knows the branch's signing key, as consolidation requires
    path = w.tmp / "branch-export.xlsx"
    detail_export.export_detail(w.db, w.actors[Role.SUPERVISOR], w.scope(), path)
    return path


# ---- what each performed action must have done -----------------------------------------------------------

def _stored_case(w: World, case_id: uuid.UUID | None = None) -> Complaint:
    """The case's row as stored, read behind the services' back (any branch)."""
    with w.db.unit_of_work() as session:
        complaint = session.get_one(Complaint, case_id or w.case.id)
        session.expunge(complaint)
        return complaint


def _registered(w: World, actor: Actor, case: ComplaintDetail) -> None:
    stored = _stored_case(w, case.id)
    assert (stored.branch_id, stored.created_by_id, stored.status) == (actor.branch_id, actor.user_id,
                                                                      Status.REGISTERED.value)
    with w.db.unit_of_work() as session:
        assert session.get_one(Customer, stored.customer_id).name == "李四"


def _letter_issued(kind: LetterKind) -> Effect:
    def check(w: World, actor: Actor, _result: Any) -> None:
        with w.db.unit_of_work() as session:
            issued = session.execute(select(Letter.issued_by_id, Letter.content).where(
                Letter.complaint_id == w.case.id, Letter.kind == kind.value)).one()
        assert issued.issued_by_id == actor.user_id and issued.content.startswith(b"%PDF")
    return check


def _found_the_customer(w: World, _actor: Actor, matches: list[Any]) -> None:
    assert [m.customer_id for m in matches] == [w.case.customer.id]


def _unmasked_export(w: World, _actor: Actor, _result: Any) -> None:
    cells = {str(cell) for sheet in load_workbook(w.tmp / "unmasked.xlsx", read_only=True).worksheets
             for row in sheet.iter_rows(values_only=True) for cell in row}
    assert {"王芳", "13812345678"} <= cells


def _audit_listed(w: World, _actor: Actor, entries: list[audit.AuditInfo]) -> None:
    with w.db.unit_of_work() as session:
        stored = set(session.scalars(select(AuditEntry.seq)))
    assert entries and {e.seq for e in entries} <= stored
    created = {e.detail.get("username") for e in entries if e.detail.get("operation") == "create_user"}
    assert created == {"clerk", "handler", "supervisor", "manager", "bjclerk", "analyst"}  # the world's staff


def _dry_run_consolidated(w: World, _actor: Actor, report: Any) -> None:
    """Its own export, read back: the case is already here, nothing to write and nothing wrong."""
    assert (report.dry_run, report.problems, report.conflicts) == (True, [], [])
    assert (report.inserted, report.updated, report.unchanged + report.hq_newer) == (0, 0, 1)


def _anonymised(w: World, _actor: Actor, count: int) -> None:
    with w.db.unit_of_work() as session:
        name = session.scalar(select(Customer.name).join(Complaint, Complaint.customer_id == Customer.id)
                              .where(Complaint.id == w.case.id))
    assert count == 1 and name != "王芳"


def _row_exists(model: Any, *where: Any) -> Effect:
    def check(w: World, _actor: Actor, _result: Any) -> None:
        with w.db.unit_of_work() as session:
            assert session.scalar(select(func.count()).select_from(model).where(*where)) == 1
    return check


def _case_is(**expected: Any) -> Effect:
    """The stored case has these values; a callable value is given the world and the actor."""
    def check(w: World, actor: Actor, _result: Any) -> None:
        stored = _stored_case(w)
        for name, value in expected.items():
            assert getattr(stored, name) == (value(w, actor) if callable(value) else value), name
    return check


PROBES: dict[Permission, Probe] = {
    Permission.REGISTER: Probe(lambda w, a, _p: w.call(
        a, register_complaint, draft(customer=CustomerDraft(name="李四", phone="13900001111"))), _registered),
    Permission.FIND_CUSTOMERS: Probe(lambda w, a, _p: w.call(a, find_customers, phone="13812345678"),
                                     _found_the_customer),
    Permission.VIEW_CASE: Probe(lambda w, a, _p: w.call(a, get_complaint, w.case.id),
                                lambda w, _a, case: _same(case.case_number, w.case.case_number)),
    Permission.EDIT_CASE: Probe(lambda w, a, _p: w.call(a, update_complaint, w.case.id, w.case.version,
                                                        {"facts_where": "浦东支行柜台"}),
                                _case_is(facts_where="浦东支行柜台")),
    Permission.HANDLE_CASE: Probe(lambda w, a, _p: w.call(a, wf.pause, w.case.id, w.case.version, "送司法鉴定"),
                                  _case_is(paused=True)),
    Permission.ESCALATE: Probe(lambda w, a, _p: w.call(a, wf.escalate, w.case.id, w.case.version, "客户情绪激动"),
                               _case_is(escalated=True)),
    Permission.ASSIGN: Probe(lambda w, a, _p: w.call(a, wf.assign, w.case.id, w.case.version,
                                                     w.actors[Role.HANDLER].user_id),
                             _case_is(owner_id=lambda w, _a: w.actors[Role.HANDLER].user_id)),
    Permission.TRANSFER: Probe(lambda w, a, _p: w.call(a, wf.transfer, w.case.id, w.case.version, w.bj_branch_id,
                                                       "属北京分行业务"),
                               _case_is(branch_id=lambda w, _a: w.bj_branch_id, owner_id=None)),
    # the handler asks; the role under test decides in person
    Permission.APPROVE_EXTENSION: Probe(
        lambda w, a, case: w.call(a, extensions.decide_extension, case.id, case.version, approve=True),
        _case_is(extension_approved_by_id=lambda _w, a: a.user_id, extension_requested=Complexity.SPECIAL.value),
        prepare=lambda w: wf.extend(w.db, w.actors[Role.HANDLER], w.case.id, w.case.version, Complexity.SPECIAL,
                                    "需外部鉴定")),
    Permission.APPROVE_COMPENSATION: Probe(
        lambda w, a, p: w.call(a, handling.decide_resolution, p.id, p.version, approve=True),
        lambda w, a, decided: _row_exists(Resolution, Resolution.id == decided.id,
                                          Resolution.approval_state == "approved",
                                          Resolution.approved_by_id == a.user_id)(w, a, decided),
        prepare=_proposal),
    Permission.ISSUE_RECEIPT: Probe(lambda w, a, _p: w.call(a, letters.issue_letter, w.case.id, LetterKind.RECEIPT,
                                                            ReceiptInputs()), _letter_issued(LetterKind.RECEIPT)),
    Permission.ISSUE_LETTER: Probe(lambda w, a, _p: w.call(
        a, letters.issue_letter, w.case.id, LetterKind.REFUSAL,
        RefusalInputs(grounds="不属于本行业务", basis="第二条")), _letter_issued(LetterKind.REFUSAL)),
    Permission.ISSUE_REVIEW_DECISION: Probe(
        lambda w, a, _p: w.call(a, letters.issue_letter, w.case.id, LetterKind.REVIEW_DECISION, REVIEW),
        _letter_issued(LetterKind.REVIEW_DECISION), prepare=_under_review),
    Permission.SEE_PERSONAL_DATA: Probe(lambda w, a, _p: w.call(a, personal_data.reveal_customer, w.case.id, "核实"),
                                        lambda _w, _a, c: _same((c.name, c.id_number, c.phone),
                                                                ("王芳", "11010519491231002X", "13812345678"))),
    Permission.REPORTS: Probe(lambda w, a, _p: w.call(a, statistics.compute_statistics, w.scope()),
                              lambda _w, _a, figures: _same(figures.summary.total, 1)),
    Permission.EXPORT_PERSONAL_DATA: Probe(lambda w, a, _p: w.call(
        a, detail_export.export_detail, w.scope(), w.tmp / "unmasked.xlsx", reveal_personal_data=True),
        _unmasked_export),
    Permission.IMPORT_CASES: Probe(lambda w, a, _p: w.call(
        a, imports.save_mapping, "旧系统", imports.ColumnMapping(columns={"facts_what": "事实"})),
        _row_exists(ImportMapping, ImportMapping.name == "旧系统")),
    Permission.CONSOLIDATE: Probe(lambda w, a, path: w.call(a, consolidate, path, dry_run=True),
                                  _dry_run_consolidated,
                                  prepare=_export),
    Permission.MANAGE_IMPROVEMENTS: Probe(lambda w, a, _p: w.call(
        a, improvements.create_action, improvements.ActionDraft(title="优化柜面受理流程")),
        _row_exists(ImprovementAction, ImprovementAction.title == "优化柜面受理流程")),
    Permission.INSPECT_QUALITY: Probe(  # performed: the month's sample, empty (no case closed in 2026-11)
        lambda w, a, _p: w.call(a, quality.list_samples, "2026-11"), lambda _w, _a, sample: _same(sample, [])),
    Permission.MANAGE_GUIDANCE: Probe(lambda w, a, _p: w.call(
        a, rs.import_word_list, WORDS.replace("version = 2", "version = 3").encode(), "risk_signals.toml"),
        _row_exists(WordListVersion, WordListVersion.name == rs.RISK_SIGNALS, WordListVersion.version == 3)),
    Permission.MANAGE_REFERENCE_DATA: Probe(lambda w, a, _p: w.call(
        a, enter_year_schedule, 2031, [CalendarDay(date(2031, 1, 1), DayKind.HOLIDAY, "元旦")]),
        _row_exists(CalendarEntry, CalendarEntry.day == date(2031, 1, 1), CalendarEntry.kind == "holiday")),
    Permission.VIEW_AUDIT_LOG: Probe(lambda w, a, _p: w.call(a, audit.list_entries), _audit_listed),
    Permission.ANONYMISE: Probe(lambda w, a, _p: w.call(a, retention.anonymise, 3, date.today()), _anonymised,
                                prepare=_closed_long_ago),
    Permission.CURATE_LIBRARY: Probe(
        lambda w, a, _p: w.call(a, case_library.mark_case, w.case.id, "先共情再给方案"),
        lambda w, a, entry: _row_exists(LibraryCase, LibraryCase.id == entry.row.id,
                                        LibraryCase.marked_by_id == a.user_id)(w, a, entry),
        prepare=lambda w: w.set_state(Status.CLOSED)),
    Permission.ADMINISTER: Probe(lambda w, a, _p: w.call(
        a, create_user, username="newclerk", display_name="New clerk", password=PASSWORD, role=Role.COUNTER_CLERK),
        lambda w, _a, _r: _same(authenticate(w.db, "newclerk", PASSWORD).role, Role.COUNTER_CLERK)),
}


def _same(actual: object, expected: object) -> None:
    assert actual == expected


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
    result = probe.attempt(world, world.actors[role], prepared)
    probe.effect(world, world.actors[role], result)


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
