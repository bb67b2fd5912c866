"""Every audited action writes its audit entry: one performer per line of ``audit.AUDITED``.

The table and the performers must have the same keys, so an action added to the table without a test here
fails ``test_every_audited_action_has_a_performer``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from desk_app.api.backend import LocalBackend
from desk_app.db.models import AuditEntry, Branch, Complaint
from desk_app.db.uow import Database
from desk_app.documents.content import ReceiptInputs
from desk_app.domain.actor import Actor
from desk_app.domain.calendar import CalendarDay, DayKind
from desk_app.domain.enums import Channel, Complexity, InstitutionType, LetterKind, LinkKind, Role
from desk_app.domain.workflow import Action
from desk_app.errors import UserError
from desk_app.reports.prevention_figures import OpportunityKind
from desk_app.services import (
    accounts,
    attachments,
    audit,
    branches,
    case_library,
    case_links,
    detail_export,
    extensions,
    grumbles,
    handling,
    imports,
    integrity,
    letters,
    opportunities,
    personal_data,
    report_scope,
    retention,
    statistics,
)
from desk_app.services import case_workflow as wf
from desk_app.services.calendar import enter_year_schedule
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.consolidation import consolidate
from desk_app.services.dto import ComplaintDetail
from desk_app.services.grumbles import GrumbleDraft
from desk_app.services.opportunities import OpportunityDraft
from tests.reports.messy_files import messy_workbook
from tests.support.imported import NOW, mapping_for
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff, draft

TODAY = date.today()
SCOPE = report_scope.ReportScope(TODAY - timedelta(days=30), TODAY + timedelta(days=1))


@dataclass
class Desk:
    db: Database
    staff: Staff
    tmp: Path

    def case(self) -> ComplaintDetail:
        return register_complaint(self.db, self.staff.clerk, draft())

    def in_progress(self) -> ComplaintDetail:
        case = self.case()
        s = self.staff
        case = wf.assign(self.db, s.supervisor, case.id, case.version, s.handler.user_id)
        return wf.perform(self.db, s.handler, case.id, case.version, Action.START)

    def proposal(self) -> handling.ResolutionInfo:
        case = self.in_progress()
        return handling.propose_resolution(self.db, self.staff.handler, case.id, resolution_type="refund",
                                           amount="3200", description="全额退还", basis="《银行卡章程》第十二条",
                                           upheld=True)

    def special_request(self) -> ComplaintDetail:
        case = self.case()
        return wf.extend(self.db, self.staff.handler, case.id, case.version, Complexity.SPECIAL, "需外部鉴定")

    def user(self, name: str = "newclerk") -> accounts.UserInfo:
        return accounts.create_user(self.db, self.staff.admin, username=name, display_name="New clerk",
                                    password="Quiet7harbour", role=Role.COUNTER_CLERK, must_change_password=False)

    def letterhead(self) -> None:
        with self.db.unit_of_work() as session:
            session.execute(update(Branch).where(Branch.code == "SH01").values(
                address="上海市浦东新区世纪大道100号", hotline="95588", superior_institution="上海分行消保部",
                superior_contact="上海市黄浦区中山东一路1号，电话021-61234567"))


def _fail(fn: Callable[[], Any]) -> None:
    with pytest.raises(UserError):
        fn()


def _lock_out(d: Desk) -> None:
    for _attempt in range(accounts.MAX_FAILED_LOGINS):
        _fail(lambda: accounts.authenticate(d.db, "clerk", "wrong-password-1"))


def _closed_long_ago(d: Desk) -> None:
    case = d.case()
    with d.db.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case.id).values(
            status="closed", closed_at=datetime.now(UTC) - timedelta(days=4 * 366)))
    retention.anonymise(d.db, d.staff.admin, 3, TODAY)


def _import(d: Desk) -> None:
    path = messy_workbook(d.tmp / "台账.xlsx")
    imports.import_file(d.db, d.staff.manager, path, mapping_for(d.db, d.staff, path), imports.ImportOptions(now=NOW))


def _consolidate(d: Desk) -> None:
    d.case()
    path = d.tmp / "branch.xlsx"
    detail_export.export_detail(d.db, d.staff.supervisor, SCOPE, path)
    consolidate(d.db, d.staff.admin, path)


def _letter(d: Desk) -> letters.IssuedLetter:
    d.letterhead()
    return letters.issue_letter(d.db, d.staff.handler, d.case().id, LetterKind.RECEIPT, ReceiptInputs())


def _unlock(d: Desk) -> None:
    _lock_out(d)
    accounts.unlock_user(d.db, d.staff.admin, d.staff.clerk.user_id)


def _decide_extension(d: Desk, approve: bool) -> None:
    case = d.special_request()
    extensions.decide_extension(d.db, d.staff.manager, case.id, case.version, approve=approve,
                                reason="" if approve else "理由不足")


def _rekey(d: Desk) -> None:
    d.case()
    integrity.rekey_chains(d.db, legacy=False)


def _read_attachment(d: Desk) -> None:
    file = attachments.AttachmentFile("a.pdf", b"%PDF")
    [info] = attachments.add_attachments(d.db, d.staff.clerk, d.case().id, [file])
    attachments.save_attachment(d.db, d.staff.handler, info.id, d.tmp / "copy.pdf")


def _link(d: Desk) -> None:
    main, other = d.case(), d.case()
    case_links.link_cases(d.db, d.staff.clerk, main.id, other.case_number, LinkKind.SAME_CUSTOMER, "电话也投诉了")


def _unlink(d: Desk) -> None:
    main, other = d.case(), d.case()
    [link] = case_links.link_cases(d.db, d.staff.clerk, main.id, other.case_number, LinkKind.GROUP_MEMBER)
    assert link.link_id is not None
    case_links.unlink_cases(d.db, d.staff.clerk, main.id, link.link_id, "误关联")


def _merge(d: Desk) -> None:
    main, duplicate = d.case(), d.case()
    case_links.merge_cases(d.db, d.staff.supervisor, main.id, main.version, duplicate.case_number,
                           case_links.MergeDirection.INTO_THIS, "监管转办与柜面投诉为同一事项")


def _library(d: Desk) -> None:
    """A closed case added to the case library (its own entry), then removed (the last entry)."""
    case = d.case()
    with d.db.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case.id).values(status="closed"))
    entry = case_library.mark_case(d.db, d.staff.supervisor, case.id, "先共情再给方案")
    assert _entries(d.db, audit.AuditAction.CASE_LIBRARY)[-1].detail["event"] == "added"
    case_library.remove_entry(d.db, d.staff.supervisor, entry.row.id)


#: How to perform each audited action, and what its entry must say (a subset of its detail).
def _turn_grumble(d: Desk) -> None:
    """A grumble recorded (its own entry), then turned into a complaint (the last entry)."""
    g = grumbles.record_grumble(d.db, d.staff.clerk, GrumbleDraft(Channel.COUNTER, "B0302", "C09", "当场解释", False))
    assert _entries(d.db, audit.AuditAction.GRUMBLE)[-1].detail["event"] == "recorded"
    grumbles.link_complaint(d.db, d.staff.clerk, g.id, d.case().id)


PERFORMERS: dict[str, tuple[Callable[[Desk], Any], dict[str, Any]]] = {
    audit.AuditAction.SIGN_IN: (lambda d: accounts.authenticate(d.db, "clerk", PASSWORD), {}),
    audit.AuditAction.SIGN_IN_FAILED: (
        lambda d: _fail(lambda: accounts.authenticate(d.db, "clerk", "wrong-password-1")),
        {"username": "clerk", "reason": "AuthenticationError"}),
    audit.AuditAction.LOCKED_OUT: (_lock_out, {"username": "clerk"}),
    audit.AuditAction.SIGN_OUT: (lambda d: LocalBackend(d.db).sign_out(d.staff.clerk), {}),
    audit.AuditAction.EXPORT: (lambda d: (d.case(), detail_export.export_detail(
        d.db, d.staff.supervisor, SCOPE, d.tmp / "x.xlsx", reveal_personal_data=True)),
        {"export": "detail", "personal_data": "UNMASKED", "branches": ["SH01"], "cases": 1}),
    audit.AuditAction.REPORT: (lambda d: statistics.compute_statistics(d.db, d.staff.supervisor, SCOPE),
                               {"report": "statistics", "branches": ["SH01"]}),
    audit.AuditAction.IMPORT: (_import, {"rows": 6}),
    audit.AuditAction.CONSOLIDATION: (_consolidate, {"file": "branch.xlsx"}),
    audit.AuditAction.ANONYMISE: (_closed_long_ago, {"years": 3, "cases": 1}),
    audit.AuditAction.USER_CREATED: (lambda d: d.user(), {"username": "newclerk"}),
    audit.AuditAction.USER_CHANGED: (lambda d: accounts.update_user(
        d.db, d.staff.admin, d.user().id, display_name="Renamed"), {"username": "newclerk"}),
    audit.AuditAction.ROLE_CHANGED: (lambda d: accounts.update_user(
        d.db, d.staff.admin, d.user().id, role=Role.HANDLER), {"changes": {"role": ["counter_clerk", "handler"]}}),
    audit.AuditAction.PASSWORD_RESET: (lambda d: accounts.reset_password(
        d.db, d.staff.admin, d.user().id, "Temp4harbour"), {"username": "newclerk"}),
    audit.AuditAction.USER_UNLOCKED: (_unlock, {"username": "clerk"}),
    audit.AuditAction.BRANCH_CHANGED: (lambda d: branches.create_branch(
        d.db, d.staff.admin, "GZ01", branches.BranchFields("广州天河支行", InstitutionType.BANK)), {}),
    audit.AuditAction.SETTINGS_CHANGED: (lambda d: enter_year_schedule(
        d.db, d.staff.admin, 2031, [CalendarDay(date(2031, 1, 1), DayKind.HOLIDAY, "元旦")]),
        {"setting": "holiday_calendar", "year": 2031}),
    audit.AuditAction.APPROVAL: (lambda d: (p := d.proposal(), handling.decide_resolution(
        d.db, d.staff.supervisor, p.id, p.version, approve=True)), {"level": "supervisor", "amount": "3200.00"}),
    audit.AuditAction.APPROVAL_RETURN: (lambda d: (p := d.proposal(), handling.decide_resolution(
        d.db, d.staff.supervisor, p.id, p.version, approve=False, reason="金额需核实")), {"reason": "金额需核实"}),
    audit.AuditAction.EXTENSION_REQUEST: (lambda d: d.special_request(), {"to": "special", "needs_approval": True}),
    audit.AuditAction.EXTENSION_APPROVAL: (lambda d: _decide_extension(d, True), {"to": "special"}),
    audit.AuditAction.EXTENSION_RETURN: (lambda d: _decide_extension(d, False), {"reason": "理由不足"}),
    audit.AuditAction.LETTER_ISSUE: (_letter, {"kind": "receipt"}),
    audit.AuditAction.LETTER_REPRINT: (lambda d: letters.reprint(d.db, d.staff.handler, _letter(d).id),
                                       {"kind": "receipt"}),
    audit.AuditAction.VIEW_PERSONAL_DATA: (lambda d: personal_data.reveal_customer(
        d.db, d.staff.clerk, d.case().id, "核实身份"), {}),
    audit.AuditAction.CHAINS_REKEYED: (_rekey, {}),
    audit.AuditAction.ATTACHMENT_READ: (_read_attachment, {"purpose": "download"}),
    audit.AuditAction.GRUMBLE: (_turn_grumble, {"event": "turned_into_complaint", "cause": "C09"}),
    audit.AuditAction.OPPORTUNITY: (lambda d: opportunities.add_opportunity(d.db, d.staff.handler, OpportunityDraft(
        OpportunityKind.OPPORTUNITY, "客户希望开通境外消费提醒", complaint_id=d.case().id)),
        {"kind": "opportunity", "product": "B0302"}),
    audit.AuditAction.CASE_LIBRARY: (_library, {"event": "removed", "cause": "C09"}),
    audit.AuditAction.CASE_LINK: (_link, {"kind": "same_customer"}),
    audit.AuditAction.CASE_UNLINK: (_unlink, {"kind": "group_member"}),
    audit.AuditAction.CASE_MERGE: (_merge, {"duplicate_status": "registered"}),
}


def test_every_audited_action_has_a_performer() -> None:
    assert set(PERFORMERS) == set(audit.AUDITED)
    assert all(audit.describe(action) != action for action in audit.AUDITED)


def _entries(db: Database, action: str) -> list[AuditEntry]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


@pytest.mark.parametrize("action", sorted(PERFORMERS))
def test_performing_the_action_writes_its_entry(database: Database, staff: Staff, tmp_path: Path,
                                                action: str) -> None:
    desk = Desk(database, staff, tmp_path)
    before = len(_entries(database, action))
    perform, expected = PERFORMERS[action]
    perform(desk)
    entries = _entries(database, action)
    assert len(entries) > before, f"{action} wrote no audit entry"
    detail = entries[-1].detail
    for key, value in expected.items():
        assert detail.get(key) == value, (key, detail)
    with database.unit_of_work() as session:
        assert audit.verify(session) is None


def test_sign_in_on_this_pc_records_user_and_failure_reason(database: Database, staff: Staff) -> None:
    backend = LocalBackend(database)
    actor: Actor = backend.sign_in("supervisor", PASSWORD)
    with pytest.raises(UserError):
        backend.sign_in("supervisor", "nope-nope-1")
    with pytest.raises(UserError):
        backend.sign_in("nobody", "nope-nope-1")
    signed = _entries(database, audit.AuditAction.SIGN_IN)
    failed = _entries(database, audit.AuditAction.SIGN_IN_FAILED)
    assert signed[-1].user_id == actor.user_id
    assert [(e.detail["username"], e.detail["user_id"] is not None) for e in failed[-2:]] == [
        ("supervisor", True), ("nobody", False)]


def test_a_masked_export_says_so(database: Database, staff: Staff, tmp_path: Path) -> None:
    register_complaint(database, staff.clerk, draft())
    detail_export.export_detail(database, staff.supervisor, SCOPE, tmp_path / "m.xlsx")
    entry = _entries(database, audit.AuditAction.EXPORT)[-1]
    assert entry.detail["personal_data"] == "masked" and entry.user_id == staff.supervisor.user_id


def test_viewing_a_case_is_not_an_audit_entry(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    with database.unit_of_work() as session:
        before = len(session.scalars(select(AuditEntry)).all())
    get_complaint(database, staff.clerk, case.id)
    with database.unit_of_work() as session:
        assert len(session.scalars(select(AuditEntry)).all()) == before
