"""What a letter is composed from, and the one composition that issuing, previewing and the batch's
rendering ahead all use: the case's facts for a letter (never the intake's facts text or any internal
note: see ``desk_app.documents.summary``), when each kind may be issued, and the loaded templates and font.

When a letter may be issued (the case's state; DESIGN.md lifecycle):

- receipt (受理回执): while the case is open before the response (registered, assigned, in progress);
- extension notice (延期告知书): while the case is open and an extension is recorded;
- decision letter (处理决定书): at the negotiate (谈) or act (行) step, or once responded or awaiting
  the callback (the response is recorded when the letter is handed over, or just before);
- refusal (不予受理告知书): when the case is refused, or still registered/assigned and the grounds are
  given in the letter (the refusal is being made; the 'refuse' action records it on the case);
- review decision (核查决定): while the case is under review (核查), or closed by 'finish review'.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Attachment, Branch, Complaint, ComplaintEvent, Customer, Letter, ReferenceItem, User
from desk_app.db.models.reference import TaxonomyCode
from desk_app.documents.content import (
    INPUT_TYPES,
    CaseFacts,
    Correction,
    ExtensionFact,
    IssuerInfo,
    LetterInputs,
    PriorLetter,
    RefusalInputs,
    compose,
    letter_language,
)
from desk_app.documents.fonts import CjkFont, load_cjk_font
from desk_app.documents.letter import LetterContent
from desk_app.documents.summary import IntakeWords, typed_summary
from desk_app.documents.templates import LANGUAGES, CommonTexts, LetterTemplate, load_common, load_template
from desk_app.domain.actor import Actor
from desk_app.domain.enums import LetterKind, Stage, Status
from desk_app.domain.timeline import EventKind
from desk_app.domain.workflow import OPEN_BEFORE_RESPONSE, RESPONSE_STAGES, Action
from desk_app.errors import BugError, ValidationError
from desk_app.i18n import _

DECISION_STATES = frozenset({Status.RESPONDED, Status.AWAITING_CALLBACK})


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def issuer(branch: Branch) -> IssuerInfo:
    return IssuerInfo(code=branch.code, name=branch.name, name_en=branch.name_en, address=branch.address,
                      hotline=branch.hotline, superior_institution=branch.superior_institution,
                      superior_contact=branch.superior_contact, logo_path=branch.logo_path,
                      timezone=branch.timezone)


@dataclass(frozen=True)
class Event:
    kind: str
    occurred_at: datetime
    payload: dict[str, object]


def history(session: Session, complaint_id: uuid.UUID) -> list[Event]:
    """The status changes and extensions of a case, oldest first (one query)."""
    rows = session.execute(select(ComplaintEvent.kind, ComplaintEvent.occurred_at, ComplaintEvent.payload).where(
        ComplaintEvent.complaint_id == complaint_id,
        ComplaintEvent.kind.in_([EventKind.STATUS_CHANGED.value, EventKind.EXTENDED.value]),
    ).order_by(ComplaintEvent.seq))
    return [Event(kind, at, dict(payload or {})) for kind, at, payload in rows]


def last_status_change(events: Sequence[Event], action: Action) -> Event | None:
    found = [e for e in events if e.kind == EventKind.STATUS_CHANGED.value and e.payload.get("action") == action]
    return found[-1] if found else None


def _date_of(value: object) -> date | None:
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _extension_fact(complaint: Complaint, events: Sequence[Event],
                    letters_on_file: Sequence[tuple[str, str, datetime]], tz: ZoneInfo) -> ExtensionFact | None:
    extensions = [e for e in events if e.kind == EventKind.EXTENDED.value]
    if not extensions:
        return None
    event = extensions[-1]
    payload = event.payload
    told = [at for kind, _number, at in letters_on_file
            if kind == LetterKind.EXTENSION.value and at >= event.occurred_at]
    return ExtensionFact(
        complexity=str(payload.get("to") or complaint.complexity),
        new_due_on=_date_of(payload.get("new_due_on")) or complaint.due_on,
        old_due_on=_date_of(payload.get("old_due_on")),
        approver=str(payload.get("approver") or ""),
        reason=str(payload.get("reason") or ""),
        told_on=local_day(min(told), tz) if told else None,
    )


def _taxonomy_names(session: Session, codes: Sequence[str | None]) -> dict[str, tuple[str, str]]:
    wanted = [c for c in codes if c]
    if not wanted:
        return {}
    return {code: (zh, en or "") for code, zh, en in session.execute(
        select(TaxonomyCode.code, TaxonomyCode.name_zh, TaxonomyCode.name_en).where(TaxonomyCode.code.in_(wanted)))}


def intake_words(session: Session, complaint: Complaint,
                 request_kinds: Sequence[tuple[str, str]]) -> IntakeWords:
    """What a letter's summary may be drafted from: the request, the classification and a summary typed as
    such. The facts text is read only to tell a typed summary from the default cut from the facts."""
    names = _taxonomy_names(session, [complaint.axis_b, complaint.axis_c])
    return IntakeWords(
        typed_summary=typed_summary(complaint.summary, complaint.facts_what),
        business=names.get(complaint.axis_b, ("", "")), cause=names.get(complaint.axis_c, ("", "")),
        request_kinds=tuple(request_kinds), request_text=complaint.request_text)


def request_kind_names(session: Session, complaint: Complaint) -> tuple[tuple[str, str], ...]:
    kinds = list(complaint.request_kinds or [])
    names: dict[str, tuple[str, str]] = {}
    if kinds:
        for code, name_zh, name_en in session.execute(select(
                ReferenceItem.code, ReferenceItem.name_zh, ReferenceItem.name_en).where(
                ReferenceItem.list_name == "request_kind", ReferenceItem.code.in_(kinds))):
            names[code] = (name_zh, name_en or name_zh)
    return tuple(names.get(code, (code, code)) for code in kinds)


def case_facts(session: Session, complaint: Complaint, branch: Branch, actor: Actor) -> CaseFacts:
    tz = ZoneInfo(branch.timezone)
    customer = session.get_one(Customer, complaint.customer_id)
    owner = session.get(User, complaint.owner_id) if complaint.owner_id else None
    kinds = request_kind_names(session, complaint)
    attachments = [desc or name for name, desc in session.execute(
        select(Attachment.filename, Attachment.description).where(Attachment.complaint_id == complaint.id)
        .order_by(Attachment.added_at, Attachment.filename))]
    events = history(session, complaint.id)
    on_file = [(k, n, at) for k, n, at in session.execute(
        select(Letter.kind, Letter.number, Letter.issued_at).where(Letter.complaint_id == complaint.id)
        .order_by(Letter.issued_at))]
    refusal = last_status_change(events, Action.REFUSE)
    review = last_status_change(events, Action.APPLY_REVIEW)
    original = None
    if review is not None:
        decisions = [(n, at) for k, n, at in on_file if k == LetterKind.DECISION.value and at <= review.occurred_at]
        if decisions:
            original = PriorLetter(decisions[-1][0], local_day(decisions[-1][1], tz))
    return CaseFacts(
        case_number=complaint.case_number, received_on=local_day(complaint.received_at, tz),
        channel=complaint.channel, regime=complaint.regime, customer_name=customer.name,
        due_on=complaint.due_on, handler_name=owner.display_name if owner else actor.display_name,
        intake=intake_words(session, complaint, kinds), request_kinds=kinds, request_text=complaint.request_text,
        claimed_amount=complaint.claimed_amount, attachments=tuple(attachments),
        extension=_extension_fact(complaint, events, on_file, tz),
        refusal_reason=str(refusal.payload.get("reason") or "") if refusal else "",
        review_applied_on=local_day(review.occurred_at, tz) if review else None,
        original_decision=original,
    )


def state_problem(session: Session, complaint: Complaint, kind: LetterKind, inputs: LetterInputs | None) -> str:
    """Why ``kind`` cannot be issued for the case in its present state; empty when it can."""
    status = Status(complaint.status)
    stage = Stage(complaint.stage) if complaint.stage else None
    if kind in (LetterKind.RECEIPT, LetterKind.EXTENSION):
        if status not in OPEN_BEFORE_RESPONSE:
            return _("This letter is issued only while the case is open (registered, assigned or in progress); "
                     "the case is '{status}'.").format(status=status.label)
    elif kind is LetterKind.DECISION:
        if not ((status is Status.IN_PROGRESS and stage in RESPONSE_STAGES) or status in DECISION_STATES):
            return _("A decision letter needs the case at the negotiate (谈) or act (行) step, or responded; "
                     "the case is '{status}'.").format(status=status.label)
    elif kind is LetterKind.REFUSAL:
        being_refused = (status in (Status.REGISTERED, Status.ASSIGNED) and isinstance(inputs, RefusalInputs)
                         and bool(inputs.grounds.strip()))
        if status is not Status.REFUSED and not being_refused:
            return _("A refusal letter needs the case refused, or still registered or assigned with the grounds "
                     "for refusing it given; the case is '{status}'.").format(status=status.label)
    elif kind is LetterKind.REVIEW_DECISION:
        finished = status is Status.CLOSED and last_status_change(history(session, complaint.id),
                                                                  Action.FINISH_REVIEW)
        if status is not Status.UNDER_REVIEW and not finished:
            return _("A review decision needs the case under review (the customer applied for 核查); "
                     "the case is '{status}'.").format(status=status.label)
    return ""


def check_inputs(kind: LetterKind, inputs: LetterInputs) -> None:
    if not isinstance(inputs, INPUT_TYPES[kind]):
        raise BugError(f"{type(inputs).__name__} given for a {kind.value} letter")


def choose_language(language: str | None, customer_language: str) -> str:
    chosen = language or letter_language(customer_language)
    if chosen not in LANGUAGES:
        raise ValidationError(_("Letters are written in Chinese or English."), "language")
    return chosen


@dataclass(frozen=True)
class Kit:
    """What rendering needs, loaded once (outside any transaction) and reused by batches."""

    templates: dict[LetterKind, LetterTemplate]
    common: CommonTexts
    font: CjkFont


def load_kit(kinds: Sequence[LetterKind], templates_dir: Path | None, font: CjkFont | None = None) -> Kit:
    return Kit({k: load_template(k, templates_dir) for k in set(kinds)}, load_common(templates_dir),
                font or load_cjk_font())



@dataclass(frozen=True)
class Composed:
    """A letter composed in a transaction: its content (without a number) and where it is numbered."""

    content: LetterContent
    branch_code: str
    language: str
    day: date


def compose_for(session: Session, actor: Actor, complaint: Complaint, kind: LetterKind, inputs: LetterInputs,
                kit: Kit, language: str | None, issued_at: datetime, *, draft: bool = False,
                correction: Correction | None = None) -> Composed:
    """The letter's content as the case stands in ``session``: the one composition used to issue, to
    preview and to render ahead. Raises LetterContentError naming every missing element."""
    branch = session.get_one(Branch, complaint.branch_id)
    customer = session.get_one(Customer, complaint.customer_id)
    chosen = choose_language(language, customer.language)
    facts = case_facts(session, complaint, branch, actor)
    day = local_day(issued_at, ZoneInfo(branch.timezone))
    content = compose(kind, inputs, facts, issuer(branch), kit.templates[kind], kit.common, chosen, issued_at, day,
                      draft=draft, correction=correction)
    return Composed(content, branch.code, chosen, day)
