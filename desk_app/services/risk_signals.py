"""Risk signals: suggest special-complaint flags from what the customer said, and let a person confirm
them. The word list is HQ-maintained and versioned (``word_list_versions``); until one is loaded the
bundled ``resources/wordlists/risk_signals.toml`` is used. Each public function is one transaction."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, ComplaintEvent, WordListVersion
from desk_app.db.models.complaints import FLAG_COLUMNS
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import SpecialFlag, Stage
from desk_app.domain.events import payloads as ev
from desk_app.domain.permissions import Permission
from desk_app.domain.portrait import DIMENSIONS, Dimension
from desk_app.domain.risk import (
    RISK_SIGNALS,
    WordList,
    default_word_list_path,
    detect,
    parse_word_list,
    sentence_of,
    suggests_escalation,
)
from desk_app.domain.timeline import EventKind
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.complaints import complaint_flags, load_for, to_detail
from desk_app.services.dto import ComplaintDetail
from desk_app.services.portraits import latest_portrait
from desk_app.services.timeline import append_event

KNOWN_WORD_LISTS = (RISK_SIGNALS,)
MAX_EVIDENCE = 2000


@dataclass(frozen=True)
class Evidence:
    """Where a suggestion comes from: a phrase in its sentence in a text of the case, or the portrait's
    risk rating (no phrase; ``sentence`` says the rating)."""

    source: str          # facts, summary, request, contact, note, listen, portrait
    source_label: str    # translated, with the date for contacts and notes
    kind: str            # the word list's kind (media, self_harm…) or "portrait_risk"
    kind_label: str
    phrase: str          # as written in the text
    sentence: str        # the sentence it is in (cut with … around the phrase when long)
    phrase_at: tuple[int, int] = (0, 0)    # where the phrase is in ``sentence``

    def marked_sentence(self, left: str = "【", right: str = "】") -> str:
        """The sentence with the phrase between ``left`` and ``right``."""
        if not self.phrase:
            return self.sentence
        start, end = self.phrase_at
        return f"{self.sentence[:start]}{left}{self.sentence[start:end]}{right}{self.sentence[end:]}"

    def describe(self) -> str:
        if self.phrase:
            return _("{source} ({kind}): {sentence}").format(
                source=self.source_label, kind=self.kind_label, sentence=self.marked_sentence())
        return f"{self.source_label}: {self.sentence}"


@dataclass(frozen=True)
class Suggestion:
    """A flag the evidence points to; ``flag`` None means "escalate to a supervisor" (high risk rating)."""

    flag: SpecialFlag | None
    evidence: tuple[Evidence, ...]

    @property
    def label(self) -> str:
        return self.flag.label if self.flag else _("Escalate to a supervisor")

    def evidence_text(self) -> str:
        """The evidence as one text, as recorded on the timeline when the flag is confirmed."""
        return "\n".join(e.describe() for e in self.evidence)[:MAX_EVIDENCE]


@dataclass(frozen=True)
class WordListImport:
    name: str
    version: int
    previous_version: int | None
    phrases: int
    kinds: tuple[str, ...]


# ---- the word list ------------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _parsed(sha256: str, source_text: str, name: str) -> WordList:
    return parse_word_list(source_text.encode("utf-8"), name)


def current_word_list(session: Session, name: str = RISK_SIGNALS) -> WordList:
    """The newest loaded version, else the bundled file."""
    row = session.scalars(select(WordListVersion).where(WordListVersion.name == name)
                          .order_by(WordListVersion.version.desc()).limit(1)).first()
    if row is not None:
        return _parsed(row.sha256, row.source, f"{name} v{row.version}")
    path = default_word_list_path(name)
    data = path.read_bytes()
    return _parsed(hashlib.sha256(data).hexdigest(), data.decode("utf-8-sig"), path.name)


def _current_version(session: Session, name: str) -> int | None:
    return session.scalar(select(func.max(WordListVersion.version)).where(WordListVersion.name == name))


def seed_word_lists(session: Session, loaded_by: str = "system") -> list[str]:
    """Load each bundled word list that is not loaded yet (first run) or is newer than the newest loaded
    version (an upgrade of the program); an HQ version newer than the bundled one stays. Returns the names
    loaded."""
    loaded: list[str] = []
    for name in KNOWN_WORD_LISTS:
        path = default_word_list_path(name)
        data = path.read_bytes()
        parsed = parse_word_list(data, path.name)
        current = _current_version(session, name)
        if current is not None and current >= parsed.version:
            continue
        _store(session, parsed, data, loaded_by)
        loaded.append(name)
    return loaded


def _store(session: Session, parsed: WordList, data: bytes, loaded_by: str) -> None:
    session.add(WordListVersion(name=parsed.name, version=parsed.version, source=data.decode("utf-8-sig"),
                                sha256=hashlib.sha256(data).hexdigest(), loaded_by=loaded_by))
    session.flush()


def _check_import(session: Session, data: bytes, source: str) -> tuple[WordList, int | None]:
    parsed = parse_word_list(data, source)
    if parsed.name not in KNOWN_WORD_LISTS:
        raise ValidationError(_("{source}: unknown word list {name}; the program uses: {known}").format(
            source=source, name=parsed.name, known=", ".join(KNOWN_WORD_LISTS)))
    previous = _current_version(session, parsed.name)
    if previous is not None and parsed.version <= previous:
        raise ValidationError(_("{source}: version {version} is not newer than the loaded version {current}; "
                                "raise the version in the file").format(
                                    source=source, version=parsed.version, current=previous))
    return parsed, previous


def _report(parsed: WordList, previous: int | None) -> WordListImport:
    return WordListImport(parsed.name, parsed.version, previous, sum(len(k.phrases) for k in parsed.kinds),
                          tuple(k.key for k in parsed.kinds))


def check_word_list_import(db: Database, actor: Actor, data: bytes, source: str) -> WordListImport:
    """Validate a word-list file as ``import_word_list`` would, without loading it."""
    require(actor, Permission.MANAGE_GUIDANCE)
    with db.unit_of_work() as session:
        return _report(*_check_import(session, data, source))


def import_word_list(db: Database, actor: Actor, data: bytes, source: str) -> WordListImport:
    """Load a new version from HQ. A bad file, or one not newer than the loaded version, raises
    ValidationError and changes nothing."""
    require(actor, Permission.MANAGE_GUIDANCE)
    with db.unit_of_work() as session:
        parsed, previous = _check_import(session, data, source)
        _store(session, parsed, data, actor.username)
        audit.record(session, actor, audit.AuditAction.SETTINGS_CHANGED, None,
                     {"setting": "word_list", "source": source})
        return _report(parsed, previous)


def word_list_versions(db: Database) -> dict[str, int]:
    """The loaded version of each word list (a list never loaded is absent)."""
    with db.unit_of_work() as session:
        rows = session.execute(select(WordListVersion.name, func.max(WordListVersion.version))
                               .group_by(WordListVersion.name)).all()
        return {name: version for name, version in rows}


# ---- suggestions ----------------------------------------------------------------------------------------

def _texts(session: Session, complaint: Complaint) -> Iterator[tuple[str, str, str]]:
    """(source, label, text) for every text of the case in the customer's voice."""
    tz = ZoneInfo(session.get_one(Branch, complaint.branch_id).timezone)
    if complaint.summary.strip() not in complaint.facts_what:    # by default the summary is the facts' start
        yield "summary", _("Summary"), complaint.summary
    yield "facts", _("Facts"), complaint.facts_what
    yield "request", _("Request"), complaint.request_text
    listen = (complaint.stage_records or {}).get(Stage.LISTEN.value, {})
    for value in listen.values():
        yield "listen", _("Listen step record"), str(value)
    events = session.scalars(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == complaint.id,
        ComplaintEvent.kind.in_([EventKind.CONTACT.value, EventKind.NOTE.value])).order_by(ComplaintEvent.seq))
    for event in events:
        when = _local(event.occurred_at, tz)
        if event.kind == EventKind.CONTACT.value:
            label = _("Contact of {when}").format(when=when)
            yield "contact", label, str(event.payload.get("summary", ""))
            yield "contact", label, str(event.payload.get("reaction", ""))
        else:
            yield "note", _("Note of {when}").format(when=when), str(event.payload.get("text", ""))


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def suggest_flags(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[Suggestion]:
    """Special flags that the case's texts point to (flags already set are left out), each with the phrases
    in their sentences; plus "escalate" when the latest portrait rates the risk 4 or 5 and the case is not
    escalated. Only the customer's own threats count: a phrase that is denied, cites a rule or is the other
    side's (``risk.detect``'s ``set_aside``) suggests nothing."""
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        word_list = current_word_list(session)
        already = complaint_flags(complaint)
        found: dict[SpecialFlag, list[Evidence]] = {}
        for source, label, text in _texts(session, complaint):
            for signal in detect(text, word_list):
                if signal.flag in already or not signal.counts:
                    continue
                kind = word_list.kind(signal.kind)
                sentence, phrase_at = sentence_of(text, signal)
                if any(e.sentence == sentence for e in found.get(signal.flag, ())):
                    continue
                found.setdefault(signal.flag, []).append(Evidence(
                    source, label, signal.kind, kind.label.text(), text[signal.span[0]:signal.span[1]],
                    sentence, phrase_at))
        suggestions = [Suggestion(flag, tuple(found[flag])) for flag in SpecialFlag if flag in found]
        portrait = latest_portrait(session, complaint.id)
        if portrait is not None and suggests_escalation(portrait.risk) and not complaint.escalated:
            level = DIMENSIONS[Dimension.RISK].level(portrait.risk).text()
            suggestions.append(Suggestion(None, (Evidence(
                "portrait", _("Portrait version {n}").format(n=portrait.version_no), "portrait_risk",
                Dimension.RISK.label, "",
                _("risk rated {value}/5: {level}").format(value=portrait.risk, level=level)),)))
        return suggestions


def confirm_flag(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, flag: SpecialFlag | None,
                 evidence: str) -> ComplaintDetail:
    """The clerk confirms a suggestion: set the special flag (None: no flag, escalate only) and escalate
    the case to a supervisor, with the evidence on the timeline."""
    require(actor, Permission.EDIT_CASE)
    text = evidence.strip()
    if not text:
        raise ValidationError(_("Say what the flag is based on (the evidence)."), "evidence")
    if len(text) > MAX_EVIDENCE:
        raise ValidationError(_("The evidence is longer than {n} characters.").format(n=MAX_EVIDENCE), "evidence")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        if flag is not None:
            if flag in complaint_flags(complaint):
                raise ValidationError(_("The case is already flagged '{flag}'.").format(flag=flag.label), "flag")
            setattr(complaint, FLAG_COLUMNS[flag], True)
        elif complaint.escalated:
            raise ValidationError(_("The case is already escalated."), "flag")
        complaint.escalated = True
        session.flush()
        append_event(session, complaint.id, ev.RiskFlagConfirmed(flag=flag.value if flag else None, evidence=text),
                     actor.user_id)
        reason = (_("Special complaint '{flag}' confirmed from risk signals").format(flag=flag.label) if flag
                  else _("High risk rating: escalated to a supervisor"))
        append_event(session, complaint.id, ev.Escalated(flags=[flag.value] if flag else [], reason=reason),
                     actor.user_id)
        return to_detail(session, complaint)
