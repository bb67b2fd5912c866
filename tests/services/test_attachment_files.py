"""Attachments as files (issue 18.4): attached from a file, saved or opened from the case, each read audited
with its purpose, the checksum checked before any byte is handed out, the size limit refused clearly — on
this PC and through a desk server, where the files travel as job bodies (bigger than a call's body limit)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from server_support import LiveServer
from sqlalchemy import select, update

from desk_app.db.models import Attachment, AuditEntry
from desk_app.db.uow import Database
from desk_app.errors import PermissionDeniedError, ValidationError
from desk_app.server.app import MAX_BODY
from desk_app.services import audit
from desk_app.services.attachments import (
    MAX_ATTACHMENT_BYTES,
    ReadPurpose,
    attach_file,
    list_attachments,
    read_attachment,
    save_attachment,
)
from desk_app.services.complaints import register_complaint
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff, draft


def _reads(db: Database) -> list[AuditEntry]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.action == audit.AuditAction.ATTACHMENT_READ).order_by(AuditEntry.seq)))


def test_attach_a_file_then_view_and_download_each_audited(database: Database, staff: Staff, tmp_path: Path) -> None:
    case = register_complaint(database, staff.clerk, draft())
    scan = tmp_path / "王芳 转账凭证.pdf"
    scan.write_bytes(b"%PDF-1.4 transfer receipt")
    info = attach_file(database, staff.handler, case.id, scan, "调查取得的转账凭证")
    assert (info.filename, info.mime_type, info.description) == ("王芳 转账凭证.pdf", "application/pdf",
                                                                 "调查取得的转账凭证")
    assert info.sha256 == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert [a.id for a in list_attachments(database, staff.supervisor, case.id)] == [info.id]
    assert _reads(database) == []  # listing hands out no bytes: not a read

    assert read_attachment(database, staff.supervisor, info.id).content == scan.read_bytes()
    copy = tmp_path / "copy.pdf"
    assert save_attachment(database, staff.handler, info.id, copy).id == info.id
    assert copy.read_bytes() == scan.read_bytes()
    view, download = _reads(database)
    assert (view.user_id, view.complaint_id, view.detail) == (staff.supervisor.user_id, case.id, {
        "attachment": str(info.id), "sha256": info.sha256, "size": info.size, "purpose": "view"})
    assert (download.user_id, download.detail["purpose"]) == (staff.handler.user_id, "download")
    assert "王芳" not in repr(view.detail)  # the file name (often the customer's) stays out of the log


def test_a_damaged_file_is_refused_and_not_written(database: Database, staff: Staff, tmp_path: Path) -> None:
    case = register_complaint(database, staff.clerk, draft())
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    info = attach_file(database, staff.clerk, case.id, scan)
    with database.unit_of_work() as session:
        session.execute(update(Attachment).where(Attachment.id == info.id).values(content=b"\xff\xd8\xff\xe0 JPEG"))
    out = tmp_path / "out.jpg"
    with pytest.raises(ValidationError, match="does not match its checksum"):
        save_attachment(database, staff.handler, info.id, out, ReadPurpose.VIEW)
    assert not out.exists() and _reads(database) == []


def test_size_limit_and_scope_refused_clearly(database: Database, staff: Staff, tmp_path: Path) -> None:
    case = register_complaint(database, staff.clerk, draft())
    big = tmp_path / "video.mp4"
    with big.open("wb") as f:  # sparse: the size is checked before the file is read
        f.truncate(MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(ValidationError, match=r"video.mp4 is 20.0 MB; an attachment may be at most 20.0 MB"):
        attach_file(database, staff.handler, case.id, big)
    small = tmp_path / "a.png"
    small.write_bytes(b"\x89PNG")
    info = attach_file(database, staff.handler, case.id, small)
    with pytest.raises(PermissionDeniedError):
        save_attachment(database, staff.other_branch_clerk, info.id, tmp_path / "x.png")
    assert _reads(database) == [] and list_attachments(database, staff.handler, case.id) == [info]


def test_through_a_desk_server_larger_than_a_calls_body(server: LiveServer, staff: Staff, tmp_path: Path) -> None:
    case = register_complaint(server.db, staff.clerk, draft())
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8" + bytes(range(256)) * ((MAX_BODY * 3 // 4) // 256 + 1))  # base64: > MAX_BODY
    backend = server.backend()
    try:
        handler = backend.sign_in("handler", PASSWORD)
        info = backend.call(handler, attach_file, case.id, photo, "现场照片")
        assert info.size == photo.stat().st_size and info.filename == "现场照片.jpg"
        out = tmp_path / "downloaded.jpg"
        saved = backend.call(handler, save_attachment, info.id, out, ReadPurpose.VIEW)
        assert saved.sha256 == info.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
        [entry] = _reads(server.db)
        assert entry.detail["purpose"] == "view" and entry.user_id == handler.user_id
        with pytest.raises(PermissionDeniedError):
            backend.call(backend.sign_in("bjclerk", PASSWORD), save_attachment, info.id, tmp_path / "no.jpg")
        assert not (tmp_path / "no.jpg").exists()
    finally:
        backend.close()
