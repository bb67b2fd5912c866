"""Issued letters as records, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from desk_app.db.models import Branch, Complaint, ComplaintEvent, Letter
from desk_app.db.uow import Database
from desk_app.documents.content import (
    DecisionInputs,
    DeliveryMethod,
    ExtensionInputs,
    LetterContentError,
    ReceiptInputs,
    RefusalInputs,
    Remedy,
    ReviewDecisionInputs,
)
from desk_app.domain.enums import Complexity, LetterKind, Stage, Status
from desk_app.domain.workflow import Action
from desk_app.errors import IllegalTransitionError, NotFoundError, PermissionDeniedError, UserError, ValidationError
from desk_app.services import case_workflow as wf
from desk_app.services import extensions, letter_ahead, letters
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import ComplaintDetail, CustomerDraft
from desk_app.services.timeline import check_chain
from tests.documents.pdf_tools import flat_text, needs_poppler, pdf_fonts
from tests.support.letters import letterhead, office_today, register_today
from tests.support.staff import Staff, draft

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Shanghai

DECISION = DecisionInputs(
    verification="调取了交易授权记录和监控录像，核对了客户提供的账单。",
    decision="支持客户的投诉请求，退还被盗刷款项。",
    basis="《信用卡领用合约》第十二条。",
    reasons="该笔交易为伪卡交易，客户已尽到妥善保管义务。",
    remedy=Remedy("退还被盗刷款项", Decimal("3200"), date(2026, 3, 20)),
)


def _year() -> int:
    return office_today().year


def _case(database: Database, staff: Staff, **overrides: object) -> ComplaintDetail:
    letterhead(database)
    return register_complaint(database, staff.clerk, draft(**{"received_at": RECEIVED, **overrides}))


def _set_state(database: Database, case_id: uuid.UUID, status: Status, stage: Stage | None = None) -> None:
    """Put the case where a test needs it (the workflow's own rules are tested elsewhere)."""
    with database.unit_of_work() as session:
        complaint = session.get_one(Complaint, case_id)
        complaint.status = status.value
        complaint.stage = stage.value if stage else None


def _events(database: Database, case_id: uuid.UUID, kind: str) -> list[ComplaintEvent]:
    with database.unit_of_work() as session:
        return list(session.scalars(select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == case_id, ComplaintEvent.kind == kind).order_by(ComplaintEvent.seq)))


def test_receipt_is_a_record_with_number_hash_and_timeline_event(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    issued = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    assert issued.number == f"SH01-SL-{_year()}-0001"
    assert (issued.kind, issued.version_no, issued.language, issued.template_version) == (
        LetterKind.RECEIPT, 1, "zh_CN", 1)
    assert issued.issued_by == "Clerk" and issued.current and issued.delivery_method is None
    stored = letters.reprint(database, staff.clerk, issued.id)
    assert hashlib.sha256(stored).hexdigest() == issued.sha256 and len(stored) == issued.size
    [event] = _events(database, case.id, "letter_issued")
    assert event.payload["number"] == issued.number and event.payload["sha256"] == issued.sha256
    assert event.payload["letter_id"] == str(issued.id) and event.actor_id == staff.clerk.user_id
    with database.unit_of_work() as session:
        assert check_chain(session, case.id) is None
    second = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    assert second.number == f"SH01-SL-{_year()}-0002"


@needs_poppler
def test_receipt_states_case_number_deadline_handler_and_follow_up(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    issued = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    pdf = letters.reprint(database, staff.clerk, issued.id)
    text = flat_text(pdf)
    today = office_today()
    for part in ("投诉受理回执", f"编号：{issued.number}", "尊敬的王芳：", f"投诉编号{case.case_number}",
                 "受理日期2026年3月2日", "经办人Clerk",
                 "答复期限2026年3月17日前作出处理决定并告知您",  # 15 calendar days from 2 March
                 "查询方式拨打95588", f"{today.year}年{today.month}月{today.day}日", "上海浦东支行（盖章）"):
        assert part in text, part
    assert all(row.embedded for row in pdf_fonts(pdf))


def test_reprint_returns_the_stored_bytes_not_a_new_rendering(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    issued = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    first = letters.reprint(database, staff.clerk, issued.id)
    letterhead(database, hotline="400-000-0000")  # the branch changes its details after issue
    with database.unit_of_work() as session:
        session.execute(update(Branch).where(Branch.code == "SH01").values(name="上海浦东新区支行"))
    again = letters.reprint(database, staff.handler, issued.id)
    assert again == first
    assert b"400-000-0000" not in again


def test_a_damaged_stored_copy_is_reported(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    issued = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    with database.unit_of_work() as session:
        session.execute(update(Letter).where(Letter.id == issued.id).values(content=b"%PDF-1.4 tampered"))
    with pytest.raises(UserError, match="damaged"):
        letters.reprint(database, staff.clerk, issued.id)


def test_receipt_without_a_follow_up_phone_cannot_be_issued(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    letterhead(database, hotline="")
    with pytest.raises(LetterContentError, match="telephone number for follow-up") as caught:
        letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    assert caught.value.missing == ("contact_phone",)
    with database.unit_of_work() as session:  # nothing stored, no number used
        assert session.scalar(select(func.count()).select_from(Letter)) == 0
    issued = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT,
                                  ReceiptInputs(contact_phone="021-5555 1234"))
    assert issued.number.endswith("-0001")


def test_receipt_only_while_the_case_is_open(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    _set_state(database, case.id, Status.CLOSED)
    with pytest.raises(IllegalTransitionError, match="only while the case is open"):
        letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())


def test_decision_letter_needs_the_negotiate_or_act_step(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    for status, stage in ((Status.REGISTERED, None), (Status.IN_PROGRESS, Stage.INVESTIGATE),
                          (Status.CLOSED, None)):
        _set_state(database, case.id, status, stage)
        with pytest.raises(IllegalTransitionError, match="negotiate"):
            letters.issue_letter(database, staff.handler, case.id, LetterKind.DECISION, DECISION)
    for status, stage in ((Status.IN_PROGRESS, Stage.NEGOTIATE), (Status.IN_PROGRESS, Stage.ACT),
                          (Status.RESPONDED, None)):
        _set_state(database, case.id, status, stage)
        assert letters.issue_letter(database, staff.handler, case.id, LetterKind.DECISION, DECISION).number


def test_decision_letter_roles_and_content_check(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    _set_state(database, case.id, Status.IN_PROGRESS, Stage.ACT)
    with pytest.raises(PermissionDeniedError):
        letters.issue_letter(database, staff.clerk, case.id, LetterKind.DECISION, DECISION)
    with pytest.raises(LetterContentError) as caught:
        letters.issue_letter(database, staff.handler, case.id, LetterKind.DECISION,
                             DecisionInputs(verification="已核实", decision="不予支持", reasons="无依据",
                                            remedy=Remedy("补偿", None, date(2026, 3, 20))))
    assert caught.value.missing == ("basis", "remedy.amount")
    letterhead(database, superior=False)
    with pytest.raises(LetterContentError) as caught:
        letters.issue_letter(database, staff.handler, case.id, LetterKind.DECISION, DECISION)
    assert caught.value.missing == ("superior_institution", "superior_contact")
    assert letters.list_letters(database, staff.handler, case.id) == []


@needs_poppler
def test_decision_letter_text(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    _set_state(database, case.id, Status.IN_PROGRESS, Stage.ACT)
    issued = letters.issue_letter(database, staff.handler, case.id, LetterKind.DECISION, DECISION)
    assert issued.number == f"SH01-JD-{_year()}-0001"
    text = flat_text(letters.reprint(database, staff.handler, issued.id))
    for part in (f"投诉编号：{case.case_number}", "您的请求：退款（要求退还被盗刷款项）",
                 "请求金额：人民币3,200.00元（大写：人民币叁仟贰佰元整）", "二、核实情况调取了交易授权记录和监控录像",
                 "依据：《信用卡领用合约》第十二条。", "补偿金额人民币3,200.00元（大写：人民币叁仟贰佰元整）",
                 "办理期限2026年3月20日前", "可以自收到本决定书之日起30日内，向上海分行消费者权益保护部书面申请核查。",
                 "联系方式：上海市黄浦区中山东一路1号，电话021-61234567。"):
        assert part in text, part


def test_correction_is_a_new_version_and_the_timeline_shows_both(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    _set_state(database, case.id, Status.IN_PROGRESS, Stage.ACT)
    original = letters.issue_letter(database, staff.handler, case.id, LetterKind.DECISION, DECISION)
    original_bytes = letters.reprint(database, staff.handler, original.id)
    _set_state(database, case.id, Status.CLOSED)  # corrections stay possible after the case moved on
    with pytest.raises(ValidationError, match="why"):
        letters.correct_letter(database, staff.handler, original.id, "  ", DECISION)
    fixed_inputs = DecisionInputs(**{**DECISION.__dict__, "remedy": Remedy("退还被盗刷款项", "3250.5",
                                                                             date(2026, 3, 20))})
    corrected = letters.correct_letter(database, staff.handler, original.id, "补偿金额有误", fixed_inputs)
    assert corrected.version_no == 2 and corrected.supersedes_id == original.id
    assert corrected.correction_reason == "补偿金额有误"
    assert corrected.number == f"SH01-JD-{_year()}-0002" != original.number
    listed = letters.list_letters(database, staff.handler, case.id)
    assert [(x.number, x.current) for x in listed] == [(original.number, False), (corrected.number, True)]
    assert listed[0].superseded_by_id == corrected.id
    assert letters.reprint(database, staff.handler, original.id) == original_bytes  # the old one is kept
    issued_events = _events(database, case.id, "letter_issued")
    corrected_events = _events(database, case.id, "letter_corrected")
    assert [e.payload["number"] for e in issued_events] == [original.number]
    assert [(e.payload["number"], e.payload["supersedes_number"], e.payload["reason"])
            for e in corrected_events] == [(corrected.number, original.number, "补偿金额有误")]
    with pytest.raises(IllegalTransitionError, match="already replaced"):
        letters.correct_letter(database, staff.handler, original.id, "again", fixed_inputs)
    with pytest.raises(BaseException, match="ReceiptInputs"):
        letters.correct_letter(database, staff.handler, corrected.id, "wrong kind", ReceiptInputs())


@needs_poppler
def test_corrected_letter_says_what_it_replaces(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    original = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    corrected = letters.correct_letter(database, staff.clerk, original.id, "材料清单遗漏",
                                       ReceiptInputs(received_items=("投诉登记表", "银行卡交易流水")))
    text = flat_text(letters.reprint(database, staff.clerk, corrected.id))
    today = office_today()
    assert (f"更正说明：本函更正并取代{today.year}年{today.month}月{today.day}日出具的第{original.number}号函，"
            f"原函作废。更正原因：材料清单遗漏") in text
    assert "收到的材料1.投诉登记表2.银行卡交易流水" in text


def test_record_delivery(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    issued = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    today = office_today()
    with pytest.raises(ValidationError, match="future"):
        letters.record_delivery(database, staff.clerk, issued.id, DeliveryMethod.POST, today + timedelta(days=1))
    with pytest.raises(ValidationError, match="before it was issued"):
        letters.record_delivery(database, staff.clerk, issued.id, DeliveryMethod.POST, today - timedelta(days=1))
    done = letters.record_delivery(database, staff.clerk, issued.id, DeliveryMethod.HANDED_OVER, today)
    assert (done.delivery_method, done.delivered_on) == (DeliveryMethod.HANDED_OVER, today)
    again = letters.record_delivery(database, staff.clerk, issued.id, DeliveryMethod.SMS, today)
    assert again.delivery_method is DeliveryMethod.SMS
    events = _events(database, case.id, "letter_delivered")
    assert [(e.payload["method"], e.payload["previous"]) for e in events] == [
        ("handed_over", None), ("sms", ["handed_over", today.isoformat()])]
    corrected = letters.correct_letter(database, staff.clerk, issued.id, "更正", ReceiptInputs())
    with pytest.raises(IllegalTransitionError, match="deliver the correction"):
        letters.record_delivery(database, staff.clerk, issued.id, DeliveryMethod.POST, today)
    assert letters.record_delivery(database, staff.clerk, corrected.id, DeliveryMethod.EMAIL, today).delivered_on


def test_other_branches_cannot_see_letters(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    issued = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    for call in (lambda: letters.reprint(database, staff.other_branch_clerk, issued.id),
                 lambda: letters.list_letters(database, staff.other_branch_clerk, case.id),
                 lambda: letters.record_delivery(database, staff.other_branch_clerk, issued.id,
                                                 DeliveryMethod.POST, office_today())):
        with pytest.raises(PermissionDeniedError):
            call()
    with pytest.raises(NotFoundError):
        letters.reprint(database, staff.clerk, uuid.uuid4())


def test_refusal_needs_the_case_refused_or_grounds_given(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    with pytest.raises(IllegalTransitionError, match="refusal letter needs"):
        letters.issue_letter(database, staff.handler, case.id, LetterKind.REFUSAL, RefusalInputs(basis="第二条"))
    being_refused = letters.issue_letter(database, staff.handler, case.id, LetterKind.REFUSAL,
                                         RefusalInputs(grounds="不属于本行业务", basis="第二条"))
    assert being_refused.number == f"SH01-BY-{_year()}-0001"
    refused = wf.perform(database, staff.handler, case.id, get_complaint(database, staff.handler, case.id).version,
                         Action.REFUSE, "属于与第三方商户的商品质量纠纷")
    assert refused.status is Status.REFUSED
    with pytest.raises(LetterContentError) as caught:
        letters.issue_letter(database, staff.handler, case.id, LetterKind.REFUSAL, RefusalInputs())
    assert caught.value.missing == ("refusal.basis",)  # the grounds come from the refusal on record
    suggested = letters.suggested_inputs(database, staff.handler, case.id, LetterKind.REFUSAL)
    assert isinstance(suggested, RefusalInputs) and suggested.grounds == "属于与第三方商户的商品质量纠纷"
    assert letters.issue_letter(database, staff.handler, case.id, LetterKind.REFUSAL,
                                RefusalInputs(basis="《银行业保险业消费投诉处理管理办法》第二条")).number


@needs_poppler
def test_extension_notice_follows_a_recorded_extension(database: Database, staff: Staff) -> None:
    case = _case(database, staff, received_at=datetime.now(UTC) - timedelta(days=2))  # before its deadline
    with pytest.raises(LetterContentError, match="extend the case first"):
        letters.issue_letter(database, staff.handler, case.id, LetterKind.EXTENSION, ExtensionInputs())
    old = case.due_on
    case = wf.extend(database, staff.handler, case.id, case.version, Complexity.SPECIAL, "需调取境外收单机构交易记录")
    extensions.decide_extension(database, staff.manager, case.id, case.version, approve=True)
    issued = letters.issue_letter(database, staff.handler, case.id, LetterKind.EXTENSION, ExtensionInputs())
    assert issued.number == f"SH01-YQ-{_year()}-0001"
    text = flat_text(letters.reprint(database, staff.handler, issued.id))
    due = get_complaint(database, staff.handler, case.id).due_on  # the extension counts with its notice
    assert due > old
    assert (f"因需调取境外收单机构交易记录，我行无法在{old.year}年{old.month}月{old.day}日前作出处理决定。"
            in text)
    assert f"经Manager批准，本投诉的处理期限延长至{due.year}年{due.month}月{due.day}日。" in text


@needs_poppler
def test_review_decision_needs_a_review(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    inputs = ReviewDecisionInputs(findings="处理过程合规", decision="维持原处理决定", basis="第三十三条",
                                  reasons="事实清楚")
    _set_state(database, case.id, Status.IN_PROGRESS, Stage.ACT)
    decision = letters.issue_letter(database, staff.handler, case.id, LetterKind.DECISION, DECISION)
    _set_state(database, case.id, Status.RESPONDED)
    with pytest.raises(IllegalTransitionError, match="under review"):
        letters.issue_letter(database, staff.supervisor, case.id, LetterKind.REVIEW_DECISION, inputs)
    version = get_complaint(database, staff.handler, case.id).version
    wf.perform(database, staff.handler, case.id, version, Action.APPLY_REVIEW, "客户书面申请核查")
    with pytest.raises(PermissionDeniedError):
        letters.issue_letter(database, staff.handler, case.id, LetterKind.REVIEW_DECISION, inputs)
    issued = letters.issue_letter(database, staff.supervisor, case.id, LetterKind.REVIEW_DECISION, inputs)
    assert issued.number == f"SH01-HC-{_year()}-0001"
    today = office_today()
    assert (f"您于{today.year}年{today.month}月{today.day}日对{today.year}年{today.month}月{today.day}日出具的"
            f"投诉处理决定书（编号：{decision.number}）提出核查申请") in flat_text(
                letters.reprint(database, staff.supervisor, issued.id))


@needs_poppler
def test_english_customer_gets_an_english_letter(database: Database, staff: Staff) -> None:
    case = _case(database, staff, customer=CustomerDraft(name="John Smith", id_type=None, phone="13912345678",
                                                          language="en"))
    issued = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    assert issued.language == "en"
    chinese = letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs(),
                                   language="zh_CN")
    assert chinese.language == "zh_CN"
    text = flat_text(letters.reprint(database, staff.clerk, issued.id))
    assert "AcknowledgementofYourComplaint" in text and "DearJohnSmith," in text
    assert "Receivedon2March2026" in text


@needs_poppler
def test_preview_is_a_marked_draft_and_stores_nothing(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    pdf = letters.preview_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
    assert pdf.startswith(b"%PDF")
    assert "样稿未签发" in flat_text(pdf) and "编号：（签发时生成）" in flat_text(pdf)
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Letter)) == 0
    assert _events(database, case.id, "letter_issued") == []


def test_available_kinds(database: Database, staff: Staff) -> None:
    case = _case(database, staff, received_at=datetime.now(UTC) - timedelta(days=2))
    assert letters.available_kinds(database, staff.clerk, case.id) == [LetterKind.RECEIPT]
    assert letters.available_kinds(database, staff.handler, case.id) == [LetterKind.RECEIPT, LetterKind.REFUSAL]
    case = wf.extend(database, staff.handler, case.id, case.version, Complexity.COMPLEX, "案情复杂")
    _set_state(database, case.id, Status.IN_PROGRESS, Stage.NEGOTIATE)
    assert letters.available_kinds(database, staff.supervisor, case.id) == [
        LetterKind.RECEIPT, LetterKind.EXTENSION, LetterKind.DECISION]
    _set_state(database, case.id, Status.UNDER_REVIEW)
    assert letters.available_kinds(database, staff.manager, case.id) == [LetterKind.REVIEW_DECISION]


def test_suggested_decision_inputs_come_from_the_case_records(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    with database.unit_of_work() as session:
        complaint = session.get_one(Complaint, case.id)
        complaint.stage_records = {"investigate": {"findings": "交易为伪卡交易", "evidence": "授权日志、监控录像"},
                                   "analyse": {"analysis": "客户无过错", "basis": "合约第十二条"}}
    suggested = letters.suggested_inputs(database, staff.handler, case.id, LetterKind.DECISION)
    assert isinstance(suggested, DecisionInputs)
    assert suggested.verification == "交易为伪卡交易\n授权日志、监控录像"
    assert (suggested.basis, suggested.reasons) == ("合约第十二条", "客户无过错")


# --- batches ---------------------------------------------------------------------------------------------


def test_letters_due_today(database: Database, staff: Staff) -> None:
    cases = register_today(database, staff, 3)
    old = register_complaint(database, staff.clerk, draft(received_at=datetime.now(UTC) - timedelta(days=3)))
    issued = letters.issue_letter(database, staff.clerk, cases[0].id, LetterKind.RECEIPT, ReceiptInputs())
    extended = wf.extend(database, staff.handler, old.id, old.version, Complexity.COMPLEX, "案情复杂")
    due = letters.letters_due_today(database, staff.clerk, staff.clerk.branch_id, office_today())
    summary = sorted((d.kind, d.case_number, d.issued) for d in due)
    assert summary == sorted([
        (LetterKind.RECEIPT, cases[0].case_number, True),
        (LetterKind.RECEIPT, cases[1].case_number, False),
        (LetterKind.RECEIPT, cases[2].case_number, False),
        (LetterKind.EXTENSION, extended.case_number, False),
    ])
    assert next(d for d in due if d.issued).number == issued.number
    letters.record_delivery(database, staff.clerk, issued.id, DeliveryMethod.HANDED_OVER, office_today())
    assert len(letters.letters_due_today(database, staff.clerk, staff.clerk.branch_id, office_today())) == 3
    with pytest.raises(PermissionDeniedError):
        letters.letters_due_today(database, staff.other_branch_clerk, staff.clerk.branch_id, office_today())


def test_render_batch_saves_issues_and_skips(database: Database, staff: Staff, tmp_path: Path) -> None:
    cases = register_today(database, staff, 3)
    issued = letters.issue_letter(database, staff.clerk, cases[0].id, LetterKind.RECEIPT, ReceiptInputs())
    closed = register_complaint(database, staff.clerk, draft(received_at=RECEIVED))
    _set_state(database, closed.id, Status.CLOSED)
    items: list[letters.BatchItem] = [
        issued.id,
        *[d for d in letters.letters_due_today(database, staff.clerk, staff.clerk.branch_id, office_today())
          if not d.issued],
        letters.LetterRequest(closed.id, LetterKind.RECEIPT),
    ]
    seen: list[tuple[int, int]] = []
    result = letters.render_batch(database, staff.clerk, items, tmp_path / "out", lambda d, t: seen.append((d, t)),
                                  lambda: False)
    assert not result.cancelled and result.total == 4
    assert [p.name for p in result.files] == [f"{issued.number}.pdf"] + [f"{i.number}.pdf" for i in result.issued]
    assert len(result.issued) == 2 and {i.complaint_id for i in result.issued} == {cases[1].id, cases[2].id}
    assert [label for label, _why in result.skipped] == [str(closed.id)]
    assert "only while the case is open" in result.skipped[0][1]
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert (tmp_path / "out" / f"{issued.number}.pdf").read_bytes() == letters.reprint(database, staff.clerk,
                                                                                       issued.id)
    for info in result.issued:
        assert hashlib.sha256((tmp_path / "out" / info.file_name).read_bytes()).hexdigest() == info.sha256
    assert not list((tmp_path / "out").glob("*.part"))


def test_render_batch_can_be_cancelled(database: Database, staff: Staff, tmp_path: Path) -> None:
    cases = register_today(database, staff, 3)
    requests = [letters.LetterRequest(c.id, LetterKind.RECEIPT) for c in cases]
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 1  # cancel after the first letter

    result = letters.render_batch(database, staff.clerk, requests, tmp_path, None, cancelled)
    assert result.cancelled and len(result.files) == 1 and len(result.issued) == 1
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Letter)) == 1


def test_letter_numbers_are_unique_per_kind_and_year(database: Database, staff: Staff) -> None:
    case = _case(database, staff)
    numbers = [letters.issue_letter(database, staff.clerk, case.id, LetterKind.RECEIPT, ReceiptInputs()).number
               for _ in range(3)]
    assert numbers == [f"SH01-SL-{_year()}-{n:04d}" for n in (1, 2, 3)]
    assert all(re.fullmatch(r"SH01-SL-\d{4}-\d{4}", n) for n in numbers)


@needs_poppler
def test_rendering_ahead_in_worker_processes_prints_the_stored_number(database: Database, staff: Staff,
                                                                       tmp_path: Path) -> None:
    cases = register_today(database, staff, 6)
    requests = [letters.LetterRequest(c.id, LetterKind.RECEIPT) for c in cases]
    intruder = register_complaint(database, staff.clerk, draft(received_at=RECEIVED))
    seen: list[int] = []

    def progress(done: int, _total: int) -> None:
        seen.append(done)
        if done == 2:  # another counter clerk takes the next receipt number in the middle of the batch
            letters.issue_letter(database, staff.clerk, intruder.id, LetterKind.RECEIPT, ReceiptInputs())

    result = letters.render_batch(database, staff.clerk, requests, tmp_path, progress, None, workers=2)
    assert len(result.issued) == 6 and not result.skipped
    assert 0 < result.rendered_ahead < 6  # the ones whose predicted number was taken were rendered again
    numbers = [i.number for i in result.issued]
    assert numbers == [f"SH01-SL-{_year()}-{n:04d}" for n in (1, 2, 4, 5, 6, 7)]
    for info in result.issued:
        pdf = (tmp_path / info.file_name).read_bytes()
        assert hashlib.sha256(pdf).hexdigest() == info.sha256 == hashlib.sha256(
            letters.reprint(database, staff.clerk, info.id)).hexdigest()
        text = flat_text(pdf)
        assert f"编号：{info.number}" in text
        case_number = next(c.case_number for c in cases if c.id == info.complaint_id)
        assert f"投诉编号{case_number}" in text


def test_parallel_workers_only_for_big_batches() -> None:
    assert letter_ahead.parallel_workers(3) == 1
    assert letter_ahead.parallel_workers(1000) >= 1
