"""A case walked through the six-step method in service tests: the step records, the listening checklist,
and the walk from 听 listen to 行 act."""

from __future__ import annotations

import uuid

from desk_app.db.uow import Database
from desk_app.domain.enums import Stage
from desk_app.services import case_workflow as wf
from desk_app.services import checklists, handling
from desk_app.services.dto import ComplaintDetail
from tests.support.staff import Staff

#: What each step of the six-step method records, enough for the case to move on.
STEP_RECORDS = {
    Stage.LISTEN: {"real_demand": "客户真实诉求是退还被盗刷款项"},
    Stage.INVESTIGATE: {"findings": "交易发生在境外，客户当时在境内", "responsibility": "风控未拦截"},
    Stage.DELIBERATE: {"participants": "主管、处理员、风控", "decision": "全额退还"},
    Stage.ANALYSE: {"analysis": "盗刷事实清楚", "basis": "《银行卡章程》第十二条"},
    Stage.NEGOTIATE: {"plan": "先致歉后说明退款时间"},
}


def tick_listening(database: Database, staff: Staff, complaint_id: uuid.UUID) -> None:
    """The strategic-empathy steps that the bundled checklist requires before leaving 听 listen."""
    for step in ("active_listening", "true_demand"):
        checklists.tick_step(database, staff.handler, complaint_id, "strategic_empathy", step)


def walk_to_act(database: Database, staff: Staff, case: ComplaintDetail) -> ComplaintDetail:
    """From 听 to 行 with every step recorded, a contact logged and an approved remedy."""
    order = [Stage.LISTEN, Stage.INVESTIGATE, Stage.DELIBERATE, Stage.ANALYSE, Stage.NEGOTIATE]
    for current, following in zip(order, [*order[1:], Stage.ACT], strict=True):
        if current is Stage.DELIBERATE and not case.deliberation_required:
            continue
        case = handling.record_stage(database, staff.handler, case.id, case.version, current, STEP_RECORDS[current])
        if current is Stage.LISTEN:
            tick_listening(database, staff, case.id)
        if current is Stage.NEGOTIATE:
            case = handling.add_contact(database, staff.handler, case.id, method="phone",
                                        summary="电话告知处理方案", reaction="客户表示接受")
            proposal = handling.propose_resolution(
                database, staff.handler, case.id, resolution_type="refund", amount="3200", description="全额退还",
                basis="《银行卡章程》第十二条", upheld=True)
            handling.decide_resolution(database, staff.supervisor, proposal.id, proposal.version, approve=True)
        target = following if not (following is Stage.DELIBERATE and not case.deliberation_required) else Stage.ANALYSE
        case = wf.move_stage(database, staff.handler, case.id, case.version, target)
    return handling.record_stage(database, staff.handler, case.id, case.version, Stage.ACT,
                                 {"action_taken": "已退还3,200.00元"})
