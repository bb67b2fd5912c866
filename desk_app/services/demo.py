"""Demo data: realistic Chinese cases across branches, channels, causes and states, over the past year.

Rows are inserted in batches with the same rules the services apply (case numbers, deadlines from the
engine, hash-chained timelines), so the demo database passes ``desk-cli check`` and looks like real use.
The whole generation is one transaction: cancelling leaves the database as it was.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from desk_app.db.models import (
    Base,
    Branch,
    Callback,
    Complaint,
    ComplaintEvent,
    Customer,
    DatabaseFact,
    NumberCounter,
    Resolution,
    RootCause,
    TaxonomyCode,
    User,
)
from desk_app.db.models.complaints import FLAG_COLUMNS
from desk_app.db.uow import Database
from desk_app.domain.calendar import WorkCalendar
from desk_app.domain.deadlines import DeadlineInput, compute_deadline
from desk_app.domain.enums import (
    ApprovalState,
    Channel,
    Complexity,
    InstitutionType,
    Regime,
    Role,
    RootCauseLevel,
    Severity,
    SpecialFlag,
    Stage,
    Status,
)
from desk_app.domain.events import payloads as ev
from desk_app.domain.events import stored_payload
from desk_app.domain.timeline import GENESIS_HASH, event_hash
from desk_app.domain.validation import resident_id_check_char
from desk_app.errors import OperationCancelled, UserError, ValidationError
from desk_app.i18n import _
from desk_app.security import chain_key, hash_password, personal_data_digest
from desk_app.services.calendar import load_work_calendar, seed_calendar
from desk_app.services.complaints import regime_for_institution
from desk_app.services.demo_text import AREA_CODES, DISTRICTS, GIVEN, PLACES, STORIES, SURNAMES
from desk_app.services.reference import seed_reference_data
from desk_app.services.setup import seed_guidance

DEMO_PASSWORD = "demo2026"
DEMO_PURPOSE = "demo"
BATCH = 2000
DEMO_BRANCHES = (
    ("BJ01", "北京朝阳支行", "Beijing Chaoyang Sub-branch", InstitutionType.BANK),
    ("SH01", "上海浦东支行", "Shanghai Pudong Sub-branch", InstitutionType.BANK),
    ("GZ01", "广州天河支行", "Guangzhou Tianhe Sub-branch", InstitutionType.BANK),
    ("CD01", "成都人寿营业部", "Chengdu Life Insurance Office", InstitutionType.INSURER),
)
STAFF = ((Role.COUNTER_CLERK, "clerk"), (Role.HANDLER, "handler"), (Role.HANDLER, "handler2"),
         (Role.SUPERVISOR, "supervisor"), (Role.BRANCH_MANAGER, "manager"))
CHANNEL_WEIGHTS = {Channel.COUNTER: 30, Channel.HOTLINE: 25, Channel.ONLINE: 12, Channel.APP_WEB: 10,
                   Channel.EMAIL: 3, Channel.SOCIAL_MEDIA: 4, Channel.LETTER: 3, Channel.REGULATOR: 8,
                   Channel.HOTLINE_12315: 5}
# cumulative weights made once (``choices`` draws the same with them as with the weights, only faster)
_CHANNELS, _CHANNEL_CUM = list(CHANNEL_WEIGHTS), list(accumulate(CHANNEL_WEIGHTS.values()))
_SEVERITIES, _SEVERITY_CUM = list(Severity), list(accumulate((80, 17, 3)))
_SATISFACTION_CUM = list(accumulate((4, 6, 15, 40, 35)))
PROGRESS = (Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESPONDED,
            Status.AWAITING_CALLBACK, Status.CLOSED)

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _resident_id(rng: random.Random) -> str:
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    first17 = f"{rng.choice(AREA_CODES)}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + resident_id_check_char(first17)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}"


def _ensure_headquarters(session: Session, password_hash: str) -> None:
    """A demo database started from nothing gets a headquarters with an administrator and an analyst; one
    set up in the first-run wizard keeps its own administrator and gets the demo HQ analyst when the wizard
    made none (so every role can be tried)."""
    if session.scalars(select(User).where(User.role == Role.ADMINISTRATOR.value)).first() is not None:
        hq = session.scalars(select(Branch).where(Branch.is_headquarters.is_(True))).first()
        analyst = session.scalars(select(User).where(User.role == Role.HQ_ANALYST.value)).first()
        if hq is not None and analyst is None and session.scalars(
                select(User).where(User.username == "hq.analyst")).first() is None:
            session.add(User(username="hq.analyst", display_name="总部分析员", password_hash=password_hash,
                             role=Role.HQ_ANALYST.value, branch_id=hq.id, must_change_password=False))
            session.flush()
        return
    hq = session.scalars(select(Branch).where(Branch.code == "HQ")).first()
    if hq is None:
        hq = Branch(code="HQ", name="总行消费者权益保护部", name_en="Head Office Consumer Protection",
                    institution_type=InstitutionType.BANK.value, regime=Regime.BANKING_INSURANCE.value,
                    is_headquarters=True, address="北京市西城区金融大街1号", hotline="95588")
        session.add(hq)
        session.flush()
    for username, name, role in (("admin", "系统管理员", Role.ADMINISTRATOR), ("hq.analyst", "总部分析员",
                                                                           Role.HQ_ANALYST)):
        if session.scalars(select(User).where(User.username == username)).first() is None:
            session.add(User(username=username, display_name=name, password_hash=password_hash,
                             role=role.value, branch_id=hq.id, must_change_password=False))
    session.flush()


def _ensure_branches(session: Session) -> list[tuple[Branch, dict[Role, list[User]]]]:
    password_hash = hash_password(DEMO_PASSWORD)
    _ensure_headquarters(session, password_hash)
    result = []
    for code, name, name_en, institution in DEMO_BRANCHES:
        branch = session.scalars(select(Branch).where(Branch.code == code)).first()
        if branch is None:
            branch = Branch(code=code, name=name, name_en=name_en, institution_type=institution.value,
                            regime=regime_for_institution(institution).value,
                            address=f"{name}营业大厅", hotline="95588" if institution is InstitutionType.BANK
                            else "95519", superior_institution="总行消费者权益保护部" if institution is
                            InstitutionType.BANK else "总公司客户服务部", superior_contact="电话：400-800-1234")
            session.add(branch)
            session.flush()
        staff: dict[Role, list[User]] = {}
        for role, login in STAFF:
            username = f"{code.lower()}.{login}"
            user = session.scalars(select(User).where(User.username == username)).first()
            if user is None:
                user = User(username=username, display_name=_DEMO_NAMES[code][login],
                            password_hash=password_hash, role=role.value, branch_id=branch.id,
                            must_change_password=False)
                session.add(user)
                session.flush()
            staff.setdefault(role, []).append(user)
        result.append((branch, staff))
    return result


_DEMO_NAMES = {
    code: {login: SURNAMES[(i * 7 + j * 3) % len(SURNAMES)] + GIVEN[(i * 5 + j) % len(GIVEN)]
           for j, (_role, login) in enumerate(STAFF)}
    for i, (code, *_rest) in enumerate(DEMO_BRANCHES)
}


def _codes(session: Session, axis: str) -> list[str]:
    rows = session.execute(select(TaxonomyCode.code, TaxonomyCode.parent_code)
                           .where(TaxonomyCode.axis == axis, TaxonomyCode.active)).all()
    parents = {parent for _code, parent in rows if parent}
    return [code for code, _parent in rows if code not in parents]


def _status_for_age(rng: random.Random, age_days: int) -> Status:
    if rng.random() < 0.03:
        return Status.WITHDRAWN
    if rng.random() < 0.03:
        return Status.REFUSED
    if age_days > 60:
        return Status.UNDER_REVIEW if rng.random() < 0.02 else Status.CLOSED
    if age_days > 25:
        return rng.choice((Status.CLOSED, Status.CLOSED, Status.AWAITING_CALLBACK, Status.RESPONDED))
    if age_days > 10:
        return rng.choice(PROGRESS[1:])
    return rng.choice(PROGRESS[:4])


def generate_demo_data(db: Database, count: int, progress: ProgressFn | None = None,
                       cancelled: CancelFn | None = None, seed: int | None = None,
                       now: datetime | None = None, with_outcomes: bool = True) -> int:
    """Add ``count`` demo complaints (and demo branches and staff if missing). Returns how many were added.

    ``with_outcomes``: finished cases also get their resolution, follow-up call and root cause (tests
    and benchmarks that record their own outcomes turn this off)."""
    if count < 1 or count > 5_000_000:
        raise ValidationError(_("The number of demo cases must be between 1 and 5,000,000."), "count")
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    with db.unit_of_work() as session:
        _claim_for_demo(session)
        seed_reference_data(session)
        seed_calendar(session)
        seed_guidance(session)
        branches = _ensure_branches(session)
        calendar = load_work_calendar(session)
        axes = {axis: _codes(session, axis) for axis in "ABCD"}
        generator = _Generator(session, rng, now, calendar, axes, branches, with_outcomes)
        done = 0
        while done < count:
            if cancelled is not None and cancelled():
                raise OperationCancelled(_("Demo data generation was cancelled; nothing was added."))
            size = min(BATCH, count - done)
            generator.batch(size)
            done += size
            if progress is not None:
                progress(done, count)
        generator.save_counters()
    return done


class NotADemoDatabaseError(UserError):
    """Demo data (accounts with a published password) asked for on a database not created as a demo."""


def _claim_for_demo(session: Session) -> None:
    """A new, empty database becomes a demo database; one with accounts must have been created as one."""
    fact = session.get(DatabaseFact, "purpose")
    if fact is not None and fact.value == DEMO_PURPOSE:
        return
    if session.scalar(select(func.count()).select_from(User)):
        raise NotADemoDatabaseError(_(
            "This database was not created as a demo database: demo data would add accounts whose password "
            "({password}) is published. Create a separate demo database instead, e.g. "
            "desk-cli --database-url sqlite:///demo.sqlite3 demo-data").format(password=DEMO_PASSWORD))
    session.add(DatabaseFact(key="purpose", value=DEMO_PURPOSE))
    session.flush()


def create_demo_database(db: Database) -> None:
    """Mark a new, empty database as a demo database (before its set-up), so it may take demo data."""
    with db.unit_of_work() as session:
        _claim_for_demo(session)


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


class _Generator:
    def __init__(self, session: Session, rng: random.Random, now: datetime, calendar: WorkCalendar,
                 axes: dict[str, list[str]], branches: list[tuple[Branch, dict[Role, list[User]]]],
                 with_outcomes: bool) -> None:
        self.session, self.rng, self.now, self.calendar, self.axes = session, rng, now, calendar, axes
        self.with_outcomes = with_outcomes
        self.branches = branches
        self.counters: dict[str, int] = {}
        self.key = chain_key()  # resolved once: finding the key file is most of an event hash's cost
        self.customers: list[tuple[uuid.UUID, str]] = []
        self.stored_counters = dict(session.execute(
            select(NumberCounter.key, NumberCounter.value).where(NumberCounter.key.like("case:%"))).all())

    def _next_number(self, branch_code: str, day: str) -> str:
        key = f"case:{branch_code}:{day}"
        self.counters[key] = self.counters.get(key, self.stored_counters.get(key, 0)) + 1
        return f"{branch_code}-{day}-{self.counters[key]:04d}"

    def save_counters(self) -> None:
        for key, value in self.counters.items():  # counters only move forward
            stored = self.session.get(NumberCounter, key)
            if stored is None:
                self.session.add(NumberCounter(key=key, value=value))
            elif stored.value < value:
                stored.value = value
        self.session.flush()

    def _customer(self) -> tuple[uuid.UUID, dict[str, Any] | None]:
        if self.customers and self.rng.random() < 0.12:  # repeat complainants
            return self.rng.choice(self.customers)[0], None
        cid = uuid.uuid4()
        name = _person_name(self.rng)
        row = {"id": cid, "kind": "person", "name": name, "id_type": "resident_id",
               "id_number": _resident_id(self.rng), "phone": _mobile(self.rng), "phone2": "", "email": "",
               "address": f"{self.rng.choice(DISTRICTS)}{self.rng.randrange(1, 999)}号",
               "language": "zh_CN", "legal_representative": "", "contact_person": "", "anonymised": False,
               "created_at": self.now, "updated_at": self.now, "version": 1}
        self.customers.append((cid, name))
        return cid, row

    def batch(self, size: int) -> None:
        customers, complaints, events = [], [], []
        outcomes: dict[type[Base], list[dict[str, Any]]] = {Resolution: [], Callback: [], RootCause: []}
        for _i in range(size):
            cid, customer_row = self._customer()
            if customer_row:
                customers.append(customer_row)
            complaint, case_events = self._complaint(cid)
            complaints.append(complaint)
            events.extend(case_events)
            for model, row in self._outcomes(complaint) if self.with_outcomes else ():
                outcomes[model].append(row)
        # Core executemany: the ORM's bulk path would add per-row bookkeeping we do not need here.
        conn = self.session.connection()
        if customers:
            conn.execute(insert(_table(Customer)), customers)
        conn.execute(insert(_table(Complaint)), complaints)
        conn.execute(insert(_table(ComplaintEvent)), events)
        for model, rows in outcomes.items():
            if rows:
                conn.execute(insert(_table(model)), rows)

    def _outcomes(self, case: dict[str, Any]) -> list[tuple[type[Base], dict[str, Any]]]:
        """What a finished case carries, so the dashboard and the workbook have figures to show: the
        approved resolution of an answered case; for a closed one also the follow-up call with its
        satisfaction score and the root cause (溯源)."""
        status, rng = Status(case["status"]), self.rng
        if case["responded_at"] is None or case["owner_id"] is None:
            return []
        answered: datetime = case["responded_at"]
        upheld = rng.random() < 0.55
        kind = rng.choice(("refund", "compensation", "correction")) if upheld else rng.choice(
            ("explanation", "apology", "refusal"))
        amount = None
        if kind in ("refund", "compensation"):
            amount = case["claimed_amount"] or Decimal(rng.randrange(50, 2000)).quantize(Decimal("0.01"))
        found: list[tuple[type[Base], dict[str, Any]]] = [(Resolution, {
            "id": uuid.uuid4(), "complaint_id": case["id"], "resolution_type": kind, "amount": amount,
            "description": "", "basis": "", "upheld": upheld, "approval_state": ApprovalState.APPROVED.value,
            "proposed_by_id": case["owner_id"], "approved_by_id": case["owner_id"], "approved_at": answered,
            "customer_accepted": True, "carry_out_by": None, "created_at": answered, "updated_at": answered,
            "version": 1})]
        if status is Status.CLOSED:
            called = min(answered + timedelta(days=rng.randint(1, 5)), self.now)
            found.append((Callback, {
                "id": uuid.uuid4(), "complaint_id": case["id"], "called_at": called,
                "called_by_id": case["owner_id"], "method": "phone", "reached": True,
                "satisfaction": rng.choices((1, 2, 3, 4, 5), cum_weights=_SATISFACTION_CUM)[0], "note": ""}))
            found.append((RootCause, {
                "id": uuid.uuid4(), "complaint_id": case["id"], "level": rng.choice(list(RootCauseLevel)).value,
                "cause_code": case["axis_c"], "description": "", "recorded_by_id": case["owner_id"],
                "recorded_at": called}))
        return found

    def _complaint(self, customer_id: uuid.UUID) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        branch, staff = rng.choice(self.branches)
        tz = ZoneInfo(branch.timezone)
        # Most cases spread over the year; a steady share is recent, so the open work looks real.
        age_days = int(rng.triangular(0, 365, 20)) if rng.random() < 0.8 else rng.randrange(0, 15)
        received = (self.now - timedelta(days=age_days, minutes=rng.randrange(0, 600))).replace(microsecond=0)
        local = received.astimezone(tz)
        if local.hour < 9 or local.hour > 17:
            received = received.replace(hour=(received.hour + 8) % 24)
            received = min(received, self.now)
        insurer = branch.institution_type == InstitutionType.INSURER.value
        stories = [s for s in STORIES if s[0].startswith("B2") == insurer]
        b_prefix, facts, request, kinds, (low, high) = rng.choice(stories)
        b_codes = [c for c in self.axes["B"] if c.startswith(b_prefix)] or [b_prefix]
        amount = Decimal(rng.randrange(low, high + 1)).quantize(Decimal("0.01")) if high else None
        amount_text = f"{amount:,.2f}" if amount is not None else ""
        severity = rng.choices(_SEVERITIES, cum_weights=_SEVERITY_CUM)[0]
        flags = {f for f in SpecialFlag if rng.random() < 0.025}
        status = _status_for_age(rng, age_days)
        regime = Regime(branch.regime)
        complexity = Complexity.COMPLEX if rng.random() < 0.1 else Complexity.SIMPLE
        deadline = compute_deadline(DeadlineInput(regime=regime, received_at=received, office_tz=branch.timezone,
                                                  complexity=complexity,
                                                  first_contact_hours=branch.first_contact_hours,
                                                  today=self.now.date()), self.calendar)
        owner = rng.choice(staff[Role.HANDLER]) if status is not Status.REGISTERED else None
        clerk = staff[Role.COUNTER_CLERK][0]
        cid = uuid.uuid4()
        number = self._next_number(branch.code, local.strftime("%Y%m%d"))
        stage = None
        if status is Status.IN_PROGRESS:
            stage = rng.choice([s for s in Stage if s is not Stage.DELIBERATE or severity is not Severity.GENERAL])
        finished_at = None
        if status in (Status.CLOSED, Status.REFUSED, Status.WITHDRAWN, Status.RESPONDED,
                      Status.AWAITING_CALLBACK, Status.UNDER_REVIEW):
            finished_at = min(received + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 8)), self.now)
        first_contact = min(received + timedelta(hours=rng.randint(1, 40)), self.now) if owner else None
        row: dict[str, Any] = {
            "id": cid, "case_number": number, "branch_id": branch.id, "customer_id": customer_id,
            "channel": rng.choices(_CHANNELS, cum_weights=_CHANNEL_CUM)[0].value,
            "axis_a": rng.choice(self.axes["A"]), "axis_b": rng.choice(b_codes),
            "axis_c": rng.choice(self.axes["C"]),
            "axis_d": rng.choice(self.axes["D"]) if insurer and self.axes["D"] else None,
            "severity": severity.value, "status": status.value, "stage": stage.value if stage else None,
            "received_at": received, "regime": regime.value, "complexity": complexity.value,
            "special_extension_approved": False, "due_on": deadline.due_on,
            "acceptance_due_on": deadline.acceptance_due_on, "first_contact_due": deadline.first_contact_due,
            "first_contact_at": first_contact,
            "responded_at": finished_at if status in (Status.RESPONDED, Status.AWAITING_CALLBACK, Status.CLOSED,
                                                      Status.UNDER_REVIEW) else None,
            "closed_at": finished_at if status in (Status.CLOSED, Status.REFUSED, Status.WITHDRAWN) else None,
            "paused": False, "escalated": bool(flags), "summary": facts.format(amount=amount_text)[:60],
            "request_kinds": list(kinds), "request_text": request.format(amount=amount_text),
            "claimed_amount": amount, "facts_what": facts.format(amount=amount_text),
            "facts_when": (received - timedelta(days=rng.randint(0, 30))).date(),
            "facts_where": rng.choice(PLACES), "facts_amount": amount, "respondent": branch.name,
            "owner_id": owner.id if owner else None, "created_by_id": clerk.id, "recusal_declared": True,
            "language": "zh_CN", "reference_version": 1, "stage_records": {},
            "created_at": received, "updated_at": finished_at or received, "version": 1,
        }
        for flag, column in FLAG_COLUMNS.items():
            row[column] = flag in flags
        return row, self._events(row, clerk, owner, status, finished_at)

    def _events(self, row: dict[str, Any], clerk: User, owner: User | None, status: Status,
                finished_at: datetime | None) -> list[dict[str, Any]]:
        events, prev = [], GENESIS_HASH
        for seq, (payload, actor, when) in enumerate(self._steps(row, clerk, owner, status, finished_at), start=1):
            kind, safe = payload.KIND.value, stored_payload(payload)
            digest = event_hash(prev, row["id"], seq, kind, actor, when, safe, key=self.key)
            events.append({"id": uuid.uuid4(), "complaint_id": row["id"], "seq": seq, "kind": kind,
                           "actor_id": actor, "occurred_at": when, "payload": safe, "prev_hash": prev,
                           "hash": digest})
            prev = digest
        return events

    def _steps(self, row: dict[str, Any], clerk: User, owner: User | None, status: Status,
               finished_at: datetime | None) -> list[tuple[ev.EventPayload, uuid.UUID, datetime]]:
        """The case's timeline so far: each event's payload, actor and time."""
        received: datetime = row["received_at"]
        steps: list[tuple[ev.EventPayload, uuid.UUID, datetime]] = [
            (ev.Registered(
                case_number=row["case_number"], channel=row["channel"], severity=row["severity"],
                axes=[row["axis_a"], row["axis_b"], row["axis_c"], row["axis_d"]],
                customer=personal_data_digest(str(row["customer_id"]), self.key), due_on=row["due_on"],
                regime=row["regime"]), clerk.id, received)]
        if owner is not None:
            at = received + timedelta(minutes=30)
            steps.append((ev.Assigned(to_owner=owner.id, owner_name=owner.display_name), clerk.id, at))
        path: list[Status] = []
        if status in (Status.REFUSED, Status.WITHDRAWN, Status.UNDER_REVIEW):
            path = [status]
        elif status in PROGRESS:
            path = list(PROGRESS[2:PROGRESS.index(status) + 1]) if PROGRESS.index(status) >= 2 else []
        previous = Status.ASSIGNED if owner else Status.REGISTERED
        at = received + timedelta(hours=1)
        for target in path:
            at = min(finished_at or at + timedelta(days=1), self.now) if target is not Status.IN_PROGRESS else at
            steps.append((ev.StatusChanged(from_=previous.value, to=target.value), (owner or clerk).id, at))
            previous = target
        return steps
