"""The hash chain over a complaint's timeline.

Each event's hash covers the previous hash and a canonical JSON form of the event, so editing,
deleting or reordering a row behind the app's back breaks the chain at that row. One chain per
complaint keeps chains intact when branch databases are consolidated at headquarters.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

GENESIS_HASH = "0" * 64


class EventKind(StrEnum):
    REGISTERED = "registered"
    UPDATED = "updated"
    ASSIGNED = "assigned"
    TRANSFERRED = "transferred"
    STATUS_CHANGED = "status_changed"
    STAGE_CHANGED = "stage_changed"
    STAGE_RECORD = "stage_record"
    PAUSED = "paused"
    RESUMED = "resumed"
    EXTENDED = "extended"
    ESCALATED = "escalated"
    FIRST_CONTACT = "first_contact"
    DEADLINE_RECOMPUTED = "deadline_recomputed"
    NOTE = "note"
    CONTACT = "contact"
    RESOLUTION_PROPOSED = "resolution_proposed"
    RESOLUTION_DECIDED = "resolution_decided"
    CUSTOMER_DECISION = "customer_decision"
    CALLBACK = "callback"
    LETTER_ISSUED = "letter_issued"
    LETTER_CORRECTED = "letter_corrected"
    LETTER_DELIVERED = "letter_delivered"
    PORTRAIT_SAVED = "portrait_saved"
    CHECKLIST_TICKED = "checklist_ticked"
    CHECKLIST_UNTICKED = "checklist_unticked"
    RISK_FLAG_CONFIRMED = "risk_flag_confirmed"
    LEGAL_CITED = "legal_cited"


@dataclass(frozen=True)
class ChainLink:
    complaint_id: uuid.UUID
    seq: int
    kind: str
    actor_id: uuid.UUID | None
    occurred_at: datetime
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def json_safe(value: Any) -> Any:
    """Make a payload value JSON-serialisable in one canonical way (Decimal and dates as text)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def event_hash(prev_hash: str, complaint_id: uuid.UUID, seq: int, kind: str, actor_id: uuid.UUID | None,
               occurred_at: datetime, payload: dict[str, Any]) -> str:
    body = json.dumps(
        {
            "complaint": str(complaint_id),
            "seq": seq,
            "kind": kind,
            "actor": str(actor_id) if actor_id else None,
            "at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "payload": json_safe(payload),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    complaint_id: uuid.UUID
    seq: int
    reason: str


def verify_chain(links: Iterable[ChainLink]) -> ChainBreak | None:
    """Return the first broken link of one complaint's chain (links ordered by seq), or None."""
    prev = GENESIS_HASH
    expected_seq = 1
    for link in links:
        if link.seq != expected_seq:
            return ChainBreak(link.complaint_id, link.seq, f"sequence gap: expected {expected_seq}")
        if link.prev_hash != prev:
            return ChainBreak(link.complaint_id, link.seq, "previous-hash mismatch")
        actual = event_hash(link.prev_hash, link.complaint_id, link.seq, link.kind, link.actor_id,
                            link.occurred_at, link.payload)
        if actual != link.hash:
            return ChainBreak(link.complaint_id, link.seq, "content does not match its hash")
        prev = link.hash
        expected_seq += 1
    return None
