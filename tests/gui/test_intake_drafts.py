"""Autosaved drafts on the intake form: written after changes and on focus loss, offered back after a
crash, never overwritten unseen, deleted after saving."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from gui_support import SetUp
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from desk_app.domain.enums import Channel, SpecialFlag
from desk_app.services.drafts import DraftStore
from tests.support.intake import BAD_CHECKSUM_ID, Counter, fill_valid, make_counter, open_page
from ui.intake.intake_page import IntakePage


@pytest.fixture
def counter(set_up: SetUp) -> Counter:
    return make_counter(set_up.db, set_up.admin)


def _store(tmp_path: Path) -> DraftStore:
    return DraftStore("clerk", tmp_path / "drafts")


def _fill_half(page: IntakePage, scan: Path) -> None:
    fill_valid(page)
    page.customer.id_number.setText(BAD_CHECKSUM_ID)  # drafts keep invalid input too
    page.facts.when.set_date(date(2026, 2, 3))
    page.classification.channel.set_value(Channel.LETTER)
    page.classification.flags[SpecialFlag.GROUP].setChecked(True)
    page.representatives.rows[0].name.setText("代表甲")
    page.agent.has_agent.setChecked(True)
    page.agent.name.setText("钱律师")
    page.attachments.add_paths([scan])


def test_autosave_then_crash_then_restore(qtbot: QtBot, counter: Counter, tmp_path: Path) -> None:
    scan = tmp_path / "身份证.jpg"
    scan.write_bytes(b"\xff\xd8 fake scan")
    page = open_page(qtbot, counter, tmp_path / "drafts")
    page.autosave_timer.setInterval(20)
    _fill_half(page, scan)
    qtbot.waitUntil(lambda: _store(tmp_path).exists() and not page.autosave_timer.isActive(), timeout=5_000)
    assert "Draft saved at" in page.draft_status.text()
    before = page.state()
    saved = json.loads(_store(tmp_path).path.read_text(encoding="utf-8"))
    assert saved["fields"]["customer"]["name"] == "王芳"

    # power cut: the program dies; nothing it would still write reaches the real draft file
    page.autosave_timer.stop()
    page.drafts = DraftStore("clerk", tmp_path / "dead-process")
    page.hide()

    again = open_page(qtbot, counter, tmp_path / "drafts")
    assert again.restore_banner.isVisible()
    assert "An unfinished complaint was saved at" in again.restore_banner.text()
    assert "(王芳)" in again.restore_banner.text()
    assert again.customer.name.text() == ""  # nothing filled until the clerk says so
    again.restore_button.click()
    assert not again.restore_banner.isVisible()
    assert again.state() == before
    assert again.customer.id_number.text() == BAD_CHECKSUM_ID
    assert again.representatives.isVisible() and again.representatives.rows[0].name.text() == "代表甲"
    assert again.agent.details.isVisible() and again.agent.name.text() == "钱律师"
    assert [p.file.filename for p in again.attachments.pending] == ["身份证.jpg"]
    assert again.classification.pickers["B"].code() == "B0302"
    assert again.facts.facts_when() == date(2026, 2, 3)

    # the restored complaint can be finished and saved; the draft is then gone
    again.customer.id_number.setText("11010519491231002X")
    again.agent.authorisation.setPlainText("委托钱律师代为投诉")
    with qtbot.waitSignal(again.sig_saved, timeout=10_000):
        again.save_button.click()
    assert not _store(tmp_path).exists()


def test_focus_leaving_the_form_saves_at_once(qtbot: QtBot, counter: Counter, tmp_path: Path) -> None:
    page = open_page(qtbot, counter, tmp_path / "drafts")
    page.autosave_timer.setInterval(60_000)
    outside = QLineEdit()
    qtbot.addWidget(outside)
    outside.show()
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page.window())
    page.customer.name.setFocus()
    page.customer.name.setText("李雷")
    assert not _store(tmp_path).exists()
    outside.activateWindow()
    outside.setFocus()
    qtbot.waitUntil(lambda: _store(tmp_path).exists(), timeout=5_000)
    draft = _store(tmp_path).load()
    assert draft is not None and draft.fields["customer"]["name"] == "李雷"


def test_a_pending_draft_is_never_overwritten_unseen(qtbot: QtBot, counter: Counter, tmp_path: Path) -> None:
    _store(tmp_path).save({"customer": {"name": "王芳"}, "facts": {"what": "旧的草稿"}})
    page = open_page(qtbot, counter, tmp_path / "drafts")
    page.autosave_timer.setInterval(10)
    assert page.restore_banner.isVisible()
    page.customer.name.setText("张三")
    qtbot.wait(100)  # a real clock on purpose: the 10 ms autosave timer fires several times and must not save
    page.save_draft()
    assert _store(tmp_path).load().fields["customer"]["name"] == "王芳"  # type: ignore[union-attr]
    page.save_button.click()  # saving waits for the clerk's decision
    assert "restore or discard" in page.error_banner.text()
    page.discard_button.click()
    # the decision is made: the current input is now what the draft holds
    assert _store(tmp_path).load().fields["customer"]["name"] == "张三"  # type: ignore[union-attr]
    assert page.customer.name.text() == "张三"


def test_discarding_deletes_the_draft(qtbot: QtBot, counter: Counter, tmp_path: Path) -> None:
    _store(tmp_path).save({"customer": {"name": "王芳"}})
    page = open_page(qtbot, counter, tmp_path / "drafts")
    page.discard_button.click()
    assert not page.restore_banner.isVisible()
    assert not _store(tmp_path).exists()
    assert page.customer.name.text() == ""


def test_a_blank_form_leaves_no_draft(qtbot: QtBot, counter: Counter, tmp_path: Path) -> None:
    page = open_page(qtbot, counter, tmp_path / "drafts")
    page.autosave_timer.setInterval(10)
    page.customer.name.setText("李雷")
    qtbot.waitUntil(lambda: _store(tmp_path).exists(), timeout=5_000)
    page.customer.name.setText("")
    qtbot.waitUntil(lambda: not _store(tmp_path).exists(), timeout=5_000)


def test_a_restored_draft_reports_files_that_are_gone(qtbot: QtBot, counter: Counter, tmp_path: Path) -> None:
    _store(tmp_path).save({"customer": {"name": "王芳"}, "attachments": [
        {"path": str(tmp_path / "gone.jpg"), "name": "gone.jpg", "sha256": "0" * 64, "description": ""}]})
    page = open_page(qtbot, counter, tmp_path / "drafts")
    page.restore_button.click()
    assert "gone.jpg" in page.fields["attachments"].error.text()
    assert page.attachments.pending == []


def test_an_empty_draft_file_is_not_offered(qtbot: QtBot, counter: Counter, tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.directory.mkdir(parents=True)
    store.path.write_text("{not json", encoding="utf-8")
    page = open_page(qtbot, counter, tmp_path / "drafts")
    assert not page.restore_banner.isVisible()
