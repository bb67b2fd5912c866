"""Attachments on the intake form: file dialog, drag and drop, the 20 MB limit, stored right after
registration, a retry when storing fails."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from gui_support import SetUp, Shown, local_db
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desk_app.errors import DatabaseUnavailableError
from desk_app.services.attachments import MAX_ATTACHMENT_BYTES, list_attachments, read_attachment
from tests.support.intake import Counter, fill_valid, make_counter, open_page
from ui.intake import save_flow
from ui.intake.intake_page import IntakePage


@pytest.fixture
def counter(set_up: SetUp) -> Counter:
    return make_counter(set_up.db, set_up.admin)


@pytest.fixture
def page(qtbot: QtBot, counter: Counter, tmp_path: Path) -> IntakePage:
    return open_page(qtbot, counter, tmp_path / "drafts")


@pytest.fixture
def scans(tmp_path: Path) -> list[Path]:
    card = tmp_path / "身份证复印件.jpg"
    card.write_bytes(b"\xff\xd8\xff\xe0 id card scan")
    bill = tmp_path / "statement.pdf"
    bill.write_bytes(b"%PDF-1.4 monthly statement")
    return [card, bill]


def _drop(page: IntakePage, paths: list[Path]) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    page.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    page.dropEvent(drop)
    return drop


def test_files_from_the_dialog_and_by_drop_are_stored_with_the_case(qtbot: QtBot, page: IntakePage,
                                                                   counter: Counter, scans: list[Path],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *args, **kwargs: ([str(scans[0])], "")))
    page.attachments.add_button.click()
    assert page.attachments.table.rowCount() == 1
    name = page.attachments.table.item(0, 0)
    assert name is not None and name.text() == "身份证复印件.jpg"
    _drop(page, scans)  # the scan again (ignored: same content) and the statement
    assert [p.file.filename for p in page.attachments.pending] == ["身份证复印件.jpg", "statement.pdf"]
    description = page.attachments.table.item(0, 2)
    assert description is not None
    description.setText("身份证复印件（正反面）")  # F2 in the description column

    fill_valid(page)
    with qtbot.waitSignal(page.sig_saved, timeout=10_000) as saved:
        page.save_button.click()
    stored = list_attachments(local_db(counter.ctx), counter.clerk, saved.args[0])
    assert sorted(a.filename for a in stored) == ["statement.pdf", "身份证复印件.jpg"]
    card = next(a for a in stored if a.filename == "身份证复印件.jpg")
    assert card.sha256 == hashlib.sha256(scans[0].read_bytes()).hexdigest()
    assert card.description == "身份证复印件（正反面）" and card.mime_type == "image/jpeg"
    assert read_attachment(local_db(counter.ctx), counter.clerk, card.id).content == scans[0].read_bytes()
    assert "2 attachment(s) stored." in page.result_banner.text()
    assert page.attachments.pending == []  # ready for the next customer


def test_a_file_over_20_mb_is_refused_when_added(page: IntakePage, tmp_path: Path, scans: list[Path]) -> None:
    big = tmp_path / "big-scan.tif"
    with big.open("wb") as fh:
        fh.truncate(MAX_ATTACHMENT_BYTES + 1)  # sparse: no 20 MB written
    problems = page.attachments.add_paths([big, scans[1]])
    assert len(problems) == 1 and "big-scan.tif" in problems[0] and "20.0 MB" in problems[0]
    assert "big-scan.tif" in page.fields["attachments"].error.text()
    assert [p.file.filename for p in page.attachments.pending] == ["statement.pdf"]


def test_remove_with_the_delete_key(qtbot: QtBot, page: IntakePage, scans: list[Path]) -> None:
    page.attachments.add_paths(scans)
    page.attachments.table.setCurrentCell(0, 0)
    qtbot.keyClick(page.attachments.table, Qt.Key.Key_Delete)
    assert [p.file.filename for p in page.attachments.pending] == ["statement.pdf"]


def test_storing_fails_the_case_stands_and_retry_works(qtbot: QtBot, page: IntakePage, counter: Counter,
                                                        scans: list[Path], monkeypatch: pytest.MonkeyPatch,
                                                        message_boxes: list[Shown]) -> None:
    real = save_flow.add_attachments
    calls: list[int] = []

    def flaky(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseUnavailableError("The database cannot be reached: connection reset")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(save_flow, "add_attachments", flaky)
    page.attachments.add_paths(scans)
    fill_valid(page)
    with qtbot.waitSignal(page.sig_saved, timeout=10_000) as saved:
        page.save_button.click()
    assert "The attachments could not be stored: The database cannot be reached" in page.result_banner.text()
    assert page.retry_button.isVisible()
    assert list_attachments(local_db(counter.ctx), counter.clerk, saved.args[0]) == []
    page.retry_button.click()
    qtbot.waitUntil(lambda: not page.retry_button.isVisible(), timeout=10_000)
    assert "2 attachment(s) stored." in page.result_banner.text()
    assert len(list_attachments(local_db(counter.ctx), counter.clerk, saved.args[0])) == 2
    assert message_boxes == []  # a user error is told in the banner, not in a box
