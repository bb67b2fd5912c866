"""The anonymised copy of a closed case that goes into the case library (inside the caller's transaction).

What is kept: the classification, the last portrait (six ratings, notes, types, the emotion trend), the
checklist path (the steps ticked, in order, with the wording suggested for the customer's type and the
note), the wording used (the six steps' records and the contact log), the resolution, the outcome (days to
close, on time, satisfaction, root cause) and the special flags. Every text in it goes through one
``Scrubber`` built from the case's own personal values (``desk_app.domain.anonymise``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import (
    Callback,
    ChecklistDefinition,
    ChecklistRun,
    ChecklistTick,
    Complaint,
    ComplaintEvent,
    Customer,
    Letter,
    LibraryCase,
    Portrait,
    Resolution,
    RootCause,
    User,
)
from desk_app.db.models.complaints import FLAG_COLUMNS
from desk_app.domain.anonymise import PersonalValues, Scrubber
from desk_app.domain.checklist import Checklist, parse_checklist
from desk_app.domain.enums import PsychType
from desk_app.domain.library import bigrams
from desk_app.domain.portrait import Dimension
from desk_app.domain.timeline import EventKind

#: The search text is cut at this many characters (a library entry is read, not a book).
MAX_SEARCH_TEXT = 20_000


def personal_values(session: Session, complaint: Complaint) -> PersonalValues:
    """Everything that names or numbers the people of ``complaint``."""
    customer = session.get_one(Customer, complaint.customer_id)
    staff_ids = set(session.scalars(select(ComplaintEvent.actor_id).where(
        ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.actor_id.is_not(None))))
    staff_ids |= {i for i in (complaint.owner_id, complaint.created_by_id) if i is not None}
    staff = tuple(session.scalars(select(User.display_name).where(User.id.in_(staff_ids)))) if staff_ids else ()
    letters = tuple(session.scalars(select(Letter.number).where(Letter.complaint_id == complaint.id)))
    parties = complaint.parties
    return PersonalValues(
        customer_names=(customer.name, customer.contact_person, customer.legal_representative),
        person_names=tuple(p.name for p in parties),
        staff_names=staff,
        phones=(customer.phone, customer.phone2, *(p.phone for p in parties)),
        id_numbers=(customer.id_number, *(p.id_number for p in parties)),
        emails=(customer.email,),
        addresses=(customer.address,),
        numbers=(complaint.case_number, *letters, str(customer.id), customer.id.hex))


def _portrait(session: Session, complaint_id: uuid.UUID) -> tuple[dict[str, Any], Portrait | None]:
    versions = list(session.scalars(select(Portrait).where(Portrait.complaint_id == complaint_id)
                                    .order_by(Portrait.version_no)))
    if not versions:
        return {}, None
    last = versions[-1]
    return {"ratings": {d.value: int(getattr(last, d.value)) for d in Dimension},
            "notes": {k: str(v) for k, v in (last.notes or {}).items() if str(v).strip()},
            "emotion_trend": [p.emotion for p in versions]}, last


def _checklist_path(session: Session, complaint_id: uuid.UUID,
                    types: tuple[PsychType | None, PsychType | None]) -> list[dict[str, Any]]:
    runs = list(session.scalars(select(ChecklistRun).where(ChecklistRun.complaint_id == complaint_id)
                                .order_by(ChecklistRun.started_at)))
    path: list[dict[str, Any]] = []
    for run in runs:
        row = session.scalars(select(ChecklistDefinition).where(
            ChecklistDefinition.key == run.checklist_key,
            ChecklistDefinition.version == run.checklist_version)).first()
        checklist: Checklist | None = (parse_checklist(row.source.encode("utf-8"), f"{row.key} v{row.version}")
                                       if row is not None else None)
        steps = {s.key: s for s in checklist.steps} if checklist else {}
        ticks = session.scalars(select(ChecklistTick).where(ChecklistTick.run_id == run.id)
                                .order_by(ChecklistTick.ticked_at, ChecklistTick.step_key))
        used = []
        for tick in ticks:
            step = steps.get(tick.step_key)
            wording = step.wording_for(types)[1] if step is not None else None
            used.append({"key": tick.step_key, "title_zh": step.title.zh if step else tick.step_key,
                         "title_en": step.title.en if step else "",
                         "wording_zh": wording.zh if wording else "", "wording_en": wording.en if wording else "",
                         "note": tick.note})
        path.append({"key": run.checklist_key, "title_zh": checklist.title.zh if checklist else run.checklist_key,
                     "title_en": checklist.title.en if checklist else "", "steps": used})
    return path


def _wording(session: Session, complaint: Complaint) -> dict[str, Any]:
    contacts = [{"method": str(e.payload.get("method", "")), "summary": str(e.payload.get("summary", "")),
                 "reaction": str(e.payload.get("reaction", ""))}
                for e in session.scalars(select(ComplaintEvent).where(
                    ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == EventKind.CONTACT.value)
                    .order_by(ComplaintEvent.seq))]
    stages = {stage: {k: str(v) for k, v in (fields or {}).items() if str(v).strip()}
              for stage, fields in (complaint.stage_records or {}).items()}
    return {"stages": {k: v for k, v in stages.items() if v}, "contacts": contacts}


def _resolution(session: Session, complaint_id: uuid.UUID) -> dict[str, Any]:
    rows = list(session.scalars(select(Resolution).where(Resolution.complaint_id == complaint_id)
                                .order_by(Resolution.created_at)))
    accepted = [r for r in rows if r.customer_accepted] or [r for r in rows if r.approval_state == "approved"] or rows
    if not accepted:
        return {}
    r = accepted[-1]
    return {"type": r.resolution_type, "amount": str(r.amount) if r.amount is not None else None,
            "description": r.description, "basis": r.basis, "upheld": r.upheld,
            "customer_accepted": r.customer_accepted}


def _outcome(session: Session, complaint: Complaint) -> dict[str, Any]:
    satisfaction = session.scalars(select(Callback.satisfaction).where(
        Callback.complaint_id == complaint.id, Callback.satisfaction.is_not(None))
        .order_by(Callback.called_at.desc())).first()
    cause = session.scalars(select(RootCause).where(RootCause.complaint_id == complaint.id)).first()
    closed = complaint.closed_at
    outcome: dict[str, Any] = {
        "status": complaint.status,
        "days_to_close": (closed - complaint.received_at).days if closed is not None else None,
        "on_time": complaint.responded_at.date() <= complaint.due_on if complaint.responded_at else None,
        "satisfaction": satisfaction,
    }
    if cause is not None:
        outcome["root_cause"] = {"level": cause.level, "code": cause.cause_code, "type": cause.cause_type,
                                 "description": cause.description, "data": cause.data_finding,
                                 "rules": cause.rules_finding, "process": cause.process_finding}
    return outcome


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def library_copy(session: Session, complaint: Complaint, lesson: str, marked_by: uuid.UUID) -> LibraryCase:
    """The anonymised library row for ``complaint`` (not added to the session)."""
    scrubber = Scrubber(personal_values(session, complaint))
    portrait, last = _portrait(session, complaint.id)
    types = (PsychType(last.primary_type) if last is not None and last.primary_type else None,
             PsychType(last.secondary_type) if last is not None and last.secondary_type else None)
    wording = scrubber.scrub_tree(_wording(session, complaint))
    resolution = scrubber.scrub_tree(_resolution(session, complaint.id))
    row = LibraryCase(
        source_complaint_id=complaint.id, branch_id=complaint.branch_id, channel=complaint.channel,
        axis_a=complaint.axis_a, axis_b=complaint.axis_b, axis_c=complaint.axis_c, severity=complaint.severity,
        primary_type=types[0].value if types[0] else None, secondary_type=types[1].value if types[1] else None,
        summary=scrubber.scrub(complaint.summary)[:200], facts=scrubber.scrub(complaint.facts_what),
        request_kinds=list(complaint.request_kinds or []), request_text=scrubber.scrub(complaint.request_text),
        claimed_amount=complaint.claimed_amount, portrait=scrubber.scrub_tree(portrait),
        checklist_path=scrubber.scrub_tree(_checklist_path(session, complaint.id, types)), wording=wording,
        resolution=resolution, outcome=scrubber.scrub_tree(_outcome(session, complaint)),
        lesson=scrubber.scrub(lesson), marked_by_id=marked_by)
    for column in FLAG_COLUMNS.values():
        setattr(row, column, bool(getattr(complaint, column)))
    searched = [row.lesson, row.summary, row.facts, row.request_text, *_texts(wording), *_texts(resolution)]
    row.search_text = " ".join(t for t in searched if t).lower()[:MAX_SEARCH_TEXT]
    row.words = " ".join(sorted(bigrams(row.search_text)))
    return row
