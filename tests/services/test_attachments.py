"""Attachments: bytes and SHA-256 stored, 20 MB limit, timeline event, branch scope, idempotent retries."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from sqlalchemy import func, select, update

from desk_app.db.models import Attachment, ComplaintEvent
from desk_app.db.uow import Database
from desk_app.errors import NotFoundError, PermissionDeniedError, ValidationError
from desk_app.services.attachments import (
    ATTACHMENT_ADDED,
    MAX_ATTACHMENT_BYTES,
    AttachmentFile,
    add_attachments,
    check_attachment,
    clean_filename,
    format_size,
    list_attachments,
    read_attachment,
    store_attachments,
)
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.timeline import check_chain
from tests.support.staff import Staff, draft

SCAN = AttachmentFile("王芳身份证.jpg", b"\xff\xd8\xff\xe0fake jpeg", "image/jpeg", "身份证复印件")
STATEMENT = AttachmentFile("C:\\scans\\statement.pdf", b"%PDF-1.4 statement")


def _count(db: Database) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Attachment)) or 0


def test_add_list_and_read_back(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    added = add_attachments(database, staff.clerk, case.id, [SCAN, STATEMENT])
    assert [a.filename for a in added] == ["王芳身份证.jpg", "statement.pdf"]
    assert added[1].mime_type == "application/pdf"  # guessed from the name
    assert added[0].sha256 == hashlib.sha256(SCAN.content).hexdigest()
    assert added[0].size == len(SCAN.content) and added[0].description == "身份证复印件"
    assert added[0].added_by == "Clerk"
    listed = list_attachments(database, staff.handler, case.id)
    assert {a.id for a in listed} == {a.id for a in added}
    content = read_attachment(database, staff.handler, added[0].id)
    assert content.content == SCAN.content and content.info.filename == "王芳身份证.jpg"


def test_one_timeline_event_without_file_names(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    added = add_attachments(database, staff.clerk, case.id, [SCAN, STATEMENT])
    events = get_complaint(database, staff.clerk, case.id).events
    assert [e.kind for e in events] == ["registered", ATTACHMENT_ADDED]
    payload = events[-1].payload
    assert [a["sha256"] for a in payload["attachments"]] == [a.sha256 for a in added]
    assert "王芳" not in repr(payload) and "statement" not in repr(payload)
    with database.unit_of_work() as session:
        assert check_chain(session, case.id) is None


def test_the_same_content_twice_is_stored_once(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    first = add_attachments(database, staff.clerk, case.id, [SCAN])
    again = add_attachments(database, staff.clerk, case.id, [SCAN, STATEMENT])
    assert again[0].id == first[0].id
    assert _count(database) == 2
    kinds = [e.kind for e in get_complaint(database, staff.clerk, case.id).events]
    assert kinds.count(ATTACHMENT_ADDED) == 2
    add_attachments(database, staff.clerk, case.id, [SCAN])  # nothing new: no event
    kinds = [e.kind for e in get_complaint(database, staff.clerk, case.id).events]
    assert kinds.count(ATTACHMENT_ADDED) == 2


def test_too_big_or_empty_files_are_refused_and_nothing_is_written(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    big = AttachmentFile("big.tif", b"\0" * (MAX_ATTACHMENT_BYTES + 1), "image/tiff")
    with pytest.raises(ValidationError) as err:
        add_attachments(database, staff.clerk, case.id, [SCAN, big])
    assert err.value.field == "attachments"
    assert "big.tif" in str(err.value) and "20.0 MB" in str(err.value)
    with pytest.raises(ValidationError, match="empty"):
        add_attachments(database, staff.clerk, case.id, [AttachmentFile("x.jpg", b"")])
    with pytest.raises(ValidationError, match="file name"):
        add_attachments(database, staff.clerk, case.id, [AttachmentFile("C:\\scans\\", b"abc")])
    assert _count(database) == 0


def test_exactly_20_mb_is_accepted() -> None:
    file = check_attachment(AttachmentFile("scan.png", b"\0" * MAX_ATTACHMENT_BYTES))
    assert file.mime_type == "image/png"


def test_other_branches_cannot_touch_the_attachments(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    [info] = add_attachments(database, staff.clerk, case.id, [SCAN])
    with pytest.raises(PermissionDeniedError):
        add_attachments(database, staff.other_branch_clerk, case.id, [STATEMENT])
    with pytest.raises(PermissionDeniedError):
        list_attachments(database, staff.other_branch_clerk, case.id)
    with pytest.raises(PermissionDeniedError):
        read_attachment(database, staff.other_branch_clerk, info.id)


def test_unknown_case_or_attachment(database: Database, staff: Staff) -> None:
    with pytest.raises(NotFoundError):
        add_attachments(database, staff.clerk, uuid.uuid4(), [SCAN])
    with pytest.raises(NotFoundError):
        read_attachment(database, staff.clerk, uuid.uuid4())


def test_a_damaged_file_is_detected(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    [info] = add_attachments(database, staff.clerk, case.id, [SCAN])
    with database.unit_of_work() as session:
        session.execute(update(Attachment).values(content=b"tampered"))
    with pytest.raises(ValidationError, match="checksum"):
        read_attachment(database, staff.clerk, info.id)


def test_store_inside_the_callers_transaction_rolls_back_with_it(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    with pytest.raises(RuntimeError), database.unit_of_work() as session:
        store_attachments(session, staff.clerk, case.id, [SCAN])
        raise RuntimeError("the caller's later step failed")
    assert _count(database) == 0
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ComplaintEvent)
                              .where(ComplaintEvent.kind == ATTACHMENT_ADDED)) == 0


def test_file_names_and_sizes_for_people() -> None:
    assert clean_filename("/home/clerk/../scan\x00.jpg") == "scan.jpg"
    long_name = "扫描" * 200 + ".jpeg"
    cleaned = clean_filename(long_name)
    assert len(cleaned) == 300 and cleaned.endswith(".jpeg")
    assert (format_size(532), format_size(14540), format_size(3 * 1024 * 1024)) == ("532 B", "14.2 KB", "3.0 MB")
