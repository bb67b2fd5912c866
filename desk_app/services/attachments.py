"""Attachments of a complaint (scans, photos, documents): stored in the database with their SHA-256.

Bytes live in the ``attachments`` table, so a backup of the database is a backup of the evidence.
Adding the same content to the same case twice is harmless: the file already there is returned and
nothing new is written, so a retry after a failure never duplicates a scan. Each call that stores new
files appends one ``attachment_added`` event to the case's timeline; the event carries sizes, types
and checksums but not the file names, which often contain the customer's name (personal data appears
in events only as a hash, DESIGN.md).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Attachment, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.events import payloads as ev
from desk_app.domain.permissions import Permission
from desk_app.domain.timeline import EventKind
from desk_app.errors import NotFoundError, ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.complaints import load_for
from desk_app.services.timeline import append_event

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_FILENAME = 300
MAX_DESCRIPTION = 300
MAX_MIME = 100
DEFAULT_MIME = "application/octet-stream"
#: Timeline event kind of added attachments.
ATTACHMENT_ADDED = EventKind.ATTACHMENT_ADDED.value
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MIME = re.compile(r"^[\w.+-]+/[\w.+-]+$")


class ReadPurpose(StrEnum):
    """Why an attachment's bytes were handed out; the audit entry says which."""

    VIEW = "view"
    DOWNLOAD = "download"


@dataclass(frozen=True)
class AttachmentFile:
    """A file to attach, as read from disk or a scanner. An empty ``mime_type`` is guessed from the name."""

    filename: str
    content: bytes
    mime_type: str = ""
    description: str = ""


@dataclass(frozen=True)
class AttachmentInfo:
    id: uuid.UUID
    complaint_id: uuid.UUID
    filename: str
    mime_type: str
    size: int
    sha256: str
    description: str
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class AttachmentContent:
    info: AttachmentInfo
    content: bytes


def format_size(size: int) -> str:
    """A byte count for people: ``532 B``, ``14.2 KB``, ``3.1 MB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def clean_filename(filename: str) -> str:
    """The last path component, without control characters, at most ``MAX_FILENAME`` characters
    (the extension is kept when the name is shortened)."""
    name = _CONTROL.sub("", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if len(name) <= MAX_FILENAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and 0 < len(ext) <= 16:
        return stem[:MAX_FILENAME - len(ext) - 1] + "." + ext
    return name[:MAX_FILENAME]


def check_size(name: str, size: int) -> None:
    """Refuse an empty file or one above ``MAX_ATTACHMENT_BYTES`` (ValidationError, field ``attachments``)."""
    if size == 0:
        raise ValidationError(_("The file {name} is empty.").format(name=name), "attachments")
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The file {name} is {size}; an attachment may be at most {limit}.").format(
                name=name, size=format_size(size), limit=format_size(MAX_ATTACHMENT_BYTES)), "attachments")


def check_attachment(file: AttachmentFile) -> AttachmentFile:
    """Validate one file (name, size ≤ 20 MB, not empty) and fill in its MIME type; ValidationError
    (field ``attachments``) otherwise. The intake form calls this when a file is added, before saving."""
    name = clean_filename(file.filename)
    if not name or name in (".", ".."):
        raise ValidationError(_("An attachment needs a file name."), "attachments")
    check_size(name, len(file.content))
    mime = file.mime_type.strip().lower()
    if not mime or len(mime) > MAX_MIME or not _MIME.match(mime):
        mime = mimetypes.guess_type(name, strict=False)[0] or DEFAULT_MIME
    description = _CONTROL.sub(" ", file.description).strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError(_("An attachment's description has at most {n} characters.").format(
            n=MAX_DESCRIPTION), "attachments")
    return AttachmentFile(name, file.content, mime, description)


def store_attachments(session: Session, actor: Actor, complaint_id: uuid.UUID,
                      files: Sequence[AttachmentFile]) -> list[AttachmentInfo]:
    """Store ``files`` on the case inside the caller's transaction (usable from ``register_complaint``).

    Every file is checked before anything is written. Returns one info per file, in order; a file
    whose content is already on the case returns the stored one.
    """
    require(actor, Permission.EDIT_CASE)
    checked = [check_attachment(f) for f in files]
    load_for(session, actor, complaint_id)
    existing = {a.sha256: a for a in session.scalars(
        select(Attachment).where(Attachment.complaint_id == complaint_id))}
    stored: list[Attachment] = []
    new: list[Attachment] = []
    for file in checked:
        digest = hashlib.sha256(file.content).hexdigest()
        row = existing.get(digest)
        if row is None:
            row = Attachment(complaint_id=complaint_id, filename=file.filename, mime_type=file.mime_type,
                             size=len(file.content), sha256=digest, content=file.content,
                             description=file.description, added_by_id=actor.user_id)
            session.add(row)
            existing[digest] = row
            new.append(row)
        stored.append(row)
    if new:
        session.flush()
        append_event(session, complaint_id, ev.AttachmentsAdded(
            attachments=[{"id": str(a.id), "sha256": a.sha256, "size": a.size, "mime_type": a.mime_type}
                         for a in new],
        ), actor.user_id)
    names = _user_names(session, {a.added_by_id for a in stored})
    return [_info(a, names) for a in stored]


def add_attachments(db: Database, actor: Actor, complaint_id: uuid.UUID,
                    files: Sequence[AttachmentFile]) -> list[AttachmentInfo]:
    """Attach ``files`` to a case in one transaction (all or none); see ``store_attachments``."""
    with db.unit_of_work() as session:
        return store_attachments(session, actor, complaint_id, files)


def list_attachments(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[AttachmentInfo]:
    """The case's attachments, oldest first (without their bytes)."""
    with db.unit_of_work() as session:
        load_for(session, actor, complaint_id)
        rows = session.execute(
            select(Attachment.id, Attachment.complaint_id, Attachment.filename, Attachment.mime_type,
                   Attachment.size, Attachment.sha256, Attachment.description, Attachment.added_by_id,
                   Attachment.added_at)
            .where(Attachment.complaint_id == complaint_id)
            .order_by(Attachment.added_at, Attachment.filename)).all()
        names = _user_names(session, {r.added_by_id for r in rows})
        return [AttachmentInfo(r.id, r.complaint_id, r.filename, r.mime_type, r.size, r.sha256, r.description,
                               names.get(r.added_by_id, ""), r.added_at) for r in rows]


def attach_file(db: Database, actor: Actor, complaint_id: uuid.UUID, path: Path,
                description: str = "") -> AttachmentInfo:
    """Attach the file at ``path`` (its name is the attachment's name). A job on a desk server: the file
    travels as the request body, so an attachment up to the size limit is not bound by a call's body size."""
    name = clean_filename(path.name)
    check_size(name, path.stat().st_size)
    [info] = add_attachments(db, actor, complaint_id, [AttachmentFile(name, path.read_bytes(), "", description)])
    return info


def save_attachment(db: Database, actor: Actor, attachment_id: uuid.UUID, path: Path,
                    purpose: ReadPurpose = ReadPurpose.DOWNLOAD) -> AttachmentInfo:
    """Write an attachment's verified bytes to ``path`` (audited as ``purpose``). A job on a desk server:
    the file comes back as the answer's body."""
    content = read_attachment(db, actor, attachment_id, purpose)
    path.write_bytes(content.content)
    return content.info


def read_attachment(db: Database, actor: Actor, attachment_id: uuid.UUID,
                    purpose: ReadPurpose = ReadPurpose.VIEW) -> AttachmentContent:
    """One attachment with its bytes; the checksum is verified, so a damaged file is never handed out.
    Each read is audited (``AuditAction.ATTACHMENT_READ``: which file, its checksum and ``purpose``)."""
    with db.unit_of_work() as session:
        row = session.get(Attachment, attachment_id)
        if row is None:
            raise NotFoundError(_("The attachment does not exist."))
        load_for(session, actor, row.complaint_id)
        content = bytes(row.content)
        if hashlib.sha256(content).hexdigest() != row.sha256 or len(content) != row.size:
            raise ValidationError(_("The stored file {name} does not match its checksum: it has been damaged "
                                    "or altered.").format(name=row.filename))
        audit.record(session, actor, audit.AuditAction.ATTACHMENT_READ, row.complaint_id, {
            "attachment": str(row.id), "sha256": row.sha256, "size": row.size, "purpose": ReadPurpose(purpose).value})
        names = _user_names(session, {row.added_by_id})
        return AttachmentContent(_info(row, names), content)


def _user_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {uid: name for uid, name in session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))}


def _info(row: Attachment, names: dict[uuid.UUID, str]) -> AttachmentInfo:
    return AttachmentInfo(row.id, row.complaint_id, row.filename, row.mime_type, row.size, row.sha256,
                          row.description, names.get(row.added_by_id, ""), row.added_at)
