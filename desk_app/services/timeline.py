"""Appending to and reading a complaint's hash-chained timeline (inside the caller's transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Complaint, ComplaintEvent, User
from desk_app.db.types import utcnow
from desk_app.domain.events import EventPayload, build_payload, stored_payload
from desk_app.domain.timeline import GENESIS_HASH, ChainBreak, ChainLink, event_hash, verify_chain
from desk_app.security import chain_key
from desk_app.services.seals import current_seal


@dataclass(frozen=True)
class EventInfo:
    seq: int
    kind: str
    occurred_at: datetime
    actor_name: str
    payload: dict[str, Any]


def append_event(session: Session, complaint_id: uuid.UUID, event: EventPayload | str, actor_id: uuid.UUID | None,
                 payload: Mapping[str, Any] | None = None, occurred_at: datetime | None = None) -> ComplaintEvent:
    """Add the next link of the complaint's chain. The caller's transaction keeps seq unique (the
    complaint row is locked by its version update, and (complaint_id, seq) is a unique key).

    ``event`` is the typed payload (``desk_app.domain.events``), which names its kind; a kind and a
    ``payload`` dict are still taken, checked against the declared payload of that kind (an undeclared
    kind or key is a ValueError), so nothing undeclared is stored."""
    typed = event if isinstance(event, EventPayload) else build_payload(event, payload or {})
    if isinstance(event, EventPayload) and payload is not None:
        raise ValueError("a typed event carries its own payload")
    kind = typed.KIND.value
    # Serialise writers of this chain: row lock on PostgreSQL; SQLite already holds the write lock.
    session.execute(select(Complaint.id).where(Complaint.id == complaint_id).with_for_update())
    last = session.execute(
        select(ComplaintEvent.seq, ComplaintEvent.hash)
        .where(ComplaintEvent.complaint_id == complaint_id)
        .order_by(ComplaintEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    at = occurred_at or utcnow()
    safe_payload = stored_payload(typed)
    key = chain_key()
    seal, _anonymised = current_seal(session, key, complaint_id)  # the case's rows as this event leaves them
    row = ComplaintEvent(
        complaint_id=complaint_id, seq=seq, kind=kind, actor_id=actor_id, occurred_at=at,
        payload=safe_payload, prev_hash=prev, seal=seal,
        hash=event_hash(prev, complaint_id, seq, kind, actor_id, at, safe_payload, seal=seal, key=key),
    )
    session.add(row)
    session.flush()
    return row


def list_events(session: Session, complaint_id: uuid.UUID) -> list[EventInfo]:
    rows = session.execute(
        select(ComplaintEvent, User.display_name)
        .outerjoin(User, User.id == ComplaintEvent.actor_id)
        .where(ComplaintEvent.complaint_id == complaint_id)
        .order_by(ComplaintEvent.seq)
    ).all()
    return [EventInfo(e.seq, e.kind, e.occurred_at, name or "", dict(e.payload)) for e, name in rows]


def check_chain(session: Session, complaint_id: uuid.UUID, key: bytes | None = None) -> ChainBreak | None:
    events = session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id).order_by(ComplaintEvent.seq)
    ).all()
    return verify_chain((
        ChainLink(e.complaint_id, e.seq, e.kind, e.actor_id, e.occurred_at, dict(e.payload), e.prev_hash, e.hash,
                  e.seal)
        for e in events
    ), key)


def check_all_chains(session: Session, key: bytes | None = None) -> list[ChainBreak]:
    """Every complaint's chain; returns the first break of each broken chain."""
    key = key or chain_key()
    breaks: list[ChainBreak] = []
    current: uuid.UUID | None = None
    links: list[ChainLink] = []

    def flush() -> None:
        if links:
            found = verify_chain(links, key)
            if found:
                breaks.append(found)

    query = select(ComplaintEvent).order_by(ComplaintEvent.complaint_id, ComplaintEvent.seq)
    for e in session.scalars(query.execution_options(yield_per=2000)):
        if e.complaint_id != current:
            flush()
            links = []
            current = e.complaint_id
        links.append(ChainLink(e.complaint_id, e.seq, e.kind, e.actor_id, e.occurred_at, dict(e.payload),
                               e.prev_hash, e.hash, e.seal))
    flush()
    return breaks


def rehash_chain(session: Session, complaint_id: uuid.UUID, key: bytes | None = None) -> int:
    """Re-hash a case's chain with this installation's key, keeping every event's content and seal; returns
    how many events. For chains whose integrity was established another way: a branch file's Ed25519
    signature at consolidation (the branch's chain key never leaves the branch). Needs UPDATE on the chains."""
    key = key or chain_key()
    prev = GENESIS_HASH
    events = session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id)
                             .order_by(ComplaintEvent.seq)).all()
    for event in events:
        event.prev_hash = prev
        event.hash = event_hash(prev, complaint_id, event.seq, event.kind, event.actor_id, event.occurred_at,
                                dict(event.payload), seal=event.seal, key=key)
        prev = event.hash
    session.flush()
    return len(events)
