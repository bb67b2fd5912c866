"""The keyed hash chain over a complaint's timeline.

Each event's hash is an HMAC (SHA-256, with the chain key kept outside the database:
``desk_app.security.chain_key``) over the previous hash and a canonical JSON form of the event,
including the seal of the case's rows as the event left them. Editing, deleting or reordering a row
behind the app's back breaks the chain at that row, and re-hashing needs the key. One chain per
complaint keeps chains intact when branch databases are consolidated at headquarters.
"""

from __future__ import annotations

import hashlib
import hmac
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
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_RETURNED = "extension_returned"
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
    ATTACHMENT_ADDED = "attachment_added"
    CASE_LINKED = "case_linked"
    CASE_UNLINKED = "case_unlinked"
    CASE_MERGED = "case_merged"
    """On the main case: a duplicate was merged into it."""
    MERGED_INTO = "merged_into"
    """On the duplicate: it was merged into its main case."""


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
    seal: str | None = None


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


def _body(complaint_id: uuid.UUID, seq: int, kind: str, actor_id: uuid.UUID | None, occurred_at: datetime,
          payload: dict[str, Any], seal: str | None = None) -> str:
    fields: dict[str, Any] = {
        "complaint": str(complaint_id),
        "seq": seq,
        "kind": kind,
        "actor": str(actor_id) if actor_id else None,
        "at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "payload": json_safe(payload),
    }
    if seal is not None:
        fields["seal"] = seal
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(prev_hash: str, complaint_id: uuid.UUID, seq: int, kind: str, actor_id: uuid.UUID | None,
               occurred_at: datetime, payload: dict[str, Any], *, seal: str | None = None,
               key: bytes | None = None) -> str:
    """The HMAC of an event; ``key`` defaults to this installation's chain key."""
    if key is None:
        from desk_app.security import chain_key

        key = chain_key()
    body = _body(complaint_id, seq, kind, actor_id, occurred_at, payload, seal)
    return hmac.new(key, (prev_hash + body).encode("utf-8"), hashlib.sha256).hexdigest()


def legacy_event_hash(prev_hash: str, complaint_id: uuid.UUID, seq: int, kind: str, actor_id: uuid.UUID | None,
                      occurred_at: datetime, payload: dict[str, Any]) -> str:
    """The unkeyed hash of chains written before migration 0011 (read once, when re-keying them)."""
    body = _body(complaint_id, seq, kind, actor_id, occurred_at, payload)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    complaint_id: uuid.UUID
    seq: int
    reason: str


def verify_links(links: Iterable[ChainLink]) -> ChainBreak | None:
    """The first break in a chain's linkage (a gap in the sequence, or an event not pointing at the one
    before), without its keys: headquarters checks a signed branch file's chains this way, as only the
    branch holds the key of their hashes (the signature covers them)."""
    prev = GENESIS_HASH
    for expected_seq, link in enumerate(links, start=1):
        if link.seq != expected_seq:
            return ChainBreak(link.complaint_id, link.seq, f"sequence gap: expected {expected_seq}")
        if link.prev_hash != prev:
            return ChainBreak(link.complaint_id, link.seq, "previous-hash mismatch")
        prev = link.hash
    return None


def verify_chain(links: Iterable[ChainLink], key: bytes | None = None) -> ChainBreak | None:
    """Return the first broken link of one complaint's chain (links ordered by seq), or None."""
    if key is None:
        from desk_app.security import chain_key

        key = chain_key()
    prev = GENESIS_HASH
    expected_seq = 1
    for link in links:
        if link.seq != expected_seq:
            return ChainBreak(link.complaint_id, link.seq, f"sequence gap: expected {expected_seq}")
        if link.prev_hash != prev:
            return ChainBreak(link.complaint_id, link.seq, "previous-hash mismatch")
        actual = event_hash(link.prev_hash, link.complaint_id, link.seq, link.kind, link.actor_id,
                            link.occurred_at, link.payload, seal=link.seal, key=key)
        if actual != link.hash:
            return ChainBreak(link.complaint_id, link.seq, "content does not match its hash")
        prev = link.hash
        expected_seq += 1
    return None
