"""The legal reference in the database, and citations in cases.

The reference is HQ-maintained and versioned in ``word_list_versions`` under the name "legal_reference"
(the TOML text as loaded); until a version is loaded the bundled ``resources/legal/legal_reference.toml``
is used. An import is validated completely before anything is written and must carry a higher version.

Citing an article in a case does two things: it adds a line such as
"《中华人民共和国消费者权益保护法》第三十九条（消费争议的解决途径）：note" to the 析 analyse step's
"basis" field through the handling service (so the decision letter quotes it, and the step record keeps
every version), and it appends a LEGAL_CITED event with the article's key and text to the timeline. These
are two transactions: the basis is saved first (the handling service checks the role, the status and
the version); should the event then fail, the basis change stays recorded by its own STAGE_RECORD event.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.db.models import WordListVersion
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Stage
from desk_app.domain.events import payloads as ev
from desk_app.domain.legal import (
    LEGAL_REFERENCE,
    Article,
    LegalReference,
    default_legal_reference_path,
    parse_legal_reference,
    search_articles,
)
from desk_app.domain.permissions import Permission
from desk_app.domain.timeline import EventKind
from desk_app.errors import NotFoundError, ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.complaints import load_for
from desk_app.services.handling import record_stage
from desk_app.services.timeline import append_event, list_events

MAX_NOTE = 500
BASIS_FIELD = "basis"


@dataclass(frozen=True)
class LegalImport:
    """What a load (or a check) of a legal-reference file finds; keys are "law/id"."""

    version: int
    previous_version: int | None
    laws: int
    articles: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    unverified: int


@dataclass(frozen=True)
class Citation:
    """A LEGAL_CITED event of a case."""

    seq: int
    at: datetime
    by: str
    article_key: str
    citation: str
    title: str
    text: str
    note: str
    verified: bool
    reference_version: int | None


# ---- the reference --------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _parsed(sha256: str, source_text: str, name: str) -> LegalReference:
    return parse_legal_reference(source_text.encode("utf-8"), name)


def bundled_reference() -> LegalReference:
    """The file shipped with the program."""
    path = default_legal_reference_path()
    data = path.read_bytes()
    return _parsed(hashlib.sha256(data).hexdigest(), data.decode("utf-8-sig"), path.name)


def current_reference(session: Session) -> LegalReference:
    """The newest loaded version, else the bundled file."""
    row = session.scalars(select(WordListVersion).where(WordListVersion.name == LEGAL_REFERENCE)
                          .order_by(WordListVersion.version.desc()).limit(1)).first()
    if row is None:
        return bundled_reference()
    return _parsed(row.sha256, row.source, f"{LEGAL_REFERENCE} v{row.version}")


def _current_version(session: Session) -> int | None:
    return session.scalar(select(func.max(WordListVersion.version)).where(WordListVersion.name == LEGAL_REFERENCE))


def load_reference(db: Database) -> LegalReference:
    """The reference in use (one read), for screens that search it themselves."""
    with db.unit_of_work() as session:
        return current_reference(session)


def reference_version(db: Database) -> int | None:
    """The loaded version; None while the bundled file is in use."""
    with db.unit_of_work() as session:
        return _current_version(session)


def seed_legal_reference(session: Session, loaded_by: str = "system") -> bool:
    """Load the bundled file if no version is loaded yet (first run); True if it loaded it."""
    if _current_version(session) is not None:
        return False
    path = default_legal_reference_path()
    data = path.read_bytes()
    _store(session, parse_legal_reference(data, path.name), data, loaded_by)
    return True


def _store(session: Session, parsed: LegalReference, data: bytes, loaded_by: str) -> None:
    session.add(WordListVersion(name=LEGAL_REFERENCE, version=parsed.version, source=data.decode("utf-8-sig"),
                                sha256=hashlib.sha256(data).hexdigest(), loaded_by=loaded_by))
    session.flush()


def search(db: Database, query: str, law: str | None = None) -> list[Article]:
    """Articles matching every term of ``query`` (Chinese substrings; article numbers in Chinese or Arabic
    numerals), best first; an empty query lists them all. ``law`` is a law key such as "cpl"."""
    with db.unit_of_work() as session:
        reference = current_reference(session)
    if law is not None and reference.law(law) is None:
        raise NotFoundError(_("The legal reference has no law {law}.").format(law=law))
    return search_articles(reference, query, law)


def get_article(db: Database, key: str) -> Article:
    with db.unit_of_work() as session:
        article = current_reference(session).get(key)
    if article is None:
        raise NotFoundError(_("The legal reference has no article {key}.").format(key=key))
    return article


# ---- imports ------------------------------------------------------------------------------------------

def _check_import(session: Session, data: bytes, source: str) -> tuple[LegalReference, LegalImport]:
    parsed = parse_legal_reference(data, source)
    previous = _current_version(session)
    if previous is not None and parsed.version <= previous:
        raise ValidationError(_("{source}: version {version} is not newer than the loaded version {current}; "
                                "raise the version in the file").format(
                                    source=source, version=parsed.version, current=previous))
    old = current_reference(session)
    old_by_key = {a.key: a for a in old.articles}
    new_keys = set(parsed.keys)
    changed = tuple(a.key for a in parsed.articles if a.key in old_by_key and a != old_by_key[a.key])
    report = LegalImport(
        version=parsed.version, previous_version=previous, laws=len(parsed.laws), articles=len(parsed.articles),
        added=tuple(k for k in parsed.keys if k not in old_by_key),
        removed=tuple(k for k in old.keys if k not in new_keys), changed=changed,
        unverified=sum(1 for a in parsed.articles if not a.verified))
    return parsed, report


def check_legal_import(db: Database, actor: Actor, data: bytes, source: str) -> LegalImport:
    """Validate a file as ``import_legal_reference`` would, and say what it would change; loads nothing."""
    require(actor, Permission.MANAGE_GUIDANCE)
    with db.unit_of_work() as session:
        return _check_import(session, data, source)[1]


def import_legal_reference(db: Database, actor: Actor, data: bytes, source: str) -> LegalImport:
    """Load a new version from HQ (HQ analyst or administrator). A bad file, or one not newer than the
    loaded version, raises ValidationError and changes nothing. Removed articles stay in the cases that
    cite them: a citation keeps its own copy of the text."""
    require(actor, Permission.MANAGE_GUIDANCE)
    with db.unit_of_work() as session:
        parsed, report = _check_import(session, data, source)
        _store(session, parsed, data, actor.username)
        audit.record(session, actor, audit.AuditAction.SETTINGS_CHANGED, None,
                     {"setting": "legal", "source": source})
        return report


# ---- citations ----------------------------------------------------------------------------------------

def _clean_note(note: str) -> str:
    text = " ".join(note.split())
    if len(text) > MAX_NOTE:
        raise ValidationError(_("The note is longer than {n} characters.").format(n=MAX_NOTE), "note")
    return text


def cite(db: Database, actor: Actor, complaint_id: uuid.UUID, article_key: str, note: str = "") -> Citation:
    """Cite an article as a basis of the case's decision: its line is added to the 析 analyse step's basis
    (through the handling service, so the case must be in progress) and a LEGAL_CITED event records the
    article's key and text. Citing the same article with the same note twice is refused."""
    require(actor, Permission.HANDLE_CASE)
    text = _clean_note(note)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        reference = current_reference(session)
        ref_version = _current_version(session)
        article = reference.get(article_key)
        if article is None:
            raise NotFoundError(_("The legal reference has no article {key}.").format(key=article_key))
        version = complaint.version
        basis = str((complaint.stage_records or {}).get(Stage.ANALYSE.value, {}).get(BASIS_FIELD, "")).strip()
    line = article.basis_line(text)
    if line in (existing.strip() for existing in basis.splitlines()):
        raise ValidationError(_("{citation} is already in the basis of this case.").format(
            citation=article.citation), "article")
    record_stage(db, actor, complaint_id, version, Stage.ANALYSE,
                 {BASIS_FIELD: f"{basis}\n{line}" if basis else line})
    with db.unit_of_work() as session:
        event = append_event(session, complaint_id, ev.LegalCited(
            article_key=article.key, citation=article.citation, title=article.title_zh,
            text=article.summary_zh, note=text, verified=article.verified,
            reference_version=ref_version, basis_line=line), actor.user_id)
        return Citation(event.seq, event.occurred_at, actor.display_name, article.key, article.citation,
                        article.title_zh, article.summary_zh, text, article.verified, ref_version)


def citations(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[Citation]:
    """The articles cited in a case, oldest first (as recorded then, whatever the reference says now)."""
    with db.unit_of_work() as session:
        load_for(session, actor, complaint_id)
        events = [e for e in list_events(session, complaint_id) if e.kind == EventKind.LEGAL_CITED.value]
    result: list[Citation] = []
    for e in events:
        p = e.payload
        version = p.get("reference_version")
        result.append(Citation(
            e.seq, e.occurred_at, e.actor_name, str(p.get("article_key", "")), str(p.get("citation", "")),
            str(p.get("title", "")), str(p.get("text", "")), str(p.get("note", "")), bool(p.get("verified", True)),
            int(version) if isinstance(version, int) else None))
    return result
