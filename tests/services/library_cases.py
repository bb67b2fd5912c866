"""Closed cases to put in the case library: a rich one full of personal data, and small ones by cause, type,
flags and words (shared by the library's service and GUI tests)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from desk_app.db.models import Complaint
from desk_app.db.uow import Database
from desk_app.domain.enums import PsychType, SpecialFlag, Stage, Status
from desk_app.domain.workflow import Action
from desk_app.services import case_workflow as wf
from desk_app.services import checklists, handling, portraits
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail, CustomerDraft
from desk_app.services.portraits import PortraitInput
from tests.support.staff import Staff, draft

NAME = "王芳"
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
PHONE2 = "021-61234567"
EMAIL = "wang.fang@example.com"
ADDRESS = "上海市浦东新区张杨路1500号2号楼301室"
STREET = "张杨路1500号2号楼301室"
CARD = "6222 0212 3456 7890 123"


def set_status(db: Database, case_id: uuid.UUID, status: Status, **values: object) -> None:
    with db.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case_id).values(status=status.value, **values))


def close(db: Database, case_id: uuid.UUID) -> None:
    """The case closed (behind the services' back: the steps to close are tested elsewhere)."""
    now = datetime.now(UTC)
    set_status(db, case_id, Status.CLOSED, stage=None, responded_at=now - timedelta(days=1), closed_at=now)


def rich_case(db: Database, staff: Staff) -> ComplaintDetail:
    """A closed case whose customer's name, ID number, phones, address, e-mail, card number and case number
    are also written inside its free texts, step records, checklist notes, portrait notes, contacts (timeline
    payloads), resolution and callback."""
    customer = CustomerDraft(name=NAME, id_number=ID_NUMBER, phone=PHONE, phone2=PHONE2, email=EMAIL, address=ADDRESS)
    case = register_complaint(db, staff.clerk, draft(
        customer=customer, summary=f"{NAME}信用卡被盗刷",
        facts_what=f"客户{NAME}（身份证{ID_NUMBER}，手机138 1234 5678）称其卡{CARD}被境外盗刷3,200.00元，"
                   f"住{ADDRESS}，邮箱{EMAIL}",
        request_text=f"王女士要求把款项退回卡号{CARD.replace(' ', '')}，回电{PHONE2}",
        flags=frozenset({SpecialFlag.MEDIA})))
    case = wf.assign(db, staff.supervisor, case.id, case.version, staff.handler.user_id)
    case = wf.perform(db, staff.handler, case.id, case.version, Action.START)
    portraits.save_portrait(db, staff.handler, case.id, PortraitInput(
        4, 4, 5, 3, 4, 3, notes={"emotion": f"{NAME}很激动，说要打{PHONE}找记者", "demand": "要求全额退款"},
        primary_type=PsychType.COMPENSATION, secondary_type=PsychType.RESPECT))
    checklists.tick_step(db, staff.handler, case.id, "strategic_empathy", "active_listening",
                         f"听{NAME}讲完经过，她留了邮箱{EMAIL}")
    checklists.tick_step(db, staff.handler, case.id, "strategic_empathy", "true_demand", "真实诉求是追回款项")
    case = handling.record_stage(db, staff.handler, case.id, case.version, Stage.LISTEN, {
        "real_demand": f"{NAME}真实诉求是退还被盗刷的3,200元到{CARD}", "notes": f"住址{STREET}"})
    handling.add_contact(db, staff.handler, case.id, method="phone",
                         summary=f"致电{PHONE}告知{NAME}已发起拒付，案件{case.case_number}",
                         reaction="王女士表示理解，情绪平复")
    proposal = handling.propose_resolution(db, staff.handler, case.id, resolution_type="refund", amount="3200",
                                           description=f"全额退还至{NAME}的卡{CARD}", basis="《银行卡章程》第十二条",
                                           upheld=True)
    handling.decide_resolution(db, staff.supervisor, proposal.id, proposal.version, approve=True)
    handling.record_customer_decision(db, staff.handler, proposal.id, True, f"{NAME}接受")
    set_status(db, case.id, Status.AWAITING_CALLBACK, stage=None, responded_at=datetime.now(UTC))
    handling.record_callback(db, staff.clerk, case.id, method="phone", reached=True, satisfaction=5,
                             note=f"回访{PHONE}，{NAME}满意")
    close(db, case.id)
    return case


def small_case(db: Database, staff: Staff, *, cause: str = "C09", facts: str = "客户反映信用卡被盗刷",
               primary: PsychType | None = None, flags: frozenset[SpecialFlag] = frozenset(),
               closed: bool = True) -> ComplaintDetail:
    """A case of ``cause`` with ``facts``, a portrait of type ``primary`` and ``flags``; closed or in progress."""
    case = register_complaint(db, staff.clerk, draft(axis_c=cause, facts_what=facts, request_text="", flags=flags))
    if primary is not None:
        portraits.save_portrait(db, staff.clerk, case.id, PortraitInput(3, 3, 3, 3, 3, 3, primary_type=primary))
    if closed:
        close(db, case.id)
    return case
