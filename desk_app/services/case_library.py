"""The case library (案例库): closed model cases, anonymised, with the lesson drawn from each.

A supervisor, branch manager or HQ analyst (``Permission.CURATE_LIBRARY``) adds a closed case of a branch
they may see with a short lesson; the copy (``desk_app.services.library_copy``) holds no name, number or
address. Every branch reads the whole library (``Permission.VIEW_CASE``): it is anonymised. An entry is
removed by a curator of its branch or headquarters. Adding and removing are audited
(``AuditAction.CASE_LIBRARY``).

Search: by cause (a C code or its prefix), psychological type (primary or secondary), special flag and
text. The text search is a plain ``LIKE`` over a lower-cased search column, each word required: the library
holds hundreds of model cases, not the million cases the case search's indexes are built for.
``similar_to`` ranks library cases against an open case (``desk_app.domain.library``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desk_app.db.models import LibraryCase, TaxonomyCode, User
from desk_app.db.models.complaints import FLAG_COLUMNS
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel, PsychType, Severity, SpecialFlag, Status
from desk_app.domain.library import Traits, bigrams, similarity
from desk_app.domain.permissions import Permission
from desk_app.domain.portrait import Bilingual
from desk_app.errors import NotFoundError, ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require, require_branch
from desk_app.services.complaints import complaint_flags, load_for
from desk_app.services.library_copy import library_copy
from desk_app.services.portraits import latest_portrait
from desk_app.services.reference import label_for

MAX_LESSON = 2000
MAX_RESULTS = 200
SIMILAR = 3


@dataclass(frozen=True)
class LibraryFilter:
    """``cause``: a C axis code or its prefix; ``text``: words that must all appear."""

    cause: str = ""
    psych_type: PsychType | None = None
    flag: SpecialFlag | None = None
    text: str = ""
    limit: int = MAX_RESULTS


@dataclass(frozen=True)
class LibraryRow:
    id: uuid.UUID
    axis_b: str
    axis_c: str
    cause_name: str
    primary_type: PsychType | None
    secondary_type: PsychType | None
    flags: tuple[SpecialFlag, ...]
    summary: str
    lesson: str
    marked_at: datetime
    marked_by: str


@dataclass(frozen=True)
class StepUsed:
    key: str
    title: Bilingual
    wording: Bilingual
    note: str


@dataclass(frozen=True)
class ChecklistUsed:
    key: str
    title: Bilingual
    steps: tuple[StepUsed, ...]


@dataclass(frozen=True)
class ContactUsed:
    method: str
    summary: str
    reaction: str


@dataclass(frozen=True)
class LibraryEntry:
    """One library case as its read-only view shows it."""

    row: LibraryRow
    channel: Channel
    axis_a: str
    business_name: str
    severity: Severity
    facts: str
    request_kinds: tuple[str, ...]
    request_text: str
    claimed_amount: Decimal | None
    ratings: dict[str, int]
    """Dimension value (``desk_app.domain.portrait.Dimension``) → 1–5; empty without a portrait."""
    portrait_notes: dict[str, str]
    emotion_trend: tuple[int, ...]
    checklists: tuple[ChecklistUsed, ...]
    stage_records: dict[str, dict[str, str]]
    contacts: tuple[ContactUsed, ...]
    resolution_type: str
    resolution_amount: Decimal | None
    resolution_description: str
    resolution_basis: str
    upheld: bool | None
    customer_accepted: bool | None
    status: Status
    days_to_close: int | None
    on_time: bool | None
    satisfaction: int | None
    root_cause: dict[str, str]


@dataclass(frozen=True)
class SimilarCase:
    """A library case like the open one, with why: its score and what they share."""

    row: LibraryRow
    score: float
    same_cause: bool
    same_type: bool
    shared_flags: tuple[SpecialFlag, ...]
    shared_words: float


def mark_case(db: Database, actor: Actor, complaint_id: uuid.UUID, lesson: str) -> LibraryEntry:
    """Add the closed case ``complaint_id`` to the library with ``lesson`` (an anonymised copy; one
    transaction, audited). A case not closed, already in the library, or without a lesson is refused."""
    require(actor, Permission.CURATE_LIBRARY)
    lesson = lesson.strip()
    if not lesson:
        raise ValidationError(_("Write the lesson this case teaches."), "lesson")
    if len(lesson) > MAX_LESSON:
        raise ValidationError(_("The lesson is too long: at most {n} characters.").format(n=MAX_LESSON), "lesson")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        if complaint.status != Status.CLOSED.value:
            raise ValidationError(_("Only a closed case can be added to the case library; this case is "
                                    "'{status}'.").format(status=Status(complaint.status).label), "status")
        if session.scalar(select(LibraryCase.id).where(LibraryCase.source_complaint_id == complaint_id)):
            raise ValidationError(_("This case is already in the case library."), "complaint_id")
        row = library_copy(session, complaint, lesson, actor.user_id)
        session.add(row)
        session.flush()
        audit.record(session, actor, audit.AuditAction.CASE_LIBRARY, complaint.id, detail={
            "event": "added", "entry": str(row.id), "cause": row.axis_c})
        return _entry(session, row)


def remove_entry(db: Database, actor: Actor, entry_id: uuid.UUID) -> None:
    """Take an entry out of the library (a curator of its branch, or headquarters); audited."""
    require(actor, Permission.CURATE_LIBRARY)
    with db.unit_of_work() as session:
        row = _get(session, entry_id)
        require_branch(actor, row.branch_id)
        source, cause = row.source_complaint_id, row.axis_c
        session.delete(row)
        session.flush()
        audit.record(session, actor, audit.AuditAction.CASE_LIBRARY, source, detail={
            "event": "removed", "entry": str(entry_id), "cause": cause})


def search_library(db: Database, actor: Actor, flt: LibraryFilter) -> list[LibraryRow]:
    """Library cases matching every criterion given, newest first (every branch's: the library is anonymised)."""
    require(actor, Permission.VIEW_CASE)
    with db.unit_of_work() as session:
        stmt = select(LibraryCase)
        cause = flt.cause.strip().upper()
        if cause:
            stmt = stmt.where(LibraryCase.axis_c.startswith(cause, autoescape=True))
        if flt.psych_type is not None:
            stmt = stmt.where(or_(LibraryCase.primary_type == flt.psych_type.value,
                                  LibraryCase.secondary_type == flt.psych_type.value))
        if flt.flag is not None:
            stmt = stmt.where(getattr(LibraryCase, FLAG_COLUMNS[flt.flag]).is_(True))
        for word in flt.text.lower().split():
            stmt = stmt.where(LibraryCase.search_text.contains(word, autoescape=True))
        limit = max(1, min(flt.limit, MAX_RESULTS))
        rows = list(session.scalars(stmt.order_by(LibraryCase.marked_at.desc(), LibraryCase.id).limit(limit)))
        return _rows(session, rows)


def get_entry(db: Database, actor: Actor, entry_id: uuid.UUID) -> LibraryEntry:
    require(actor, Permission.VIEW_CASE)
    with db.unit_of_work() as session:
        return _entry(session, _get(session, entry_id))


def similar_to(db: Database, actor: Actor, complaint_id: uuid.UUID, limit: int = SIMILAR) -> list[SimilarCase]:
    """The library cases most like ``complaint_id`` (a case the actor may see), best first; only those with
    something in common (``desk_app.domain.library``)."""
    require(actor, Permission.VIEW_CASE)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        portrait = latest_portrait(session, complaint.id)
        records = " ".join(str(v) for fields in (complaint.stage_records or {}).values()
                           for v in (fields or {}).values())
        case = Traits(complaint.axis_c, _type(portrait.primary_type if portrait else None),
                      _type(portrait.secondary_type if portrait else None), complaint_flags(complaint),
                      bigrams(" ".join((complaint.summary, complaint.facts_what, complaint.request_text, records))))
        columns = (LibraryCase.id, LibraryCase.axis_c, LibraryCase.primary_type, LibraryCase.secondary_type,
                   LibraryCase.words, LibraryCase.marked_at, *(getattr(LibraryCase, c)
                                                                     for c in FLAG_COLUMNS.values()))
        scored = []
        for found in session.execute(select(*columns).where(or_(
                LibraryCase.source_complaint_id.is_(None), LibraryCase.source_complaint_id != complaint_id))):
            flags = frozenset(f for f, on in zip(FLAG_COLUMNS, found[6:], strict=True) if on)
            alike = similarity(case, Traits(found.axis_c, _type(found.primary_type), _type(found.secondary_type),
                                            flags, frozenset(found.words.split())))
            if alike.score > 0:
                scored.append((alike, found.marked_at, found.id))
        scored.sort(key=lambda item: (-item[0].score, -item[1].timestamp()))
        best = scored[:max(0, limit)]
        if not best:
            return []
        by_id = {r.id: r for r in _rows(session, list(session.scalars(
            select(LibraryCase).where(LibraryCase.id.in_([i for _a, _m, i in best])))))}
        return [SimilarCase(by_id[i], a.score, a.same_cause, a.same_type,
                            tuple(f for f in SpecialFlag if f in a.shared_flags), a.shared_words)
                for a, _m, i in best]


# --- reading rows ----------------------------------------------------------------------------------------

def _type(value: str | None) -> PsychType | None:
    return PsychType(value) if value else None


def _get(session: Session, entry_id: uuid.UUID) -> LibraryCase:
    row = session.get(LibraryCase, entry_id)
    if row is None:
        raise NotFoundError(_("The library case was not found (it may have been removed)."))
    return row


def _names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {c.code: label_for(c) for c in session.scalars(select(TaxonomyCode).where(TaxonomyCode.code.in_(codes)))}


def _rows(session: Session, rows: list[LibraryCase]) -> list[LibraryRow]:
    if not rows:
        return []
    names = _names(session, {r.axis_c for r in rows})
    users = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({r.marked_by_id for r in rows}))).all())
    return [LibraryRow(
        id=r.id, axis_b=r.axis_b, axis_c=r.axis_c, cause_name=names.get(r.axis_c, ""),
        primary_type=_type(r.primary_type), secondary_type=_type(r.secondary_type),
        flags=tuple(f for f, column in FLAG_COLUMNS.items() if getattr(r, column)), summary=r.summary,
        lesson=r.lesson, marked_at=r.marked_at, marked_by=users.get(r.marked_by_id, "")) for r in rows]


def _bilingual(item: dict[str, Any], prefix: str) -> Bilingual:
    return Bilingual(str(item.get(f"{prefix}_zh", "")), str(item.get(f"{prefix}_en", "")))


def _amount(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else None


def _entry(session: Session, row: LibraryCase) -> LibraryEntry:
    portrait, resolution, outcome = row.portrait or {}, row.resolution or {}, row.outcome or {}
    checklists = tuple(ChecklistUsed(str(c.get("key", "")), _bilingual(c, "title"), tuple(
        StepUsed(str(s.get("key", "")), _bilingual(s, "title"), _bilingual(s, "wording"), str(s.get("note", "")))
        for s in c.get("steps", []))) for c in row.checklist_path or [])
    wording = row.wording or {}
    cause = outcome.get("root_cause") or {}
    return LibraryEntry(
        row=_rows(session, [row])[0], channel=Channel(row.channel), axis_a=row.axis_a,
        business_name=_names(session, {row.axis_b}).get(row.axis_b, ""), severity=Severity(row.severity),
        facts=row.facts, request_kinds=tuple(row.request_kinds or ()), request_text=row.request_text,
        claimed_amount=row.claimed_amount,
        ratings={str(k): int(v) for k, v in (portrait.get("ratings") or {}).items()},
        portrait_notes={str(k): str(v) for k, v in (portrait.get("notes") or {}).items()},
        emotion_trend=tuple(int(v) for v in portrait.get("emotion_trend") or ()), checklists=checklists,
        stage_records={str(k): {str(f): str(t) for f, t in v.items()}
                       for k, v in (wording.get("stages") or {}).items()},
        contacts=tuple(ContactUsed(str(c.get("method", "")), str(c.get("summary", "")), str(c.get("reaction", "")))
                       for c in wording.get("contacts") or ()),
        resolution_type=str(resolution.get("type") or ""), resolution_amount=_amount(resolution.get("amount")),
        resolution_description=str(resolution.get("description") or ""),
        resolution_basis=str(resolution.get("basis") or ""), upheld=resolution.get("upheld"),
        customer_accepted=resolution.get("customer_accepted"), status=Status(outcome.get("status", "closed")),
        days_to_close=outcome.get("days_to_close"), on_time=outcome.get("on_time"),
        satisfaction=outcome.get("satisfaction"), root_cause={str(k): str(v) for k, v in cause.items()})
