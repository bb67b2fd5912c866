"""Checklists on real cases: seeding, what applies, ticks (who, when, note), pinned versions, HQ imports,
the gates the workflow will call, and the printed conversation aid."""

from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import delete, func, select

from desk_app.db.models import ChecklistDefinition, ChecklistRun, Complaint
from desk_app.db.uow import Database
from desk_app.domain.checklist import bundled_checklists_dir
from desk_app.domain.enums import PsychType, SpecialFlag, Stage
from desk_app.domain.portrait import PortraitInput
from desk_app.domain.workflow import Action
from desk_app.errors import (
    BugError,
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from desk_app.services import case_workflow as wf
from desk_app.services import checklists as cl
from desk_app.services import handling
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import ComplaintDetail
from desk_app.services.portraits import save_portrait
from tests.support.staff import Staff, draft

EMPATHY = (bundled_checklists_dir() / "strategic_empathy.toml").read_text(encoding="utf-8")


@pytest.fixture
def seeded(database: Database, staff: Staff) -> Staff:
    """Set-up (the staff fixture) seeds the bundled checklists; seeding again adds nothing."""
    with database.unit_of_work() as session:
        assert cl.seed_checklists(session) == []
        assert session.scalar(select(func.count()).select_from(ChecklistDefinition)) == 11
    return staff


def started(database: Database, staff: Staff, **overrides: object) -> ComplaintDetail:
    case = register_complaint(database, staff.clerk, draft(**overrides))
    case = wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)
    return wf.perform(database, staff.handler, case.id, case.version, Action.START)


def portrait(primary: PsychType | None = None, demand: int = 3) -> PortraitInput:
    return PortraitInput(emotion=3, risk=2, responsibility=3, rationality=3, demand=demand, personality=2,
                         primary_type=primary)


def keys(views: list[cl.ChecklistView]) -> list[str]:
    return [v.key for v in views]


def gate(database: Database, case_id: object, name: str) -> None:
    with database.unit_of_work() as session:
        cl.check_gate(session, session.get_one(Complaint, case_id), name)


def test_seeding_loads_each_bundled_checklist_once(database: Database, seeded: Staff) -> None:
    with database.unit_of_work() as session:
        assert cl.seed_checklists(session) == []
        assert session.scalar(select(func.count()).select_from(ChecklistDefinition)) == 11
    infos = cl.list_definitions(database)
    assert [i.key for i in infos][:3] == ["strategic_empathy", "six_swords", "lscpa"]
    assert all(i.version == 1 and i.loaded_by == "system" for i in infos)


def test_what_applies_follows_stage_type_rating_and_flags(database: Database, seeded: Staff) -> None:
    registered = register_complaint(database, seeded.clerk, draft())
    assert keys(cl.applicable_checklists(database, seeded.clerk, registered.id)) == ["lscpa"]
    case = started(database, seeded)
    assert keys(cl.applicable_checklists(database, seeded.handler, case.id)) == [
        "strategic_empathy", "six_swords", "lscpa"]
    flagged = started(database, seeded, flags=frozenset({SpecialFlag.MEDIA, SpecialFlag.LITIGATION}))
    assert keys(cl.applicable_checklists(database, seeded.handler, flagged.id))[-2:] == [
        "playbook_media", "playbook_litigation"]
    # at 谈 negotiate with a demand rated 5 the extreme-value method appears
    with database.unit_of_work() as session:
        session.get_one(Complaint, case.id).stage = Stage.NEGOTIATE.value
    save_portrait(database, seeded.clerk, case.id, portrait(PsychType.COMPENSATION, demand=5))
    assert keys(cl.applicable_checklists(database, seeded.handler, case.id)) == [
        "strategic_empathy", "six_swords", "lscpa", "hamburger", "extreme_value", "soft_refusal"]


def test_ticks_record_who_when_and_note_and_the_wording_follows_the_type(database: Database, seeded: Staff) -> None:
    case = started(database, seeded)
    view = cl.get_checklist(database, seeded.handler, case.id, "strategic_empathy")
    assert not view.started and view.steps[0].wording_for == "default"
    save_portrait(database, seeded.clerk, case.id, portrait(PsychType.VENTING))
    view = cl.tick_step(database, seeded.handler, case.id, "strategic_empathy", "active_listening",
                        " 客户说了二十分钟 ")
    step = view.steps[0]
    assert view.started and view.done == 1 and not view.complete
    assert (step.ticked, step.ticked_by, step.note) == (True, "Handler", "客户说了二十分钟")
    assert step.wording_for == "venting"
    assert step.ticked_at is not None and step.wording is not None and "把心里的话" in step.wording.zh
    with pytest.raises(ValidationError, match="already ticked by Handler at"):
        cl.tick_step(database, seeded.clerk, case.id, "strategic_empathy", "active_listening")
    with pytest.raises(NotFoundError, match="has no step listening"):
        cl.tick_step(database, seeded.clerk, case.id, "strategic_empathy", "listening")
    with pytest.raises(NotFoundError, match="There is no checklist"):
        cl.tick_step(database, seeded.clerk, case.id, "empathy", "active_listening")
    with pytest.raises(ValidationError, match="does not apply to this case at its current step"):
        cl.tick_step(database, seeded.clerk, case.id, "hamburger", "positive_open")
    with pytest.raises(PermissionDeniedError):
        cl.tick_step(database, seeded.admin, case.id, "strategic_empathy", "true_demand")
    view = cl.untick_step(database, seeded.supervisor, case.id, "strategic_empathy", "active_listening")
    assert view.done == 0 and view.started
    with pytest.raises(NotFoundError, match="is not ticked"):
        cl.untick_step(database, seeded.supervisor, case.id, "strategic_empathy", "active_listening")
    events = [e for e in get_complaint(database, seeded.clerk, case.id).events if e.kind.startswith("checklist")]
    assert [(e.kind, e.actor_name, e.payload["step"]) for e in events] == [
        ("checklist_ticked", "Handler", "active_listening"), ("checklist_unticked", "Supervisor", "active_listening")]
    assert events[0].payload["note"] == "客户说了二十分钟" and events[0].payload["version"] == 1


def test_check_gate_refuses_with_the_steps_named_then_passes_after_the_ticks(database: Database,
                                                                             seeded: Staff) -> None:
    case = started(database, seeded)
    with pytest.raises(IllegalTransitionError) as info:
        gate(database, case.id, "leave:listen")
    message = str(info.value)
    assert "before moving on from the step 'Listen'" in message
    assert "Five steps of strategic empathy: Active listening, Judge the true demand" in message
    cl.tick_step(database, seeded.handler, case.id, "strategic_empathy", "active_listening")
    with pytest.raises(IllegalTransitionError, match=r"empathy: Judge the true demand\.$"):
        gate(database, case.id, "leave:listen")
    cl.tick_step(database, seeded.handler, case.id, "strategic_empathy", "true_demand")
    gate(database, case.id, "leave:listen")
    gate(database, case.id, "action:respond")        # nothing required before the response here
    gate(database, case.id, "leave:investigate")
    with pytest.raises(BugError, match="bad gate"):
        gate(database, case.id, "leave:listening")


def test_playbook_gates_bind_only_flagged_cases_and_whatever_the_step(database: Database, seeded: Staff) -> None:
    plain = started(database, seeded)
    gate(database, plain.id, "action:close")
    case = started(database, seeded, flags=frozenset({SpecialFlag.REGULATOR}))
    with database.unit_of_work() as session:
        session.get_one(Complaint, case.id).stage = Stage.ACT.value
    with pytest.raises(IllegalTransitionError, match=r"before 'Close the case'.*Report the outcome to the regulator"):
        gate(database, case.id, "action:close")
    cl.tick_step(database, seeded.handler, case.id, "playbook_regulator", "report_back", "已书面反馈金融监管局")
    gate(database, case.id, "action:close")


def test_check_gate_works_inside_the_callers_transaction(database: Database, seeded: Staff) -> None:
    case = started(database, seeded, flags=frozenset({SpecialFlag.LITIGATION}))
    with database.unit_of_work() as session:
        complaint = session.get_one(Complaint, case.id)
        complaint.summary = "changed in the caller's transaction"
        with pytest.raises(IllegalTransitionError, match="Legal has reviewed the response"):
            cl.check_gate(session, complaint, "action:respond")
        session.rollback()
    assert get_complaint(database, seeded.clerk, case.id).summary != "changed in the caller's transaction"


def test_without_definitions_there_are_no_gates(database: Database, staff: Staff) -> None:
    with database.unit_of_work() as session:  # a database whose checklists HQ removed entirely
        session.execute(delete(ChecklistDefinition))
    case = started(database, staff)
    gate(database, case.id, "leave:listen")
    assert cl.applicable_checklists(database, staff.handler, case.id) == []


def newer_empathy(version: int = 2) -> bytes:
    text = EMPATHY.replace("version = 1", f"version = {version}").replace('title_zh = "积极倾听"',
                                                                         'title_zh = "积极倾听（新版）"')
    return text.replace('required_before = ["leave:listen"]\n\n[steps.wording.default]\nzh = "我理解下来',
                        '\n[steps.wording.default]\nzh = "我理解下来').encode()


def test_cases_keep_the_version_they_started_with(database: Database, seeded: Staff) -> None:
    old_case = started(database, seeded)
    cl.tick_step(database, seeded.handler, old_case.id, "strategic_empathy", "helper_role")
    report = cl.import_checklist(database, seeded.admin, newer_empathy(), "strategic_empathy.toml")
    assert (report.key, report.version, report.previous_version) == ("strategic_empathy", 2, 1)
    assert report.gates == ("leave:listen",)
    old_view = cl.get_checklist(database, seeded.handler, old_case.id, "strategic_empathy")
    assert (old_view.version, old_view.latest_version) == (1, 2)
    assert old_view.steps[0].title.zh == "积极倾听"
    with pytest.raises(IllegalTransitionError, match="Active listening, Judge the true demand"):
        gate(database, old_case.id, "leave:listen")       # version 1 still requires both steps
    new_case = started(database, seeded)
    new_view = cl.get_checklist(database, seeded.handler, new_case.id, "strategic_empathy")
    assert new_view.version == 2 and new_view.steps[0].title.zh == "积极倾听（新版）"
    with pytest.raises(IllegalTransitionError) as info:
        gate(database, new_case.id, "leave:listen")
    assert "Judge the true demand" not in str(info.value)
    cl.tick_step(database, seeded.handler, new_case.id, "strategic_empathy", "active_listening")
    with database.unit_of_work() as session:
        pins = {c: v for c, v in session.execute(select(ChecklistRun.complaint_id, ChecklistRun.checklist_version))}
    assert pins == {old_case.id: 1, new_case.id: 2}


def test_imports_are_validated_versioned_and_for_hq_only(database: Database, seeded: Staff) -> None:
    with pytest.raises(PermissionDeniedError):
        cl.import_checklist(database, seeded.supervisor, newer_empathy(), "strategic_empathy.toml")
    with pytest.raises(ValidationError, match="version 1 of checklist strategic_empathy is not newer than the "
                                              "loaded version 1"):
        cl.import_checklist(database, seeded.admin, EMPATHY.encode(), "strategic_empathy.toml")
    broken = EMPATHY.replace('required_before = ["leave:listen"]', 'required_before = ["leave:lissen"]', 1)
    with pytest.raises(ValidationError, match=r"x.toml: \[\[steps\]\] entry 1 \(line \d+\) active_listening: "
                                              "required_before: unknown step lissen"):
        cl.import_checklist(database, seeded.admin, broken.replace("version = 1", "version = 3").encode(), "x.toml")
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ChecklistDefinition)) == 11
    preview = cl.check_checklist_import(database, seeded.admin, newer_empathy(), "s.toml")
    assert preview.version == 2 and preview.steps == 5
    new_key = EMPATHY.replace('key = "strategic_empathy"', 'key = "callback_script"').encode()
    assert cl.import_checklist(database, seeded.admin, new_key, "callback.toml").previous_version is None
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ChecklistDefinition)) == 12


def test_finished_cases_keep_their_checklists(database: Database, seeded: Staff) -> None:
    case = register_complaint(database, seeded.clerk, draft())
    cl.tick_step(database, seeded.clerk, case.id, "lscpa", "listen")
    case = wf.perform(database, seeded.clerk, case.id, case.version, Action.WITHDRAW, "客户撤回")
    with pytest.raises(IllegalTransitionError, match="can no longer be changed"):
        cl.tick_step(database, seeded.clerk, case.id, "lscpa", "share")
    with pytest.raises(IllegalTransitionError, match="can no longer be changed"):
        cl.untick_step(database, seeded.clerk, case.id, "lscpa", "listen")


def test_the_conversation_aid_is_one_embedded_font_page(database: Database, seeded: Staff) -> None:
    case = started(database, seeded)
    save_portrait(database, seeded.clerk, case.id, portrait(PsychType.REVENGE))
    handling.add_contact(database, seeded.handler, case.id, method="phone", summary="约定面谈")
    pdf = cl.conversation_aid(database, seeded.handler, case.id, "strategic_empathy")
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE) and "A4" in info
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows)        # every font embedded
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                                             check=True).stdout.decode())
    assert "谈话辅助卡" in text and "报复型" in text and "只要我难过，别人必须付出代价" in text
    assert case.case_number in text and "这件事让您非常生气，我完全能理解。" in text
