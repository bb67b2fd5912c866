"""Letters say what the customer said: internal notes, and the clerk's remarks in the intake facts, never
reach a letter's PDF, whatever the kind; the summary a letter states is stored with it."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from desk_app.db.models import Branch, Complaint
from desk_app.db.uow import Database
from desk_app.documents.content import (
    DecisionInputs,
    LetterInputs,
    ReceiptInputs,
    RefusalInputs,
    Remedy,
    ReviewDecisionInputs,
)
from desk_app.domain.enums import Complexity, LetterKind, Stage, Status
from desk_app.domain.portrait import PortraitInput
from desk_app.domain.workflow import Action
from desk_app.services import case_workflow as wf
from desk_app.services import extensions, handling, letters, portraits
from desk_app.services.complaints import get_complaint, register_complaint
from tests.documents.pdf_tools import flat_text, needs_poppler
from tests.support.staff import Staff, draft

pytestmark = needs_poppler

RECEIVED = datetime.now(UTC) - timedelta(hours=2)  # within its time limit: the case can still be extended
#: What staff wrote for each other, never for the customer. Each must stay out of every letter.
REMARK = "客户情绪激动扬言不解决就找媒体曝光"
FACTS = f"客户反映信用卡出现一笔未授权境外消费3,200.00元。柜员备注：{REMARK}，需重点关注。"
NOTE = "内部备注该客户曾多次来访态度强硬"
LISTEN_EMOTION = "听的记录客户愤怒声称要去银保监会"
LISTEN_NOTES = "听的备注家属陪同情绪不稳"
CONTACT_REACTION = "联系记录客户挂断电话并辱骂经办人"
PORTRAIT_NOTE = "画像备注偏执型难以沟通"
INTERNAL = (REMARK, "柜员备注", "需重点关注", NOTE, LISTEN_EMOTION, LISTEN_NOTES, CONTACT_REACTION, PORTRAIT_NOTE)


def _state(database: Database, case_id: uuid.UUID, status: Status, stage: Stage | None = None) -> None:
    with database.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case_id).values(
            status=status.value, stage=stage.value if stage else None))


def _case_with_notes(database: Database, staff: Staff) -> uuid.UUID:
    with database.unit_of_work() as session:
        session.execute(update(Branch).where(Branch.code == "SH01").values(
            hotline="95588", superior_institution="上海分行消费者权益保护部", superior_contact="021-61234567"))
    case = register_complaint(database, staff.clerk, draft(received_at=RECEIVED, facts_what=FACTS))
    wf.add_note(database, staff.handler, case.id, NOTE)
    portraits.save_portrait(database, staff.handler, case.id, PortraitInput(
        emotion=5, risk=4, responsibility=3, rationality=2, demand=3, personality=4,
        notes={"emotion": PORTRAIT_NOTE}), based_on=0)
    _state(database, case.id, Status.IN_PROGRESS, Stage.LISTEN)
    version = get_complaint(database, staff.handler, case.id).version
    handling.record_stage(database, staff.handler, case.id, version, Stage.LISTEN, {
        "real_demand": "退还款项", "emotion": LISTEN_EMOTION, "notes": LISTEN_NOTES})
    handling.add_contact(database, staff.handler, case.id, method="phone", summary="电话沟通处理进度",
                         reaction=CONTACT_REACTION)
    return case.id


def _as_the_dialog_would(database: Database, staff: Staff, case_id: uuid.UUID, kind: LetterKind) -> LetterInputs:
    """The dialog's prefill, with the handler's own words where the letter needs more."""
    inputs = letters.suggested_inputs(database, staff.supervisor, case_id, kind)
    if isinstance(inputs, DecisionInputs):
        return replace(inputs, verification="调取了交易授权记录。", decision="支持您的请求。", basis="合约第十二条。",
                       reasons="该交易为伪卡交易。",
                       remedy=Remedy("退还款项", Decimal("3200"), date.today() + timedelta(days=7)))
    if isinstance(inputs, RefusalInputs):
        return replace(inputs, grounds="不属于我行金融服务。", basis="管理办法第二条。")
    if isinstance(inputs, ReviewDecisionInputs):
        return replace(inputs, findings="处理合规。", decision="维持原决定。", basis="第三十三条。",
                       reasons="事实清楚。")
    return inputs


def _assert_clean(pdf: bytes, kind: LetterKind) -> str:
    text = flat_text(pdf)
    for internal in INTERNAL:
        assert internal not in text, f"{internal} in the {kind.value} letter"
    assert "客户反映" not in text and "客户" not in text.replace("客户服务", ""), f"third person in {kind.value}"
    return text


def test_no_internal_note_reaches_any_letter(database: Database, staff: Staff) -> None:
    case_id = _case_with_notes(database, staff)
    issued: dict[LetterKind, bytes] = {}

    def issue(kind: LetterKind) -> None:
        inputs = _as_the_dialog_would(database, staff, case_id, kind)
        if kind is not LetterKind.EXTENSION:  # an approved extension counts only once its notice is issued,
            # and its preview is not built yet (named in the closing note); the issued notice is checked below
            preview = letters.preview_letter(database, staff.supervisor, case_id, kind, inputs)
            _assert_clean(preview, kind)
        letter = letters.issue_letter(database, staff.supervisor, case_id, kind, inputs)
        issued[kind] = letters.reprint(database, staff.supervisor, letter.id)

    issue(LetterKind.RECEIPT)
    case = get_complaint(database, staff.handler, case_id)
    case = wf.extend(database, staff.handler, case_id, case.version, Complexity.SPECIAL, "需调取境外收单机构交易记录")
    extensions.decide_extension(database, staff.manager, case_id, case.version, approve=True)  # the manager's own
    issue(LetterKind.EXTENSION)
    _state(database, case_id, Status.IN_PROGRESS, Stage.ACT)
    issue(LetterKind.DECISION)
    _state(database, case_id, Status.RESPONDED)
    wf.perform(database, staff.handler, case_id, get_complaint(database, staff.handler, case_id).version,
               Action.APPLY_REVIEW, "客户书面申请核查")
    issue(LetterKind.REVIEW_DECISION)
    _state(database, case_id, Status.REFUSED)
    issue(LetterKind.REFUSAL)
    assert set(issued) == set(LetterKind)
    for kind, pdf in issued.items():
        _assert_clean(pdf, kind)
    receipt = flat_text(issued[LetterKind.RECEIPT])
    assert "投诉事项关于信用卡（消费者资金安全）的投诉。您要求退还被盗刷款项。" in receipt
    decision = flat_text(issued[LetterKind.DECISION])
    assert "一、投诉事项您就信用卡（消费者资金安全）向我行提出投诉。您的请求：退款（要求退还被盗刷款项）" in decision


def test_the_summary_is_stored_with_the_letter_and_a_typed_one_is_used(database: Database, staff: Staff) -> None:
    case_id = _case_with_notes(database, staff)
    _state(database, case_id, Status.IN_PROGRESS, Stage.LISTEN)
    summary = "您反映信用卡账单中有一笔您未授权的境外消费。"
    letter = letters.issue_letter(database, staff.handler, case_id, LetterKind.RECEIPT, ReceiptInputs(summary=summary))
    assert letter.complaint_summary == summary
    [listed] = letters.list_letters(database, staff.handler, case_id)
    assert listed.complaint_summary == summary
    assert f"投诉事项{summary}" in flat_text(letters.reprint(database, staff.handler, letter.id))


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_suggestion_follows_the_letter_language(database: Database, staff: Staff, language: str) -> None:
    case_id = _case_with_notes(database, staff)
    inputs = letters.suggested_inputs(database, staff.handler, case_id, LetterKind.RECEIPT, language)
    assert isinstance(inputs, ReceiptInputs)
    expected = {"zh_CN": "关于信用卡（消费者资金安全）的投诉。您要求退还被盗刷款项。",
                "en": "Complaint about credit cards (security of consumers' funds). "
                      "Your request: 要求退还被盗刷款项."}
    assert inputs.summary == expected[language]


def test_a_batch_receipt_states_the_drafted_summary_and_no_note(database: Database, staff: Staff,
                                                                  tmp_path: Path) -> None:
    """Receipts printed in a batch have no form to confirm in: they state the summary drafted from the
    request and classification, never the facts or a note."""
    case_id = _case_with_notes(database, staff)
    result = letters.render_batch(database, staff.clerk, [letters.LetterRequest(case_id, LetterKind.RECEIPT)],
                                  tmp_path)
    [issued] = result.issued
    text = _assert_clean(result.files[0].read_bytes(), LetterKind.RECEIPT)
    assert "投诉事项关于信用卡（消费者资金安全）的投诉。您要求退还被盗刷款项。" in text
    assert issued.complaint_summary == "关于信用卡（消费者资金安全）的投诉。您要求退还被盗刷款项。"
