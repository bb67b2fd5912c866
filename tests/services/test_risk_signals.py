"""Flag suggestions from the case's texts and the portrait, the clerk's confirmation, and word-list imports."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import delete, func, select

from desk_app.db.models import WordListVersion
from desk_app.db.uow import Database
from desk_app.domain.enums import SpecialFlag
from desk_app.domain.portrait import PortraitInput
from desk_app.domain.risk import default_word_list_path
from desk_app.domain.workflow import Action
from desk_app.errors import PermissionDeniedError, StaleVersionError, ValidationError
from desk_app.services import case_workflow as wf
from desk_app.services import handling
from desk_app.services import risk_signals as rs
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.portraits import save_portrait
from tests.support.staff import Staff, draft

WORDS = default_word_list_path().read_text(encoding="utf-8")


def flags(suggestions: list[rs.Suggestion]) -> list[SpecialFlag | None]:
    return [s.flag for s in suggestions]


def test_suggestions_come_from_facts_request_and_contact_notes(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft(
        facts_what="客户称理财经理承诺保本，现亏损三万元。客户表示已经请了律师",
        request_text="要求全额赔偿，否则就去找媒体曝光"))
    assert flags(rs.suggest_flags(database, staff.clerk, case.id)) == [SpecialFlag.MEDIA, SpecialFlag.LITIGATION]
    case = wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)
    wf.perform(database, staff.handler, case.id, case.version, Action.START)
    handling.add_contact(database, staff.handler, case.id, method="phone", summary="电话沟通调查进展",
                         reaction="客户情绪激动，说已经打了12378，还说不解决就不想活了")
    handling.add_contact(database, staff.handler, case.id, method="phone",
                         summary="已告知客户可以申请调解、仲裁或者向人民法院提起诉讼")
    found = {s.flag: s for s in rs.suggest_flags(database, staff.handler, case.id)}
    assert list(found) == [SpecialFlag.IRRATIONAL, SpecialFlag.MEDIA, SpecialFlag.REGULATOR, SpecialFlag.LITIGATION]
    [hotline] = found[SpecialFlag.REGULATOR].evidence
    assert hotline.phrase == "12378" and hotline.source == "contact" and hotline.source_label.startswith("Contact of")
    assert hotline.sentence == "客户情绪激动，说已经打了12378，还说不解决就不想活了"      # the phrase in its sentence
    assert hotline.sentence[slice(*hotline.phrase_at)] == "12378"
    [safety] = found[SpecialFlag.IRRATIONAL].evidence
    assert (safety.kind, safety.phrase) == ("self_harm", "不想活")
    [lawyer] = found[SpecialFlag.LITIGATION].evidence     # our own remedies sentence is not evidence
    assert lawyer.source == "facts" and lawyer.phrase == "律师" and lawyer.sentence == "客户表示已经请了律师"
    assert found[SpecialFlag.MEDIA].evidence_text() == (
        "Request (Media / public opinion): 要求全额赔偿，否则就去找【媒体】曝光")


def test_flags_already_set_are_left_out(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft(
        flags=frozenset({SpecialFlag.LITIGATION}), facts_what="客户说要起诉我行", request_text="退款，否则找记者"))
    [media] = rs.suggest_flags(database, staff.clerk, case.id)
    assert media.flag is SpecialFlag.MEDIA


def test_only_the_customers_own_threats_are_suggested(database: Database, staff: Staff) -> None:
    """A rule cited, the other side's threat and a denied threat suggest nothing; the regulator's old name does."""
    case = register_complaint(database, staff.clerk, draft(
        facts_what="你们收年费跟银保监会规定不符。催收员在电话里威胁说要起诉我，还说要把我挂到网上曝光。",
        request_text="退还年费。我没打算曝光，也不会去法院，只要退钱"))
    assert rs.suggest_flags(database, staff.clerk, case.id) == []
    case = register_complaint(database, staff.clerk, draft(
        facts_what="你们收年费跟银保监会规定不符。我前年就向银监局反映过，你们不改我还会去。"))
    [regulator] = rs.suggest_flags(database, staff.clerk, case.id)
    [evidence] = regulator.evidence
    assert (regulator.flag, evidence.phrase, evidence.kind) == (SpecialFlag.REGULATOR, "银监局", "regulator")
    assert evidence.marked_sentence() == "我前年就向【银监局】反映过，你们不改我还会去。"


def test_police_and_other_authorities_suggest_the_regulator_flag(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft(request_text="再骚扰我的家人，我就报警"))
    [flag] = rs.suggest_flags(database, staff.clerk, case.id)
    assert flag.flag is SpecialFlag.REGULATOR and flag.evidence[0].kind == "authority"
    assert flag.evidence[0].kind_label == "Police or other authorities"


def test_a_high_risk_rating_suggests_escalation(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    assert rs.suggest_flags(database, staff.clerk, case.id) == []
    save_portrait(database, staff.clerk, case.id, PortraitInput(4, 4, 3, 2, 5, 4))
    [escalate] = rs.suggest_flags(database, staff.clerk, case.id)
    assert escalate.flag is None and escalate.label == "Escalate to a supervisor"
    assert "risk rated 4/5" in escalate.evidence_text()
    case = get_complaint(database, staff.clerk, case.id)
    case = rs.confirm_flag(database, staff.clerk, case.id, case.version, None, escalate.evidence_text())
    assert case.escalated and case.flags == frozenset()
    assert rs.suggest_flags(database, staff.clerk, case.id) == []


def test_confirming_a_flag_sets_it_escalates_and_records_the_evidence(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft(request_text="不退钱我就在微博上曝光你们"))
    [media] = rs.suggest_flags(database, staff.clerk, case.id)
    with pytest.raises(ValidationError, match="what the flag is based on"):
        rs.confirm_flag(database, staff.clerk, case.id, case.version, SpecialFlag.MEDIA, "  ")
    with pytest.raises(PermissionDeniedError):
        rs.confirm_flag(database, staff.other_branch_clerk, case.id, case.version, SpecialFlag.MEDIA, "x")
    updated = rs.confirm_flag(database, staff.clerk, case.id, case.version, SpecialFlag.MEDIA, media.evidence_text())
    assert updated.flags == {SpecialFlag.MEDIA} and updated.escalated and updated.version == case.version + 1
    assert updated.deliberation_required
    kinds = [e.kind for e in updated.events]
    assert kinds[-2:] == ["risk_flag_confirmed", "escalated"]
    assert updated.events[-2].payload == {"flag": "media", "evidence": media.evidence_text()}
    assert updated.events[-1].payload["flags"] == ["media"]
    with pytest.raises(StaleVersionError):
        rs.confirm_flag(database, staff.clerk, case.id, case.version, SpecialFlag.GROUP, "x")
    with pytest.raises(ValidationError, match="already flagged"):
        rs.confirm_flag(database, staff.clerk, case.id, updated.version, SpecialFlag.MEDIA, "x")
    assert rs.suggest_flags(database, staff.clerk, case.id) == []


def test_word_lists_are_seeded_and_imported_by_hq_only(database: Database, staff: Staff) -> None:
    with database.unit_of_work() as session:
        assert rs.current_word_list(session).version == 2      # seeded at set-up
        assert rs.seed_word_lists(session) == []
    assert rs.word_list_versions(database)["risk_signals"] == 2
    case = register_complaint(database, staff.clerk, draft(request_text="我要去银行业协会反映"))
    assert rs.suggest_flags(database, staff.clerk, case.id) == []
    newer = WORDS.replace("version = 2", "version = 3").replace('"工商局",', '"工商局", "银行业协会",')
    with pytest.raises(PermissionDeniedError):
        rs.import_word_list(database, staff.supervisor, newer.encode(), "risk_signals.toml")
    with pytest.raises(ValidationError, match="version 2 is not newer than the loaded version 2"):
        rs.import_word_list(database, staff.admin, WORDS.encode(), "risk_signals.toml")
    with pytest.raises(ValidationError, match=r"risk_signals.toml: \[kinds.group\] \(line \d+\): the phrase 媒体 is "
                                              "already listed under the kind media"):
        rs.import_word_list(database, staff.admin, newer.replace('"组团",', '"组团", "媒体",').encode(),
                            "risk_signals.toml")
    with pytest.raises(ValidationError, match="unknown word list sales_words"):
        rs.import_word_list(database, staff.admin, newer.replace('name = "risk_signals"', 'name = "sales_words"')
                            .encode(), "s.toml")
    with database.unit_of_work() as session:
        versions = select(func.count()).select_from(WordListVersion).where(WordListVersion.name == "risk_signals")
        assert session.scalar(versions) == 1
    preview = rs.check_word_list_import(database, staff.admin, newer.encode(), "risk_signals.toml")
    assert (preview.version, preview.previous_version) == (3, 2)
    report = rs.import_word_list(database, staff.admin, newer.encode(), "risk_signals.toml")
    assert report.version == 3 and "media" in report.kinds and report.phrases > 100
    [regulator] = rs.suggest_flags(database, staff.clerk, case.id)
    assert regulator.flag is SpecialFlag.REGULATOR


def test_an_upgrade_loads_the_newer_bundled_word_list_but_keeps_hqs_newer_one(database: Database) -> None:
    with database.unit_of_work() as session:
        session.execute(delete(WordListVersion))
        old = WORDS.replace("version = 2", "version = 1").encode()
        session.add(WordListVersion(name="risk_signals", version=1, source=old.decode(),
                                    sha256=hashlib.sha256(old).hexdigest(), loaded_by="system"))
        session.flush()
        assert rs.seed_word_lists(session) == ["risk_signals"]      # the program's newer list replaces it
        assert rs.current_word_list(session).version == 2
        hq = WORDS.replace("version = 2", "version = 7").encode()
        session.add(WordListVersion(name="risk_signals", version=7, source=hq.decode(),
                                    sha256=hashlib.sha256(hq).hexdigest(), loaded_by="hq"))
        session.flush()
        assert rs.seed_word_lists(session) == []
        assert rs.current_word_list(session).version == 7
