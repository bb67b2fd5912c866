"""The case library on both databases: the anonymised copy (no personal value of the source in any column or
JSON payload), the rules for adding and removing, the search filters and the similar-case ranking."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from desk_app.db.models import AuditEntry, LibraryCase
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import PsychType, Role, SpecialFlag, Status
from desk_app.errors import NotFoundError, PermissionDeniedError, ValidationError
from desk_app.services import audit, case_library
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.case_library import LibraryFilter
from desk_app.services.complaints import get_complaint
from tests.services.library_cases import (
    ADDRESS,
    CARD,
    EMAIL,
    ID_NUMBER,
    NAME,
    PHONE,
    PHONE2,
    STREET,
    rich_case,
    small_case,
)
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff

LESSON = f"补偿型客户先共情再给方案：{NAME}的情绪在告知拒付进度后平复（电话{PHONE}）"


def _stored_texts(db: Database, entry_id: object) -> dict[str, str]:
    """Every column of the library row as text, JSON columns as their JSON: read generically from the table,
    so a column added later is checked too."""
    table = LibraryCase.__table__
    with db.unit_of_work() as session:
        row = session.execute(select(table).where(table.c.id == entry_id)).mappings().one()
    texts = {}
    for column in table.columns:
        value: Any = row[column.name]
        texts[column.name] = (json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list)
                              else "" if value is None else str(value))
    return texts


def _found(text: str, value: str) -> bool:
    """``value`` in ``text``, ignoring case; a number also with spaces or dashes between its digits."""
    if value.lower() in text.lower():
        return True
    digits = re.sub(r"[\s\-]", "", value).lower()
    return sum(ch.isdigit() for ch in digits) >= 5 and digits in re.sub(r"[\s\-]", "", text).lower()


def test_the_library_copy_holds_no_personal_value_of_the_source(database: Database, staff: Staff) -> None:
    case = rich_case(database, staff)
    source = get_complaint(database, staff.supervisor, case.id)
    assert source.customer is not None
    entry = case_library.mark_case(database, staff.supervisor, case.id, LESSON)
    personal = [NAME, ID_NUMBER, ID_NUMBER.lower(), PHONE, PHONE2, "61234567", EMAIL, ADDRESS, STREET, CARD,
                case.case_number, str(source.customer.id), source.customer.id.hex]
    texts = _stored_texts(database, entry.row.id)
    assert set(texts) == {c.name for c in LibraryCase.__table__.columns}
    for column, text in texts.items():
        leaked = [value for value in personal if _found(text, value)]
        assert not leaked, f"{column} holds {leaked}: {text}"
    # what makes it a lesson is kept: classification, portrait, checklist path, wording, resolution, outcome
    assert (entry.row.axis_c, entry.row.primary_type, entry.row.secondary_type, entry.row.flags) == (
        "C09", PsychType.COMPENSATION, PsychType.RESPECT, (SpecialFlag.MEDIA,))
    assert entry.ratings == {"emotion": 4, "risk": 4, "responsibility": 5, "rationality": 3, "demand": 4,
                             "personality": 3}
    assert entry.portrait_notes["emotion"] == "〔客户〕很激动，说要打〔电话〕找记者"
    assert [[s.key for s in c.steps] for c in entry.checklists] == [["active_listening", "true_demand"]]
    assert entry.checklists[0].steps[1].wording.zh  # the wording suggested for a compensation-type customer
    assert entry.checklists[0].steps[0].note == "听〔客户〕讲完经过，她留了邮箱〔邮箱〕"
    assert entry.stage_records["listen"]["real_demand"] == "〔客户〕真实诉求是退还被盗刷的3,200元到〔卡号〕"
    assert [(c.method, c.summary, c.reaction) for c in entry.contacts] == [
        ("phone", "致电〔电话〕告知〔客户〕已发起拒付，案件〔编号〕", "〔客户〕表示理解，情绪平复")]
    assert (entry.resolution_type, entry.resolution_amount, entry.resolution_description, entry.upheld,
            entry.customer_accepted) == ("refund", 3200, "全额退还至〔客户〕的卡〔卡号〕", True, True)
    assert (entry.status, entry.satisfaction, entry.on_time) == (Status.CLOSED, 5, True)
    assert entry.facts.startswith("客户〔客户〕（身份证〔证件号〕，手机〔电话〕）称其卡〔卡号〕被境外盗刷3,200.00元")
    assert entry.row.lesson == "补偿型客户先共情再给方案：〔客户〕的情绪在告知拒付进度后平复（电话〔电话〕）"
    assert entry.row.marked_by == "Supervisor"
    with database.unit_of_work() as session:
        logged = session.scalars(select(AuditEntry).where(AuditEntry.action == audit.AuditAction.CASE_LIBRARY)).one()
    assert (logged.complaint_id, logged.detail["event"], logged.detail["entry"]) == (case.id, "added",
                                                                                      str(entry.row.id))


def _count(db: Database) -> int:
    with db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(LibraryCase)) or 0)


def test_only_a_closed_case_with_a_lesson_goes_in_once(database: Database, staff: Staff) -> None:
    open_case = small_case(database, staff, closed=False)
    with pytest.raises(ValidationError, match="Only a closed case") as refused:
        case_library.mark_case(database, staff.supervisor, open_case.id, "先共情")
    assert refused.value.field == "status"
    closed = small_case(database, staff)
    with pytest.raises(ValidationError, match="Write the lesson"):
        case_library.mark_case(database, staff.supervisor, closed.id, "  ")
    with pytest.raises(ValidationError, match="too long"):
        case_library.mark_case(database, staff.supervisor, closed.id, "长" * (case_library.MAX_LESSON + 1))
    with pytest.raises(PermissionDeniedError, match="case library"):
        case_library.mark_case(database, staff.handler, closed.id, "先共情")
    with pytest.raises(PermissionDeniedError, match="another branch"):  # BJ01 cannot read an SH01 case
        case_library.mark_case(database, _bj_supervisor(database, staff), closed.id, "先共情")
    assert _count(database) == 0
    case_library.mark_case(database, staff.manager, closed.id, "先共情")
    with pytest.raises(ValidationError, match="already in the case library"):
        case_library.mark_case(database, staff.supervisor, closed.id, "再次加入")
    assert _count(database) == 1


def _bj_supervisor(db: Database, staff: Staff) -> Actor:
    with db.unit_of_work() as session:
        from desk_app.db.models import Branch

        bj = session.scalars(select(Branch.id).where(Branch.code == "BJ01")).one()
    create_user(db, staff.admin, username="bjsupervisor", display_name="BJ supervisor", password=PASSWORD,
                role=Role.SUPERVISOR, branch_id=bj, must_change_password=False)
    return authenticate(db, "bjsupervisor", PASSWORD)


def test_every_branch_reads_the_library_and_its_own_branch_removes_an_entry(database: Database,
                                                                            staff: Staff) -> None:
    entry = case_library.mark_case(database, staff.supervisor, small_case(database, staff).id, "先共情再给方案")
    bj_clerk = staff.other_branch_clerk
    assert [r.id for r in case_library.search_library(database, bj_clerk, LibraryFilter())] == [entry.row.id]
    assert case_library.get_entry(database, bj_clerk, entry.row.id).row.lesson == "先共情再给方案"
    with pytest.raises(PermissionDeniedError, match="case library"):
        case_library.remove_entry(database, bj_clerk, entry.row.id)
    with pytest.raises(PermissionDeniedError, match="another branch"):
        case_library.remove_entry(database, _bj_supervisor(database, staff), entry.row.id)
    case_library.remove_entry(database, staff.supervisor, entry.row.id)
    assert _count(database) == 0
    with pytest.raises(NotFoundError):
        case_library.get_entry(database, staff.clerk, entry.row.id)
    with database.unit_of_work() as session:
        events = [e.detail["event"] for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == audit.AuditAction.CASE_LIBRARY).order_by(AuditEntry.seq))]
    assert events == ["added", "removed"]


def test_search_filters_by_cause_type_flag_and_text(database: Database, staff: Staff) -> None:
    s = staff.supervisor
    fraud = case_library.mark_case(database, s, small_case(
        database, staff, cause="C09", facts="境外盗刷，客户要求退款", primary=PsychType.COMPENSATION,
        flags=frozenset({SpecialFlag.MEDIA})).id, "先冻结卡片再调单")
    fees = case_library.mark_case(database, s, small_case(
        database, staff, cause="C03", facts="年费扣收未告知", primary=PsychType.FAIRNESS).id, "出示合同条款，公开规则")
    rude = case_library.mark_case(database, s, small_case(
        database, staff, cause="C09", facts="柜员态度生硬", primary=PsychType.RESPECT,
        flags=frozenset({SpecialFlag.MEDIA, SpecialFlag.REGULATOR})).id, "主管出面当面致歉")

    def ids(**criteria: Any) -> list[object]:
        return [r.id for r in case_library.search_library(database, staff.clerk, LibraryFilter(**criteria))]

    newest_first = [rude.row.id, fees.row.id, fraud.row.id]
    assert ids() == newest_first
    assert ids(cause="c09") == [rude.row.id, fraud.row.id]
    assert ids(cause="C0") == newest_first
    assert ids(psych_type=PsychType.FAIRNESS) == [fees.row.id]
    assert ids(flag=SpecialFlag.MEDIA) == [rude.row.id, fraud.row.id]
    assert ids(flag=SpecialFlag.REGULATOR) == [rude.row.id]
    assert ids(text="境外") == [fraud.row.id]
    assert ids(text="合同 规则") == [fees.row.id]  # every word, anywhere in the lesson or the texts
    assert ids(text="合同 致歉") == []
    assert ids(text="100%") == []  # LIKE wildcards are plain characters
    assert ids(cause="C09", flag=SpecialFlag.MEDIA, psych_type=PsychType.RESPECT, text="致歉") == [rude.row.id]
    assert ids(limit=1) == [rude.row.id]
    row = case_library.search_library(database, staff.clerk, LibraryFilter(psych_type=PsychType.FAIRNESS))[0]
    assert (row.cause_name, row.flags, row.lesson) == (
        "Management rules, business rules and procedures", (), "出示合同条款，公开规则")


def test_similar_library_cases_are_ranked_by_cause_type_flags_and_words(database: Database, staff: Staff) -> None:
    s = staff.supervisor
    alike = case_library.mark_case(database, s, small_case(
        database, staff, cause="C09", facts="信用卡境外盗刷，客户要求全额退款并威胁找媒体",
        primary=PsychType.COMPENSATION, flags=frozenset({SpecialFlag.MEDIA})).id, "先冻结再调单")
    same_cause = case_library.mark_case(database, s, small_case(
        database, staff, cause="C09", facts="网点排队时间太长", primary=PsychType.VENTING).id, "耐心倾听")
    same_words = case_library.mark_case(database, s, small_case(
        database, staff, cause="C03", facts="信用卡境外盗刷后被收取年费", primary=PsychType.FAIRNESS).id, "公开规则")
    case_library.mark_case(database, s, small_case(
        database, staff, cause="C03", facts="理财产品收益不及预期", primary=PsychType.FAIRNESS).id, "解释风险等级")
    open_case = small_case(database, staff, cause="C09", facts="客户称信用卡在境外被盗刷两笔，要求全额退款",
                           primary=PsychType.COMPENSATION, flags=frozenset({SpecialFlag.MEDIA}), closed=False)
    similar = case_library.similar_to(database, staff.clerk, open_case.id)
    assert [c.row.id for c in similar] == [alike.row.id, same_cause.row.id, same_words.row.id]
    best = similar[0]
    assert (best.same_cause, best.same_type, best.shared_flags) == (True, True, (SpecialFlag.MEDIA,))
    assert best.shared_words > similar[2].shared_words > 0
    assert (similar[1].same_cause, similar[1].same_type, similar[1].shared_words) == (True, False, 0)
    assert similar[0].score > similar[1].score > similar[2].score > 0
    assert len(case_library.similar_to(database, staff.clerk, open_case.id, limit=10)) == 3  # nothing in common
    with pytest.raises(PermissionDeniedError, match="another branch"):
        case_library.similar_to(database, staff.other_branch_clerk, open_case.id)
