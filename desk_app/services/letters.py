"""Issued letters: issue, preview, reprint, correct, record delivery, list, and batches.

Each public function is one transaction (``render_batch`` one per letter) and returns plain
dataclasses or bytes. An issued letter is a record: its exact PDF bytes, their SHA-256, the number,
who issued it and when, the template version and the summary of the complaint it states. A reprint
returns the stored bytes (never a new rendering); a correction is a new letter (next version, new
number) that supersedes the old one, and the timeline shows both.

When each kind may be issued, and how a letter is composed from the case, is in
``desk_app.services.letter_composition``; rendering a batch ahead in worker processes in
``desk_app.services.letter_ahead``.

Corrections are allowed in any state: they fix a letter that was validly issued. Receipts may be
issued by counter clerks and handlers; the other letters by handlers, supervisors and branch managers;
review decisions by supervisors and branch managers. Letters carry the case's branch letterhead and
number series (staff act on their own branch's cases).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from desk_app.db.models import Branch, Complaint, ComplaintEvent, Customer, Letter, User
from desk_app.db.models.records import Resolution
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.documents.content import (
    LETTER_NUMBER_CODES,
    Correction,
    DecisionInputs,
    DeliveryMethod,
    LetterInputs,
    ReceiptInputs,
    RefusalInputs,
    Remedy,
    ReviewDecisionInputs,
    default_inputs,
)
from desk_app.documents.render import render_letter
from desk_app.documents.summary import suggest_summary
from desk_app.domain.actor import Actor
from desk_app.domain.enums import ApprovalState, Complexity, LetterKind, Stage
from desk_app.domain.events import payloads as ev
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.timeline import EventKind
from desk_app.domain.workflow import OPEN_BEFORE_RESPONSE, Action
from desk_app.errors import DiskFullError, IllegalTransitionError, NotFoundError, UserError, ValidationError
from desk_app.files import write_bytes_atomic
from desk_app.i18n import _
from desk_app.services import audit, extensions, numbering
from desk_app.services.access import require, require_branch
from desk_app.services.complaints import load_for
from desk_app.services.letter_ahead import Ahead, Prepared
from desk_app.services.letter_composition import (
    Kit,
    check_inputs,
    choose_language,
    compose_for,
    history,
    intake_words,
    last_status_change,
    load_kit,
    local_day,
    request_kind_names,
    state_problem,
)
from desk_app.services.timeline import append_event

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
CancelledFn = Callable[[], bool]

#: The permission that issuing (or correcting) each kind of letter needs.
ISSUE_PERMISSIONS: dict[LetterKind, Permission] = {
    LetterKind.RECEIPT: Permission.ISSUE_RECEIPT,
    LetterKind.EXTENSION: Permission.ISSUE_LETTER,
    LetterKind.DECISION: Permission.ISSUE_LETTER,
    LetterKind.REFUSAL: Permission.ISSUE_LETTER,
    LetterKind.REVIEW_DECISION: Permission.ISSUE_REVIEW_DECISION,
}


# --- results --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedLetter:
    id: uuid.UUID
    complaint_id: uuid.UUID
    case_number: str
    kind: LetterKind
    number: str
    version_no: int
    supersedes_id: uuid.UUID | None
    superseded_by_id: uuid.UUID | None
    correction_reason: str
    language: str
    template_version: int
    sha256: str
    size: int
    issued_by: str
    issued_at: datetime
    delivery_method: DeliveryMethod | None
    delivered_on: date | None
    complaint_summary: str = ""
    """The summary of the complaint the letter states (receipts and decision letters)."""

    @property
    def current(self) -> bool:
        """Not replaced by a correction."""
        return self.superseded_by_id is None

    @property
    def file_name(self) -> str:
        return f"{self.number}.pdf"


@dataclass(frozen=True)
class LetterRequest:
    """A letter to issue in a batch; ``inputs`` None means the kind's defaults (receipts, extension notices)."""

    complaint_id: uuid.UUID
    kind: LetterKind
    inputs: LetterInputs | None = None


@dataclass(frozen=True)
class DueLetter:
    """A letter for today: an issued letter not yet delivered (``letter_id``), or one still owed."""

    kind: LetterKind
    complaint_id: uuid.UUID
    case_number: str
    customer_name: str
    reason: str
    letter_id: uuid.UUID | None = None
    number: str = ""

    @property
    def issued(self) -> bool:
        return self.letter_id is not None


@dataclass(frozen=True)
class BatchResult:
    files: tuple[Path, ...]
    issued: tuple[IssuedLetter, ...]
    skipped: tuple[tuple[str, str], ...]
    """(case or letter number, why) for each item that could not be done."""
    cancelled: bool
    total: int
    rendered_ahead: int = 0
    """Letters whose rendering done ahead in a worker process was used (see ``workers``)."""


BatchItem = uuid.UUID | LetterRequest | DueLetter


def _day_range(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tz).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=1), time.min, tz).astimezone(UTC)


def _require_issuer(actor: Actor, kind: LetterKind) -> None:
    require(actor, ISSUE_PERMISSIONS[kind])


def _superseded_by(session: Session, letter_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not letter_ids:
        return {}
    rows = session.execute(select(Letter.supersedes_id, Letter.id).where(Letter.supersedes_id.in_(letter_ids)))
    return {old: new for old, new in rows if old is not None}


_INFO_COLUMNS = (Letter.id, Letter.complaint_id, Complaint.case_number, Letter.kind, Letter.number,
                 Letter.version_no, Letter.supersedes_id, Letter.correction_reason, Letter.language,
                 Letter.template_version, Letter.sha256, Letter.issued_at, Letter.delivery_method,
                 Letter.delivered_on, User.display_name, Letter.complaint_summary)


def _infos(session: Session, where: Sequence[ColumnElement[bool]]) -> list[IssuedLetter]:
    """Letters (without their bytes) matching ``where``, oldest first."""
    query = (select(*_INFO_COLUMNS, func.length(Letter.content))
             .join(Complaint, Complaint.id == Letter.complaint_id)
             .join(User, User.id == Letter.issued_by_id)
             .where(*where).order_by(Letter.issued_at, Letter.number))
    rows = session.execute(query).all()
    replaced = _superseded_by(session, [r[0] for r in rows])
    return [IssuedLetter(
        id=r[0], complaint_id=r[1], case_number=r[2], kind=LetterKind(r[3]), number=r[4], version_no=r[5],
        supersedes_id=r[6], superseded_by_id=replaced.get(r[0]), correction_reason=r[7], language=r[8],
        template_version=r[9], sha256=r[10], issued_at=r[11],
        delivery_method=DeliveryMethod(r[12]) if r[12] else None, delivered_on=r[13], issued_by=r[14] or "",
        complaint_summary=r[15] or "", size=int(r[16] or 0)) for r in rows]


def _info(session: Session, letter_id: uuid.UUID) -> IssuedLetter:
    found = _infos(session, [Letter.id == letter_id])
    if not found:
        raise NotFoundError(_("The letter does not exist."))
    return found[0]


def _load_letter(session: Session, actor: Actor, letter_id: uuid.UUID) -> tuple[Letter, Complaint]:
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFoundError(_("The letter does not exist."))
    complaint = load_for(session, actor, letter.complaint_id)
    return letter, complaint


def _issue_in(session: Session, actor: Actor, complaint: Complaint, kind: LetterKind, inputs: LetterInputs,
              kit: Kit, language: str | None, correction_of: Letter | None = None,
              reason: str = "", ahead: Prepared | None = None) -> tuple[IssuedLetter, bytes]:
    if kind is LetterKind.EXTENSION:
        extensions.notice_issued(session, actor, complaint)  # a waiting extension counts with its notice
    issued_at = ahead.issued_at if ahead is not None else utcnow()
    correction = None
    if correction_of is not None:
        tz = ZoneInfo(session.get_one(Branch, complaint.branch_id).timezone)
        correction = Correction(correction_of.number, local_day(correction_of.issued_at, tz), reason)
    composed = compose_for(session, actor, complaint, kind, inputs, kit,
                           language or (correction_of.language if correction_of else None), issued_at,
                           correction=correction)
    content, chosen = composed.content, composed.language
    number = numbering.letter_number(session, composed.branch_code, LETTER_NUMBER_CODES[kind], composed.day.year)
    final = replace(content, number=number)
    pdf = ahead.take(final) if ahead is not None else None
    if pdf is None:
        pdf = render_letter(final, kit.font)
    digest = hashlib.sha256(pdf).hexdigest()
    letter = Letter(
        complaint_id=complaint.id, kind=kind.value, number=number,
        version_no=correction_of.version_no + 1 if correction_of else 1,
        supersedes_id=correction_of.id if correction_of else None, correction_reason=reason,
        language=chosen, template_version=content.template_version, content=pdf, sha256=digest,
        issued_by_id=actor.user_id, issued_at=issued_at, complaint_summary=content.complaint_summary,
    )
    session.add(letter)
    session.flush()
    issued = ev.LetterIssued(letter_id=letter.id, kind=kind.value, number=number, version_no=letter.version_no,
                             sha256=digest, language=chosen, template_version=content.template_version,
                             common_version=content.common_version)
    event: ev.EventPayload = issued if correction_of is None else ev.LetterCorrected.of(
        issued, supersedes_id=correction_of.id, supersedes_number=correction_of.number, reason=reason)
    append_event(session, complaint.id, event, actor.user_id, occurred_at=issued_at)
    audit.record(session, actor, audit.AuditAction.LETTER_ISSUE, complaint.id, {"kind": kind.value, "number": number})
    info = IssuedLetter(
        id=letter.id, complaint_id=complaint.id, case_number=complaint.case_number, kind=kind, number=number,
        version_no=letter.version_no, supersedes_id=letter.supersedes_id, superseded_by_id=None,
        correction_reason=reason, language=chosen, template_version=content.template_version, sha256=digest,
        size=len(pdf), issued_by=actor.display_name, issued_at=issued_at, delivery_method=None, delivered_on=None,
        complaint_summary=content.complaint_summary)
    return info, pdf


# --- public API -----------------------------------------------------------------------------------------

def issue_letter(db: Database, actor: Actor, complaint_id: uuid.UUID, kind: LetterKind, inputs: LetterInputs,
                 *, language: str | None = None, templates_dir: Path | None = None) -> IssuedLetter:
    """Check, number, render and store a letter; append ``letter_issued`` to the case's timeline.

    ``language`` defaults to the customer's (English letters for English-speaking customers).
    Raises LetterContentError (a ValidationError) naming every missing mandatory element.
    """
    return _issue(db, actor, complaint_id, kind, inputs, language, load_kit([kind], templates_dir))[0]


def _issue(db: Database, actor: Actor, complaint_id: uuid.UUID, kind: LetterKind, inputs: LetterInputs,
           language: str | None, kit: Kit, ahead: Prepared | None = None) -> tuple[IssuedLetter, bytes]:
    _require_issuer(actor, kind)
    check_inputs(kind, inputs)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        problem = state_problem(session, complaint, kind, inputs)
        if problem:
            raise IllegalTransitionError(problem)
        return _issue_in(session, actor, complaint, kind, inputs, kit, language, ahead=ahead)


def preview_letter(db: Database, actor: Actor, complaint_id: uuid.UUID, kind: LetterKind, inputs: LetterInputs,
                   *, language: str | None = None, templates_dir: Path | None = None) -> bytes:
    """The letter as it would be issued now, marked as a draft and without a number; nothing is stored."""
    _require_issuer(actor, kind)
    check_inputs(kind, inputs)
    kit = load_kit([kind], templates_dir)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        problem = state_problem(session, complaint, kind, inputs)
        if problem:
            raise IllegalTransitionError(problem)
        composed = compose_for(session, actor, complaint, kind, inputs, kit, language, utcnow(), draft=True)
    return render_letter(composed.content, kit.font)


def _checked_content(letter: Letter) -> bytes:
    content = bytes(letter.content)
    if hashlib.sha256(content).hexdigest() != letter.sha256:
        raise UserError(_("The stored copy of letter {number} is damaged (its checksum does not match). "
                          "Tell your administrator.").format(number=letter.number))
    return content


def reprint(db: Database, actor: Actor, letter_id: uuid.UUID) -> bytes:
    """The stored bytes of an issued letter, exactly as issued (checked against their SHA-256)."""
    with db.unit_of_work() as session:
        letter, _complaint = _load_letter(session, actor, letter_id)
        audit.record(session, actor, audit.AuditAction.LETTER_REPRINT, letter.complaint_id,
                     {"kind": letter.kind, "number": letter.number})
        return _checked_content(letter)


def _stored(db: Database, actor: Actor, letter_id: uuid.UUID) -> tuple[IssuedLetter, bytes]:
    with db.unit_of_work() as session:
        letter, _complaint = _load_letter(session, actor, letter_id)
        return _info(session, letter_id), _checked_content(letter)


def correct_letter(db: Database, actor: Actor, letter_id: uuid.UUID, reason: str, inputs: LetterInputs,
                   *, language: str | None = None, templates_dir: Path | None = None) -> IssuedLetter:
    """Issue a corrected version: version_no + 1, a new number, ``supersedes`` the old letter, with the
    reason printed on it and recorded on the timeline (``letter_corrected``)."""
    if not reason.strip():
        raise ValidationError(_("Say why the letter is corrected."), "reason")
    kit = load_kit(list(LetterKind), templates_dir)
    with db.unit_of_work() as session:
        old, complaint = _load_letter(session, actor, letter_id)
        kind = LetterKind(old.kind)
        _require_issuer(actor, kind)
        check_inputs(kind, inputs)
        newer = session.scalar(select(Letter.number).where(Letter.supersedes_id == old.id))
        if newer is not None:
            raise IllegalTransitionError(
                _("Letter {number} was already replaced by {newer}; correct the newest version.").format(
                    number=old.number, newer=newer))
        return _issue_in(session, actor, complaint, kind, inputs, kit, language, correction_of=old,
                         reason=" ".join(reason.split()))[0]


def record_delivery(db: Database, actor: Actor, letter_id: uuid.UUID, method: DeliveryMethod,
                    on: date) -> IssuedLetter:
    """Record how and when the customer got the letter (the proof of delivery stays on the timeline)."""
    require(actor, Permission.EDIT_CASE)
    method = DeliveryMethod(method)
    with db.unit_of_work() as session:
        letter, complaint = _load_letter(session, actor, letter_id)
        newer = session.scalar(select(Letter.number).where(Letter.supersedes_id == letter.id))
        if newer is not None:
            raise IllegalTransitionError(_("Letter {number} was replaced by {newer}; deliver the correction.").format(
                number=letter.number, newer=newer))
        tz = ZoneInfo(session.get_one(Branch, complaint.branch_id).timezone)
        if on > datetime.now(tz).date():
            raise ValidationError(_("The delivery date cannot be in the future."), "on")
        if on < local_day(letter.issued_at, tz):
            raise ValidationError(_("The letter cannot be delivered before it was issued."), "on")
        previous = [letter.delivery_method, letter.delivered_on] if letter.delivery_method else None
        letter.delivery_method = method.value
        letter.delivered_on = on
        session.flush()
        append_event(session, complaint.id, ev.LetterDelivered(
            letter_id=letter.id, number=letter.number, method=method.value, on=on, previous=previous),
            actor.user_id)
        return _info(session, letter.id)


def list_letters(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[IssuedLetter]:
    """The case's letters, oldest first, corrections included (``superseded_by_id`` marks replaced ones)."""
    with db.unit_of_work() as session:
        load_for(session, actor, complaint_id)
        return _infos(session, [Letter.complaint_id == complaint_id])


def get_letter(db: Database, actor: Actor, letter_id: uuid.UUID) -> IssuedLetter:
    with db.unit_of_work() as session:
        _load_letter(session, actor, letter_id)
        return _info(session, letter_id)


def available_kinds(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[LetterKind]:
    """The kinds the actor may issue for the case now (refusal counts while the case can still be refused;
    the extension notice once the case has been extended)."""
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        result = []
        for kind in LetterKind:
            if not has_permission(actor.role, ISSUE_PERMISSIONS[kind]):
                continue
            if kind is LetterKind.EXTENSION and complaint.complexity == Complexity.SIMPLE.value \
                    and not complaint.extension_requested:
                continue  # nothing to tell before the case is extended
            probe = RefusalInputs(grounds="-") if kind is LetterKind.REFUSAL else None
            if not state_problem(session, complaint, kind, probe):
                result.append(kind)
        return result


def suggested_inputs(db: Database, actor: Actor, complaint_id: uuid.UUID, kind: LetterKind,
                     language: str | None = None) -> LetterInputs:
    """Inputs pre-filled from the case's records (the step records 查/析, the current resolution, the
    refusal reason), for the handler to check and complete. Nothing here bypasses the content check.

    The summary of the complaint (receipt, decision letter) is drafted in the letter's ``language`` (default:
    the customer's) from the request and the classification, never from the facts or any note."""
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        chosen = choose_language(language, session.get_one(Customer, complaint.customer_id).language)
        words = intake_words(session, complaint, request_kind_names(session, complaint))
        records: dict[str, dict[str, str]] = dict(complaint.stage_records or {})
        investigate = records.get(Stage.INVESTIGATE.value, {})
        analyse = records.get(Stage.ANALYSE.value, {})
        deliberate = records.get(Stage.DELIBERATE.value, {})
        resolution = session.scalars(select(Resolution).where(
            Resolution.complaint_id == complaint_id, Resolution.approval_state != ApprovalState.REJECTED.value
        ).order_by(Resolution.created_at.desc()).limit(1)).first()
        if kind is LetterKind.DECISION:
            verification = "\n".join(v for v in (investigate.get("findings", ""), investigate.get("evidence", ""))
                                     if v.strip())
            remedy = None
            if resolution is not None and resolution.amount:
                remedy = Remedy(resolution.description, str(resolution.amount), resolution.carry_out_by)
            return DecisionInputs(
                summary=suggest_summary(words, chosen, with_request=False), verification=verification,
                decision=(resolution.description if resolution else "") or deliberate.get("decision", ""),
                basis=(resolution.basis if resolution else "") or analyse.get("basis", ""),
                reasons=analyse.get("analysis", ""), remedy=remedy)
        if kind is LetterKind.REFUSAL:
            refusal = last_status_change(history(session, complaint_id), Action.REFUSE)
            return RefusalInputs(grounds=str(refusal.payload.get("reason") or "") if refusal else "")
        if kind is LetterKind.REVIEW_DECISION:
            return ReviewDecisionInputs()
        if kind is LetterKind.RECEIPT:
            return ReceiptInputs(summary=suggest_summary(words, chosen, with_request=True))
        return default_inputs(kind)


def letters_due_today(db: Database, actor: Actor, branch_id: uuid.UUID, today: date) -> list[DueLetter]:
    """What a branch should print today: letters issued today and not yet delivered; receipts owed for
    cases received today; extension notices owed for extensions without a notice since."""
    require_branch(actor, branch_id)
    with db.unit_of_work() as session:
        branch = session.get(Branch, branch_id)
        if branch is None:
            raise NotFoundError(_("The branch does not exist."))
        tz = ZoneInfo(branch.timezone)
        start, end = _day_range(today, tz)
        due: list[DueLetter] = []
        newer = aliased(Letter)
        rows = session.execute(
            select(Letter.id, Letter.kind, Letter.number, Complaint.id, Complaint.case_number, Customer.name)
            .join(Complaint, Complaint.id == Letter.complaint_id).join(Customer, Customer.id == Complaint.customer_id)
            .where(Complaint.branch_id == branch_id, Letter.issued_at >= start, Letter.issued_at < end,
                   Letter.delivered_on.is_(None), ~exists().where(newer.supersedes_id == Letter.id))
            .order_by(Letter.number))
        for letter_id, kind, number, complaint_id, case_number, name in rows:
            due.append(DueLetter(LetterKind(kind), complaint_id, case_number, name,
                                 _("Issued today, not yet delivered"), letter_id, number))
        open_states = [s.value for s in OPEN_BEFORE_RESPONSE]
        receipt = exists().where(Letter.complaint_id == Complaint.id, Letter.kind == LetterKind.RECEIPT.value)
        for complaint_id, case_number, name in session.execute(
                select(Complaint.id, Complaint.case_number, Customer.name)
                .join(Customer, Customer.id == Complaint.customer_id)
                .where(Complaint.branch_id == branch_id, Complaint.received_at >= start, Complaint.received_at < end,
                       Complaint.status.in_(open_states), ~receipt)
                .order_by(Complaint.case_number)):
            due.append(DueLetter(LetterKind.RECEIPT, complaint_id, case_number, name,
                                 _("Received today: receipt not issued")))
        extended = session.execute(
            select(Complaint.id, Complaint.case_number, Customer.name)
            .join(Customer, Customer.id == Complaint.customer_id)
            .where(Complaint.branch_id == branch_id, Complaint.status.in_(open_states),
                   Complaint.complexity != Complexity.SIMPLE.value)
            .order_by(Complaint.case_number)).all()
        for complaint_id, case_number, name in extended:
            last_extension = session.scalar(select(ComplaintEvent.occurred_at).where(
                ComplaintEvent.complaint_id == complaint_id, ComplaintEvent.kind == EventKind.EXTENDED.value)
                .order_by(ComplaintEvent.seq.desc()).limit(1))
            if last_extension is None:
                continue
            notice = session.scalar(select(Letter.id).where(
                Letter.complaint_id == complaint_id, Letter.kind == LetterKind.EXTENSION.value,
                Letter.issued_at >= last_extension).limit(1))
            if notice is None:
                due.append(DueLetter(LetterKind.EXTENSION, complaint_id, case_number, name,
                                     _("Extended: the customer has not been sent the notice")))
        due.extend(DueLetter(LetterKind.EXTENSION, complaint_id, case_number, name,  # counts once the notice is out
                             _("Extension asked for: it counts once this notice is issued"))
                   for complaint_id, case_number, name in session.execute(
                       select(Complaint.id, Complaint.case_number, Customer.name)
                       .join(Customer, Customer.id == Complaint.customer_id)
                       .where(Complaint.branch_id == branch_id, Complaint.status.in_(open_states),
                              or_(Complaint.extension_requested == Complexity.COMPLEX.value,
                                  and_(Complaint.extension_requested.is_not(None),
                                       Complaint.extension_approved_by_id.is_not(None))))
                       .order_by(Complaint.case_number)))
        return due

def _write(out_dir: Path, name: str, pdf: bytes) -> Path:
    """All or nothing under ``name``; a full disk raises DiskFullError (which stops the batch)."""
    return write_bytes_atomic(out_dir / name, pdf)


def render_batch(db: Database, actor: Actor, items: Sequence[BatchItem], out_dir: Path,
                 progress: ProgressFn | None = None, cancelled: CancelledFn | None = None,
                 *, templates_dir: Path | None = None, workers: int = 1) -> BatchResult:
    """Save many letters as PDF files in ``out_dir``: issued letters (ids, or due letters with an id) are
    written from their stored bytes; requests (and owed due letters) are issued first, one transaction
    each. An item that cannot be done (a missing element, a changed state, no permission) is skipped
    with its reason; the batch goes on. ``cancelled()`` is checked between letters. With ``workers`` > 1
    the letters are rendered ahead in that many worker processes (see ``parallel_workers``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    total = len(items)
    plan: list[uuid.UUID | tuple[LetterRequest, str]] = []
    for item in items:
        if isinstance(item, DueLetter) and item.letter_id is not None:
            plan.append(item.letter_id)
        elif isinstance(item, DueLetter):
            plan.append((LetterRequest(item.complaint_id, item.kind), item.case_number))
        elif isinstance(item, LetterRequest):
            plan.append((item, str(item.complaint_id)))
        else:
            plan.append(item)
    requests = [p for p in plan if isinstance(p, tuple)]
    kit = load_kit([r.kind for r, _label in requests], templates_dir) if requests else None
    ahead = Ahead(db, actor, kit, workers, ISSUE_PERMISSIONS) if kit is not None and workers > 1 and len(
        requests) > 1 else None
    files: list[Path] = []
    issued: list[IssuedLetter] = []
    skipped: list[tuple[str, str]] = []
    used_ahead = 0
    stopped = False
    if progress:
        progress(0, total)
    try:
        for index, step in enumerate(plan):
            if cancelled and cancelled():
                stopped = True
                break
            label = str(step)
            try:
                if isinstance(step, uuid.UUID):
                    info, pdf = _stored(db, actor, step)
                    label = info.number
                    files.append(_write(out_dir, info.file_name, pdf))
                else:
                    request, label = step
                    assert kit is not None
                    prepared = None
                    if ahead is not None:
                        for later in range(index, min(index + ahead.window, len(plan))):
                            planned = plan[later]
                            if isinstance(planned, tuple):
                                ahead.prepare(later, planned[0].complaint_id, planned[0].kind, planned[0].inputs)
                        prepared = ahead.take(index)
                    try:
                        info, pdf = _issue(db, actor, request.complaint_id, request.kind,
                                           request.inputs or default_inputs(request.kind), None, kit, prepared)
                    finally:
                        if ahead is not None:
                            used_ahead += int(prepared is not None and prepared.used)
                            ahead.release(index)
                    issued.append(info)
                    files.append(_write(out_dir, info.file_name, pdf))
            except DiskFullError:
                raise  # every later letter would fail too; those issued so far are stored and can be reprinted
            except UserError as exc:
                log.info("batch letter skipped (%s): %s", label, exc)
                skipped.append((label, str(exc)))
            if progress:
                progress(index + 1, total)
    finally:
        if ahead is not None:
            ahead.close()
    return BatchResult(tuple(files), tuple(issued), tuple(skipped), stopped, total, used_ahead)
