"""The legal reference on a real database: seeding, search, versioned HQ imports, citing in a case."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from desk_app.db.models import WordListVersion
from desk_app.db.uow import Database
from desk_app.domain.enums import LetterKind, Stage
from desk_app.domain.legal import default_legal_reference_path
from desk_app.domain.workflow import Action
from desk_app.errors import (
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    ValidationError,
)
from desk_app.services import case_workflow as wf
from desk_app.services import handling, legal
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import ComplaintDetail
from desk_app.services.letters import suggested_inputs
from desk_app.services.timeline import check_chain
from tests.support.staff import Staff, draft

BUNDLED = default_legal_reference_path().read_text(encoding="utf-8")


def _in_progress(database: Database, staff: Staff) -> ComplaintDetail:
    case = register_complaint(database, staff.clerk, draft())
    case = wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)
    return wf.perform(database, staff.handler, case.id, case.version, Action.START)


def _versions(database: Database) -> list[int]:
    with database.unit_of_work() as session:
        return list(session.scalars(select(WordListVersion.version).where(
            WordListVersion.name == "legal_reference").order_by(WordListVersion.version)))


def _forget_loaded_versions(database: Database) -> None:
    """A database set up before the legal reference was seeded at set-up."""
    with database.unit_of_work() as session:
        session.execute(delete(WordListVersion).where(WordListVersion.name == "legal_reference"))


def test_seeding_loads_the_bundled_file_once(database: Database) -> None:
    assert legal.reference_version(database) is None
    assert legal.load_reference(database).version == 1          # the bundled file until one is loaded
    with database.unit_of_work() as session:
        assert legal.seed_legal_reference(session) is True
        assert legal.seed_legal_reference(session) is False
    assert _versions(database) == [1]
    with database.unit_of_work() as session:
        row = session.scalars(select(WordListVersion).where(WordListVersion.name == "legal_reference")).one()
        assert row.source == BUNDLED and row.loaded_by == "system" and len(row.sha256) == 64


@pytest.mark.parametrize(("query", "first"), [
    ("回避", "cbirc_complaints/17"), ("核查", "cbirc_complaints/20"), ("三年", "samr_complaints/15"),
    ("第三十九条", "cpl/39")])
def test_search(database: Database, query: str, first: str) -> None:
    found = legal.search(database, query)
    assert found[0].key == first


def test_search_by_law_and_lookup(database: Database) -> None:
    assert [a.key for a in legal.search(database, "格式条款", law="civil_code")] == [
        "civil_code/496", "civil_code/497", "civil_code/498"]
    with pytest.raises(NotFoundError, match="no law traffic"):
        legal.search(database, "x", law="traffic")
    assert legal.get_article(database, "pipl/6").title_zh == "目的明确与最小必要"
    with pytest.raises(NotFoundError, match="no article pipl/999"):
        legal.get_article(database, "pipl/999")


def test_imports_need_hq_a_newer_version_and_a_good_file(database: Database, staff: Staff) -> None:
    with database.unit_of_work() as session:
        legal.seed_legal_reference(session)
    newer = BUNDLED.replace("version = 1", "version = 2", 1).replace(
        'title_zh = "撤回投诉"', 'title_zh = "投诉的撤回"').replace(
        'id = "591"', 'id = "590"').replace('article = "第五百九十一条"', 'article = "第五百九十条"')
    with pytest.raises(PermissionDeniedError):
        legal.import_legal_reference(database, staff.supervisor, newer.encode(), "legal_reference.toml")
    with pytest.raises(ValidationError, match="version 1 is not newer than the loaded version 1"):
        legal.import_legal_reference(database, staff.admin, BUNDLED.encode(), "legal_reference.toml")
    broken = newer.replace('title_zh = "投诉的撤回"', 'title_zh = ""')
    with pytest.raises(ValidationError, match=r"legal_reference.toml: article cbirc_complaints/15 \(line \d+\): "
                                              "title_zh is missing or empty"):
        legal.import_legal_reference(database, staff.admin, broken.encode(), "legal_reference.toml")
    assert _versions(database) == [1]                               # a bad file changes nothing
    assert legal.search(database, "投诉的撤回") == []

    preview = legal.check_legal_import(database, staff.admin, newer.encode(), "legal_reference.toml")
    assert (preview.version, preview.previous_version) == (2, 1)
    assert preview.added == ("civil_code/590",) and preview.removed == ("civil_code/591",)
    assert preview.changed == ("cbirc_complaints/15",) and preview.unverified > 0
    assert _versions(database) == [1]                               # a check loads nothing

    report = legal.import_legal_reference(database, staff.admin, newer.encode(), "legal_reference.toml")
    assert report == preview
    assert _versions(database) == [1, 2] and legal.reference_version(database) == 2
    assert legal.search(database, "投诉的撤回")[0].key == "cbirc_complaints/15"
    with database.unit_of_work() as session:
        assert session.scalar(select(WordListVersion.loaded_by).where(
            WordListVersion.name == legal.LEGAL_REFERENCE, WordListVersion.version == 2)) == "admin"
        assert legal.seed_legal_reference(session) is False


def test_an_import_without_seeding_first_compares_with_the_bundled_file(database: Database, staff: Staff) -> None:
    _forget_loaded_versions(database)
    newer = BUNDLED.replace("version = 1", "version = 5", 1)
    report = legal.import_legal_reference(database, staff.admin, newer.encode(), "hq.toml")
    assert report.previous_version is None and report.added == report.removed == report.changed == ()
    assert _versions(database) == [5]


def test_citing_adds_the_basis_and_a_timeline_event(database: Database, staff: Staff) -> None:
    case = _in_progress(database, staff)
    case = handling.record_stage(database, staff.handler, case.id, case.version, Stage.ANALYSE,
                                 {"analysis": "盗刷事实清楚", "basis": "《银行卡章程》第十二条"})
    citation = legal.cite(database, staff.handler, case.id, "cpl/11", note="  客户资金损失应予赔偿 ")
    assert citation.citation == "《中华人民共和国消费者权益保护法》第十一条" and citation.by == "Handler"
    assert citation.note == "客户资金损失应予赔偿" and citation.verified
    assert citation.reference_version == legal.reference_version(database)   # None: the bundled file

    file = handling.case_file(database, staff.handler, case.id)
    basis = file.stage_records[Stage.ANALYSE]["basis"]
    assert basis == ("《银行卡章程》第十二条\n"
                     "《中华人民共和国消费者权益保护法》第十一条（依法求偿权）：客户资金损失应予赔偿")
    assert file.stage_records[Stage.ANALYSE]["analysis"] == "盗刷事实清楚"
    kinds = [e.kind for e in file.detail.events]
    assert kinds[-2:] == ["stage_record", "legal_cited"]
    event = file.detail.events[-1]
    assert event.payload["article_key"] == "cpl/11" and event.payload["verified"] is True
    assert event.payload["text"].startswith("消费者因购买、使用商品或者接受服务受到人身、财产损害的")
    with database.unit_of_work() as session:
        assert check_chain(session, case.id) is None

    # The decision letter quotes the basis of the analyse step when no resolution gives one.
    inputs = suggested_inputs(database, staff.handler, case.id, LetterKind.DECISION)
    assert "《中华人民共和国消费者权益保护法》第十一条（依法求偿权）" in getattr(inputs, "basis", "")


def test_citations_are_listed_and_duplicates_refused(database: Database, staff: Staff) -> None:
    case = _in_progress(database, staff)
    first = legal.cite(database, staff.handler, case.id, "cbirc_complaints/18")
    assert not first.verified                                      # recorded as unverified
    second = legal.cite(database, staff.supervisor, case.id, "civil_code/496", "格式条款未提示")
    with pytest.raises(ValidationError, match="already in the basis"):
        legal.cite(database, staff.handler, case.id, "cbirc_complaints/18")
    listed = legal.citations(database, staff.handler, case.id)
    assert [(c.article_key, c.by, c.note) for c in listed] == [
        ("cbirc_complaints/18", "Handler", ""), ("civil_code/496", "Supervisor", "格式条款未提示")]
    assert [c.seq for c in listed] == [first.seq, second.seq]
    basis = handling.case_file(database, staff.handler, case.id).stage_records[Stage.ANALYSE]["basis"]
    assert basis.splitlines() == [
        "《银行业保险业消费投诉处理管理办法》第十八条（处理时限：15日、30日、再延长30日）",
        "《中华人民共和国民法典》第四百九十六条（格式条款的定义及提示、说明义务）：格式条款未提示"]


def test_what_citing_refuses_changes_nothing(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    with pytest.raises(PermissionDeniedError):
        legal.cite(database, staff.clerk, case.id, "cpl/39")             # counter clerks do not decide
    with pytest.raises(PermissionDeniedError):
        legal.cite(database, staff.admin, case.id, "cpl/39")
    case = wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)
    with pytest.raises(IllegalTransitionError):
        legal.cite(database, staff.handler, case.id, "cpl/39")           # not in progress yet
    case = wf.perform(database, staff.handler, case.id, case.version, Action.START)
    with pytest.raises(NotFoundError, match="no article cpl/999"):
        legal.cite(database, staff.handler, case.id, "cpl/999")
    with pytest.raises(ValidationError, match="longer than 500"):
        legal.cite(database, staff.handler, case.id, "cpl/39", "长" * 501)
    with pytest.raises(PermissionDeniedError):                           # another branch's clerk
        legal.cite(database, staff.other_branch_clerk, case.id, "cpl/39")
    after = get_complaint(database, staff.handler, case.id)
    assert after.version == case.version and "legal_cited" not in [e.kind for e in after.events]
    assert legal.citations(database, staff.handler, case.id) == []


def test_a_stale_case_is_reported(database: Database, staff: Staff, monkeypatch: pytest.MonkeyPatch) -> None:
    case = _in_progress(database, staff)
    real = handling.record_stage

    def someone_else_saved_first(*args: object, **kwargs: object) -> object:
        handling.add_contact(database, staff.supervisor, case.id, method="phone", summary="主管致电客户")
        current = get_complaint(database, staff.handler, case.id)
        real(database, staff.supervisor, case.id, current.version, Stage.ANALYSE, {"analysis": "主管先写"})
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(legal, "record_stage", someone_else_saved_first)
    with pytest.raises(StaleVersionError):
        legal.cite(database, staff.handler, case.id, "cpl/39")
    assert legal.citations(database, staff.handler, case.id) == []


def test_the_reference_lives_in_word_list_versions(database: Database) -> None:
    """No table of its own: one word_list_versions row per loaded version, next to the other word lists."""
    with database.unit_of_work() as session:
        legal.seed_legal_reference(session)
        rows = session.execute(select(WordListVersion.name, func.count()).group_by(WordListVersion.name)).all()
    assert dict(rows)["legal_reference"] == 1
    assert not [t for t in WordListVersion.metadata.tables if "legal" in t]
