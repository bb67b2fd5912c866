"""Realistic letter inputs for the document tests (a module, not conftest, so tests can import it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from desk_app.documents.content import (
    CaseFacts,
    DecisionInputs,
    ExtensionFact,
    ExtensionInputs,
    IssuerInfo,
    LetterInputs,
    PriorLetter,
    ReceiptInputs,
    RefusalInputs,
    Remedy,
    ReviewDecisionInputs,
)
from desk_app.documents.summary import IntakeWords
from desk_app.domain.enums import LetterKind

ISSUED_AT = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
LETTER_DAY = date(2026, 11, 23)

ISSUER = IssuerInfo(
    code="SH01", name="上海浦东支行", name_en="Shanghai Pudong Sub-branch",
    address="上海市浦东新区世纪大道100号", hotline="95588",
    superior_institution="上海分行消费者权益保护部",
    superior_contact="上海市黄浦区中山东一路1号，邮编200002，电话021-61234567",
)

FACTS = CaseFacts(
    case_number="SH01-20261120-0007", received_on=date(2026, 11, 20), channel="counter",
    regime="banking_insurance", customer_name="王芳", due_on=date(2026, 12, 5), handler_name="李明",
    intake=IntakeWords(typed_summary="信用卡境外盗刷3,200元", business=("信用卡", "Credit cards"),
                       cause=("消费者资金安全", "Consumer fund security"),
                       request_kinds=(("退款", "Refund"),), request_text="要求退还被盗刷款项"),
    request_kinds=(("退款", "Refund"),), request_text="要求退还被盗刷款项", claimed_amount=Decimal("3200"),
    attachments=("信用卡账单复印件", "身份证复印件"),
    extension=ExtensionFact(complexity="complex", new_due_on=date(2026, 12, 20), old_due_on=date(2026, 12, 5),
                            approver="", reason="需调取境外收单机构交易记录", told_on=date(2026, 12, 1)),
    refusal_reason="", review_applied_on=date(2026, 12, 28),
    original_decision=PriorLetter("SH01-JD-2026-0003", date(2026, 12, 18)),
)

DECISION = DecisionInputs(
    verification="我行调取了该笔交易的授权记录、境外收单机构的交易凭证及您的用卡记录，并核对了您提供的身份证明和账单材料。"
                 "交易发生时，您本人在境内使用同一张卡片办理业务，可以确认该笔境外交易并非您本人所为。",
    decision="支持您的投诉请求，退还该笔被盗刷款项。",
    basis="《中华人民共和国民法典》第五百七十七条、《银行卡业务管理办法》及《信用卡领用合约》第十二条。",
    reasons="该笔交易为伪卡交易，您已尽到妥善保管卡片和密码的义务，相关损失不应由您承担。",
    remedy=Remedy("退还被盗刷款项", Decimal("3200"), date(2026, 11, 30)),
    corrective_action="我行已为您更换芯片卡，并加强境外交易风险监测。",
)

INPUTS: dict[LetterKind, LetterInputs] = {
    LetterKind.RECEIPT: ReceiptInputs(),
    LetterKind.EXTENSION: ExtensionInputs(),
    LetterKind.DECISION: DECISION,
    LetterKind.REFUSAL: RefusalInputs(
        grounds="您反映的事项属于与第三方商户之间的商品质量纠纷，不属于我行提供的金融产品或服务。",
        basis="《银行业保险业消费投诉处理管理办法》第二条。"),
    LetterKind.REVIEW_DECISION: ReviewDecisionInputs(
        findings="经核查，原处理过程符合规定，处理时效符合要求，但补偿金额未包含您为此支出的挂失费用。",
        decision="变更原处理决定，在原补偿基础上增加补偿挂失费用。",
        basis="《银行业保险业消费投诉处理管理办法》第三十三条。",
        reasons="挂失费用系因盗刷事件产生的合理支出。",
        remedy=Remedy("补偿挂失费用", Decimal("50"), date(2027, 1, 10))),
}
