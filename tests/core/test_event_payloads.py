"""Declared timeline events: every kind has a payload type, writers can only store declared payloads,
old rows decode, and every kind reads as a sentence in Chinese and English."""

from __future__ import annotations

import ast
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desk_app.domain.events import (
    PAYLOAD_TYPES,
    EventText,
    UnknownEvent,
    build_payload,
    decode_payload,
    describe_event,
    event_text,
    stored_payload,
)
from desk_app.domain.events import payloads as ev
from desk_app.domain.timeline import EventKind
from desk_app.i18n import request_language

CORE = Path(__file__).resolve().parents[2] / "desk_app"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_event_kind_has_exactly_one_payload_type() -> None:
    assert set(PAYLOAD_TYPES) == {k.value for k in EventKind}
    assert all(cls.KIND.value == kind for kind, cls in PAYLOAD_TYPES.items())


def _calls(name: str) -> Iterator[tuple[Path, ast.Call]]:
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called == name:
                    yield path, node


def test_the_core_writes_events_only_as_declared_payloads() -> None:
    """Each ``append_event`` call in the core passes a payload object, never a kind string and a dict, and each
    payload type the core builds is declared (a new kind written without its type fails here)."""
    calls = list(_calls("append_event"))
    assert len(calls) > 30
    for path, call in calls:
        event = call.args[2]
        where = f"{path.relative_to(CORE)}:{call.lineno}"
        assert not isinstance(event, ast.Constant | ast.Attribute | ast.Dict | ast.JoinedStr), where
        assert len(call.args) <= 4 and not any(k.arg == "payload" for k in call.keywords), where
    built = {node.func.attr for path in CORE.rglob("*.py")
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and isinstance(node.func.value, ast.Name) and node.func.value.id == "ev"}
    declared = {cls.__name__ for cls in PAYLOAD_TYPES.values()} | {"EventPayload"}
    assert built and built <= declared, built - declared


def test_a_misspelt_key_or_an_undeclared_kind_cannot_be_stored() -> None:
    with pytest.raises(TypeError):
        ev.Note(txet="typo")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="undeclared keys for a note event: txet"):
        build_payload("note", {"txet": "typo"})
    with pytest.raises(ValueError, match="undeclared timeline event kind"):
        build_payload("mystery", {})
    assert build_payload("status_changed", {"from": "assigned", "to": "in_progress"}) == ev.StatusChanged(
        from_="assigned", to="in_progress")


def test_stored_payloads_keep_the_keys_and_value_forms_readers_know() -> None:
    at = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    owner = uuid.uuid4()
    assert stored_payload(ev.StatusChanged(action="start", from_="assigned", to="in_progress")) == {
        "action": "start", "from": "assigned", "to": "in_progress", "reason": ""}
    assert stored_payload(ev.ResolutionProposed(type_="refund", amount=Decimal("3200.00"), needs_approval=True)) == {
        "type": "refund", "amount": "3200.00", "needs_approval": True, "level": None}
    assert stored_payload(ev.FirstContact(at=at, on_time=True))["at"] == "2026-12-01T02:30:00.000000+00:00"
    assert stored_payload(ev.Paused(from_=date(2026, 12, 1)))["from"] == "2026-12-01"
    assert stored_payload(ev.Assigned(to_owner=owner, owner_name="李"))["to_owner"] == str(owner)


def test_a_stored_payload_decodes_to_the_payload_written() -> None:
    written = ev.Extended(from_="simple", to="complex", old_due_on=date(2026, 12, 9), new_due_on=date(2026, 12, 30),
                          approver_id=uuid.uuid4(), approver="Manager", reason="需调取监控录像")
    assert decode_payload("extended", stored_payload(written)) == written


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    # the demo generator and early releases wrote no action, status or note
    ("status_changed", {"from": "registered", "to": "assigned"}, ev.StatusChanged(from_="registered", to="assigned")),
    ("assigned", {"to_owner": "8c1b7f4e-38a5-4e49-9d5a-0c8e2d7f6a11", "owner_name": "李处理"},
     ev.Assigned(to_owner=uuid.UUID("8c1b7f4e-38a5-4e49-9d5a-0c8e2d7f6a11"), owner_name="李处理")),
    # approvals were once recorded with head office's reference and no level
    ("resolution_decided", {"approved": True, "amount": "500.00", "head_office_reference": "HO-7"},
     ev.ResolutionDecided(approved=True, amount=Decimal("500.00"), head_office_reference="HO-7")),
    # keys nobody declares any more are ignored
    ("note", {"text": "客户来电", "colour": "red"}, ev.Note(text="客户来电")),
    # a value of the wrong shape falls back to the default; the other keys stay
    ("paused", {"from": 42, "reason": "送司法鉴定"}, ev.Paused(reason="送司法鉴定")),
    ("callback", {"reached": True, "satisfaction": "5"}, ev.CallbackMade(reached=True, satisfaction=5)),
    ("resolution_proposed", {"type": None, "amount": 120.5}, ev.ResolutionProposed(amount=Decimal("120.5"))),
    ("legal_cited", None, ev.LegalCited()),
    ("letter_issued", ["not", "a", "dict"], ev.LetterIssued()),
])
def test_old_shaped_payloads_decode(kind: str, raw: object, expected: ev.EventPayload) -> None:
    assert decode_payload(kind, raw) == expected  # type: ignore[arg-type]


def test_an_undeclared_kind_reads_as_its_code_and_keys() -> None:
    assert decode_payload("from_a_newer_release", {"x": 1}) == UnknownEvent(kind="from_a_newer_release",
                                                                            raw={"x": 1})
    assert describe_event("from_a_newer_release", {"x": 1}) == "from_a_newer_release — x: 1"


#: A payload for each kind with its usual values filled in.
SAMPLES: dict[EventKind, ev.EventPayload] = {
    EventKind.REGISTERED: ev.Registered(case_number="BJ01-20261201-0001", channel="counter", severity="general",
                                        regime="banking_insurance", due_on=date(2026, 12, 16)),
    EventKind.UPDATED: ev.Updated(changes={"severity": ["general", "major"]}),
    EventKind.ASSIGNED: ev.Assigned(owner_name="李处理", note="请尽快联系"),
    EventKind.TRANSFERRED: ev.Transferred(to_branch_code="SH01", reason="属地管辖"),
    EventKind.STATUS_CHANGED: ev.StatusChanged(action="start", from_="assigned", to="in_progress"),
    EventKind.STAGE_CHANGED: ev.StageChanged(from_="listen", to="check"),
    EventKind.STAGE_RECORD: ev.StageRecord(stage="listen", fields={"summary": "客户诉求"}),
    EventKind.PAUSED: ev.Paused(from_=date(2026, 12, 1), reason="送司法鉴定"),
    EventKind.RESUMED: ev.Resumed(to=date(2026, 12, 5)),
    EventKind.EXTENDED: ev.Extended(from_="simple", to="complex", old_due_on=date(2026, 12, 9),
                                    new_due_on=date(2026, 12, 30), approver="Manager"),
    EventKind.EXTENSION_REQUESTED: ev.ExtensionRequested(to="special", new_due_on=date(2027, 1, 30),
                                                         needs_approval=True, reason="需外部鉴定"),
    EventKind.EXTENSION_APPROVED: ev.ExtensionApproved(approver="Manager"),
    EventKind.EXTENSION_RETURNED: ev.ExtensionReturned(approver="Manager", reason="可在30日内办结"),
    EventKind.ESCALATED: ev.Escalated(flags=["media"], reason="媒体曝光风险"),
    EventKind.FIRST_CONTACT: ev.FirstContact(at=datetime(2026, 12, 1, 2, 30, tzinfo=UTC), on_time=True),
    EventKind.DEADLINE_RECOMPUTED: ev.DeadlineRecomputed(old_due_on=date(2026, 12, 9),
                                                         new_due_on=date(2026, 12, 14), reason="Clock resumed"),
    EventKind.NOTE: ev.Note(text="客户来电询问进度"),
    EventKind.CONTACT: ev.Contact(at=datetime(2026, 12, 1, 2, 30, tzinfo=UTC), method="phone", summary="解释流程"),
    EventKind.RESOLUTION_PROPOSED: ev.ResolutionProposed(type_="refund", amount=Decimal("3200"), needs_approval=True),
    EventKind.RESOLUTION_DECIDED: ev.ResolutionDecided(approved=False, amount=Decimal("3200"), reason="金额过高"),
    EventKind.CUSTOMER_DECISION: ev.CustomerDecision(accepted=True),
    EventKind.CALLBACK: ev.CallbackMade(reached=True, satisfaction=4),
    EventKind.LETTER_ISSUED: ev.LetterIssued(kind="reply", number="BJ01-DF-2026-0001"),
    EventKind.LETTER_CORRECTED: ev.LetterCorrected(kind="reply", number="BJ01-DF-2026-0002",
                                                   supersedes_number="BJ01-DF-2026-0001", reason="金额笔误"),
    EventKind.LETTER_DELIVERED: ev.LetterDelivered(number="BJ01-DF-2026-0001", method="post",
                                                   on=date(2026, 12, 3)),
    EventKind.PORTRAIT_SAVED: ev.PortraitSaved(version_no=2, ratings={"emotion": 3, "risk": 5},
                                               escalation_suggested=True),
    EventKind.CHECKLIST_TICKED: ev.ChecklistTicked(checklist="empathy", step="greet"),
    EventKind.CHECKLIST_UNTICKED: ev.ChecklistUnticked(checklist="empathy", step="greet"),
    EventKind.RISK_FLAG_CONFIRMED: ev.RiskFlagConfirmed(flag="media", evidence="客户称将联系记者"),
    EventKind.LEGAL_CITED: ev.LegalCited(citation="《银行业保险业消费投诉处理管理办法》第十四条"),
    EventKind.ATTACHMENT_ADDED: ev.AttachmentsAdded(attachments=[{"id": "1", "sha256": "ab", "size": 3}]),
    EventKind.CASE_LINKED: ev.CaseLinked(other_number="BJ01-20261201-0002", link_kind="same_customer", note="电话"),
    EventKind.CASE_UNLINKED: ev.CaseUnlinked(other_number="BJ01-20261201-0002", link_kind="group_member",
                                             reason="误关联"),
    EventKind.CASE_MERGED: ev.CaseMerged(duplicate_number="BJ01-20261201-0003", old_due_on=date(2026, 12, 16),
                                         new_due_on=date(2026, 12, 9), reason="同一事项"),
    EventKind.MERGED_INTO: ev.MergedInto(main_number="BJ01-20261201-0001", from_="registered", reason="同一事项"),
}


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_reads_as_a_sentence_in_chinese_and_english(kind: EventKind) -> None:
    assert kind in SAMPLES, f"add a sample payload of {kind}"
    for payload in (SAMPLES[kind], PAYLOAD_TYPES[kind]()):  # a full payload, and one with every default
        stored = stored_payload(payload)
        texts = {}
        for language in ("zh_CN", "en"):
            with request_language(language):
                texts[language] = text = event_text(kind, stored)
                assert describe_event(kind, stored) == text.one_line()
        zh, en = texts["zh_CN"].title, texts["en"].title
        assert CJK.search(zh) and re.search("[A-Za-z]{3}", en) and zh != en, (zh, en)


def test_one_line_joins_the_title_and_its_details() -> None:
    with request_language("en"):
        assert describe_event("extension_returned", {"approver": "Manager", "reason": "可在30日内办结"}) == (
            "Extension request returned by Manager — Reason: 可在30日内办结")
        assert EventText("Note", ()).one_line() == "Note"
        assert describe_event("first_contact", {"at": "2026-12-01T02:30:00+00:00", "on_time": True},
                              tz=ZoneInfo("Asia/Shanghai")) == (
            "First contact with the customer (on time) — At: 2026-12-01 10:30")
