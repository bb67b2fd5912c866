"""Reference data in the database: seeding, HQ imports (versioned, retire-never-delete), code checks."""

from __future__ import annotations

import hashlib
import json
import tomllib
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, Customer, ReferenceVersion, Resolution, TaxonomyCode, User
from desk_app.db.uow import Database
from desk_app.domain.reference import default_lists_path, default_taxonomy_path
from desk_app.errors import UnknownCodeError, ValidationError
from desk_app.services.reference import (
    CodeInfo,
    ItemInfo,
    current_versions,
    import_lists,
    import_taxonomy,
    label_for,
    list_items,
    list_taxonomy,
    require_code,
    require_item,
    seed_reference_data,
)


def bundled(path_name: str) -> tuple[int, dict[str, list[dict[str, Any]]]]:
    path = default_taxonomy_path() if path_name == "taxonomy" else default_lists_path()
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    return doc.pop("version"), doc


def to_toml(version: int, tables: dict[str, list[dict[str, Any]]]) -> bytes:
    lines = [f"version = {version}"]
    for key, entries in tables.items():
        for entry in entries:
            lines += ["", f"[[{key}]]"]
            lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in entry.items()]
    return ("\n".join(lines) + "\n").encode()


def taxonomy_v(version: int, drop: tuple[str, ...] = (), rename: dict[str, str] | None = None,
               add: tuple[dict[str, Any], ...] = ()) -> bytes:
    """The bundled taxonomy with some codes dropped, some Chinese names changed, some codes added."""
    _, doc = bundled("taxonomy")
    entries = [dict(e, name_zh=(rename or {}).get(e["code"], e["name_zh"]))
               for e in doc["codes"] if e["code"] not in drop]
    return to_toml(version, {"codes": entries + list(add)})


def lists_v(version: int, drop: tuple[tuple[str, str], ...] = ()) -> bytes:
    _, doc = bundled("lists")
    return to_toml(version, {name: [e for e in entries if (name, e["code"]) not in drop]
                             for name, entries in doc.items()})


def seed(database: Database) -> None:
    with database.unit_of_work() as session:
        seed_reference_data(session)


def codes(database: Database, axis: str, include_retired: bool = False) -> list[str]:
    return [info.code for info in list_taxonomy(database, axis, include_retired)]


def snapshot(database: Database) -> tuple[object, ...]:
    return (list_taxonomy(database, "A", include_retired=True),
            list_taxonomy(database, "C", include_retired=True),
            list_items(database, "severity", include_retired=True),
            current_versions(database))


def add_complaint(session: Session, axis_c: str = "C01", request_kinds: list[str] | None = None) -> Complaint:
    now = datetime.now(UTC)
    branch = Branch(code=f"B{uuid.uuid4().hex[:6]}", name="城东支行", institution_type="bank",
                    regime="banking_insurance")
    session.add(branch)
    session.flush()
    user = User(username=f"u{uuid.uuid4().hex[:8]}", display_name="张三", password_hash="x", role="handler",
                branch_id=branch.id)
    customer = Customer(kind="person", name="李四")
    session.add_all([user, customer])
    session.flush()
    complaint = Complaint(
        case_number=f"{branch.code}-20260105-0001", branch_id=branch.id, customer_id=customer.id,
        channel="counter", axis_a="A0301", axis_b="B0302", axis_c=axis_c, severity="general",
        status="registered", received_at=now, regime="banking_insurance", due_on=date(2026, 1, 20),
        first_contact_due=now, created_by_id=user.id, request_kinds=request_kinds or ["refund"])
    session.add(complaint)
    session.flush()
    return complaint


def test_an_empty_database_has_no_versions(database: Database) -> None:
    assert current_versions(database) == {}
    assert list_taxonomy(database, "A") == []


def test_seeding_loads_the_bundled_files(database: Database) -> None:
    seed(database)

    assert current_versions(database) == {"taxonomy": 1, "lists": 1}
    assert codes(database, "A") == ["A01", "A02", "A03", "A0301", "A0302", "A0303", "A0304", "A0305", "A0399",
                                    "A04", "A05", "A06", "A99"]
    assert codes(database, "D") == ["D01", "D02", "D03", "D04", "D05", "D99"]
    assert list_taxonomy(database, "A")[3] == CodeInfo("A0301", "网银", "Online banking", "A03", 2, True)
    assert [info.code for info in list_taxonomy(database, "B")][-4:] == ["B2203", "B2204", "B2299", "B99"]
    assert list_items(database, "severity")[2] == ItemInfo(
        "severity", "critical", "恶性", "Critical",
        "危及人身安全、造成重大财产损失，或引发群体性事件、舆情危机的投诉；最高优先级，立即上报。", True)
    assert [i.code for i in list_items(database, "request_kind")][:7] == [
        "repair", "redo", "replace", "return", "make_up", "refund", "compensation"]
    assert len(list_items(database, "resolution_type")) == 10
    with database.unit_of_work() as session:
        versions = {v.dataset: v for v in session.scalars(select(ReferenceVersion))}
        assert versions["taxonomy"].sha256 == hashlib.sha256(default_taxonomy_path().read_bytes()).hexdigest()
        assert versions["lists"].loaded_by == "system"
        assert len(json.loads(versions["taxonomy"].summary)["added"]) == 58


def test_seeding_twice_changes_nothing(database: Database) -> None:
    seed(database)
    seed(database)

    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(TaxonomyCode)) == 58
        assert session.scalar(select(func.count()).select_from(ReferenceVersion)) == 2
    assert current_versions(database) == {"taxonomy": 1, "lists": 1}


def test_version_2_adds_renames_and_retires(database: Database) -> None:
    seed(database)
    new_code = {"axis": "A", "code": "A0306", "parent": "A03", "name_zh": "小程序",
                "name_en": "Mini programs", "sort_order": 55}
    v2 = taxonomy_v(2, drop=("C13",), rename={"A0301": "网上银行"}, add=(new_code,))

    report = import_taxonomy(database, v2, "taxonomy-v2.toml", "hq.admin")

    assert (report.dataset, report.version, report.previous_version) == ("taxonomy", 2, 1)
    assert (report.added, report.renamed, report.retired, report.reactivated) == (
        ("A0306",), ("A0301",), ("C13",), ())
    assert report.retired_in_use == {}
    assert codes(database, "A")[3:10] == ["A0301", "A0302", "A0303", "A0304", "A0305", "A0306", "A0399"]
    assert list_taxonomy(database, "A")[3].name_zh == "网上银行"
    assert "C13" not in codes(database, "C")
    assert list_taxonomy(database, "C", include_retired=True)[12] == CodeInfo(
        "C13", "协商还款", "Negotiated repayment", None, 1, False)
    assert current_versions(database) == {"taxonomy": 2, "lists": 1}

    back = import_taxonomy(database, taxonomy_v(3, add=(new_code,)), "taxonomy-v3.toml", "hq.admin")

    assert (back.added, back.renamed, back.retired, back.reactivated) == ((), ("A0301",), (), ("C13",))
    assert codes(database, "C")[-2:] == ["C13", "C99"]
    with database.unit_of_work() as session:
        summary = json.loads(session.scalars(select(ReferenceVersion.summary).where(
            ReferenceVersion.dataset == "taxonomy", ReferenceVersion.version == 2)).one())
    assert summary == {"source": "taxonomy-v2.toml", "added": ["A0306"], "renamed": ["A0301"],
                       "retired": ["C13"], "reactivated": [], "retired_in_use": {}}


def test_codes_used_by_cases_are_retired_not_deleted(database: Database) -> None:
    seed(database)
    with database.unit_of_work() as session:
        used = add_complaint(session, axis_c="C13", request_kinds=["make_up", "refund"])
        add_complaint(session, axis_c="C01", request_kinds=["refund"])
        session.add(Resolution(complaint_id=used.id, resolution_type="partial_compensation",
                               proposed_by_id=used.created_by_id))

    taxonomy_report = import_taxonomy(database, taxonomy_v(2, drop=("C13", "C11")), "t2.toml", "hq.admin")
    lists_v2 = lists_v(2, drop=(("request_kind", "make_up"), ("resolution_type", "partial_compensation"),
                                ("request_kind", "repair")))
    lists_report = import_lists(database, lists_v2, "l2.toml", "hq.admin")

    assert taxonomy_report.retired == ("C11", "C13")
    assert taxonomy_report.retired_in_use == {"C13": 1}
    assert lists_report.retired == ("request_kind:repair", "request_kind:make_up",
                                    "resolution_type:partial_compensation")
    assert lists_report.retired_in_use == {"request_kind:make_up": 1,
                                           "resolution_type:partial_compensation": 1}
    with database.unit_of_work() as session:
        row = session.scalars(select(TaxonomyCode).where(TaxonomyCode.code == "C13")).one()
        assert (row.active, row.name_zh) == (False, "协商还款")
        complaint = session.get(Complaint, used.id)
        assert complaint is not None
        assert (complaint.axis_c, complaint.request_kinds) == ("C13", ["make_up", "refund"])
    assert [i.code for i in list_items(database, "request_kind", include_retired=True) if not i.active] == [
        "repair", "make_up"]


def test_a_bad_file_changes_nothing(database: Database) -> None:
    seed(database)
    before = snapshot(database)
    misplaced = b'\n[[codes]]\naxis = "C"\ncode = "C1301"\nparent = "C12"\nname_zh = "x"\n'
    bad = taxonomy_v(2, drop=("A99",)) + misplaced

    with pytest.raises(ValidationError) as caught:
        import_taxonomy(database, bad, "bad.toml", "hq.admin")
    assert str(caught.value) == ("bad.toml: [[codes]] entry 58 (line 420): "
                                 "level-2 code C1301 does not start with its parent's code C12")
    with pytest.raises(ValidationError, match=r"^bad\.toml: the required list \[\[severity\]\] is missing$"):
        import_lists(database, 'version = 2\n[[request_kind]]\ncode = "refund"\nname_zh = "退款"\n'.encode(),
                     "bad.toml", "hq.admin")

    assert snapshot(database) == before


def test_a_version_that_is_not_newer_is_refused(database: Database) -> None:
    seed(database)
    import_taxonomy(database, taxonomy_v(3), "t3.toml", "hq.admin")

    with pytest.raises(ValidationError) as caught:
        import_taxonomy(database, taxonomy_v(2, drop=("A99",)), "t2.toml", "hq.admin")
    assert str(caught.value) == ("t2.toml: version 2 is not newer than the loaded version 3; "
                                 "raise the version in the file")
    not_newer = r"^lists\.toml: version 1 is not newer than the loaded version 1"
    with pytest.raises(ValidationError, match=not_newer):
        import_lists(database, default_lists_path().read_bytes(), "lists.toml", "hq.admin")

    assert "A99" in codes(database, "A")
    assert current_versions(database) == {"taxonomy": 3, "lists": 1}


def test_require_code_refuses_unknown_and_retired_codes(database: Database) -> None:
    seed(database)
    import_taxonomy(database, taxonomy_v(2, drop=("C13",)), "t2.toml", "hq.admin")
    import_lists(database, lists_v(2, drop=(("request_kind", "make_up"),)), "l2.toml", "hq.admin")

    with database.unit_of_work() as session:
        require_code(session, "A", "A0301")
        require_code(session, "D", "D02")
        require_item(session, "request_kind", "refund")
        with pytest.raises(UnknownCodeError) as unknown:
            require_code(session, "A", "A0398")
        assert str(unknown.value) == "Unknown code A0398 on axis A (channel)"
        assert unknown.value.field == "axis_a"
        with pytest.raises(UnknownCodeError, match=r"^Unknown code A0301 on axis B \(business type\)$"):
            require_code(session, "B", "A0301")
        with pytest.raises(UnknownCodeError) as retired:
            require_code(session, "C", "C13")
        assert str(retired.value) == ("Code C13 (Negotiated repayment) on axis C (cause) has been retired "
                                      "and cannot be used any more")
        with pytest.raises(UnknownCodeError, match=r"^Unknown code refund in the list severity$"):
            require_item(session, "severity", "refund")
        with pytest.raises(UnknownCodeError) as retired_item:
            require_item(session, "request_kind", "make_up")
        assert str(retired_item.value) == ("Code make_up (Make up the quantity) in the list request_kind "
                                           "has been retired and cannot be used any more")
        assert retired_item.value.field == "request_kind"


def test_label_for_picks_the_language() -> None:
    info = CodeInfo("A0301", "网银", "Online banking", "A03", 2, True)
    assert label_for(info, "zh_CN") == "网银"
    assert label_for(info, "en") == "Online banking"
    assert label_for(info) == "Online banking"
    assert label_for(ItemInfo("severity", "critical", "恶性", "", "", True), "en") == "恶性"
    assert info.axis == "A"
