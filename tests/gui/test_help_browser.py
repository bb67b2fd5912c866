"""The in-app user guide: both languages have every section, F1 opens the page's section in a non-modal
window (reused by the next F1), links move between sections, and the guide follows the language."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desk_app import i18n
from ui.help.help_browser import HelpWindow, help_sections, install_f1, section_for, show_help
from ui.i18n import LanguageSupport, switch_language

SECTIONS = ["overview", "intake", "case_list", "case_view", "letters", "reports", "portrait", "legal",
            "administration", "shortcuts", "practice"]


def page_with_f1(qtbot: QtBot, section: str) -> tuple[QWidget, QLineEdit]:
    window = QWidget()
    qtbot.addWidget(window)
    page = QWidget(window)
    edit = QLineEdit(page)
    QVBoxLayout(page).addWidget(edit)
    QVBoxLayout(window).addWidget(page)
    install_f1(page, section)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)   # shortcuts need the active window
    edit.setFocus()
    return window, edit


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_section_exists_in_both_languages(language: str) -> None:
    sections = help_sections(language)
    assert [s.id for s in sections] == SECTIONS
    assert all(s.path.parent.name == language for s in sections)     # no fallback needed today
    for section in sections:
        text = section.text()
        assert text.startswith(f"# {section.title}\n") and 300 < len(text) < 4000   # practical and short
        for target in re.findall(r"\]\(help:([a-z_]+)\)", text):
            assert target in SECTIONS, f"{section.path.name}: link to unknown section {target}"
    assert help_sections(language)[7].title == ("法律查询" if language == "zh_CN" else "Legal reference")


def test_f1_opens_the_section_of_the_page(qtbot: QtBot) -> None:
    window, edit = page_with_f1(qtbot, "intake")
    qtbot.keyClick(edit, Qt.Key.Key_F1)
    help_window = window.findChild(HelpWindow)
    assert isinstance(help_window, HelpWindow) and help_window.isVisible()
    assert help_window.current_section == "intake"
    assert help_window.isWindow() and not help_window.isModal()
    assert help_window.contents.count() == len(SECTIONS)
    assert help_window.contents.currentItem().text() == "Intake"
    assert "Find the customer" in help_window.browser.toPlainText()

    # F1 again (another page of the same window) brings the same window to that section.
    other = QWidget(window)
    install_f1(other, "shortcuts")
    again = show_help(other, "shortcuts")
    assert again is help_window and again.current_section == "shortcuts"
    assert "Ctrl+1" in again.browser.toPlainText()

    # Closing only hides it; Esc closes it.
    again.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is again)
    qtbot.keyClick(again.browser, Qt.Key.Key_Escape)
    assert not again.isVisible()
    assert show_help(edit, "legal") is help_window and help_window.isVisible()


def test_contents_and_links_move_between_sections(qtbot: QtBot) -> None:
    window, _edit = page_with_f1(qtbot, "overview")
    help_window = show_help(window, "overview")
    help_window.contents.setCurrentRow(SECTIONS.index("letters"))
    assert help_window.current_section == "letters"
    help_window.browser.anchorClicked.emit(QUrl("help:case_view"))
    assert help_window.current_section == "case_view"
    assert help_window.contents.currentRow() == SECTIONS.index("case_view")
    help_window.show_section("no_such_page")                       # an unknown id shows the first section
    assert help_window.current_section == "overview"


def test_section_for_finds_the_nearest_page(qtbot: QtBot) -> None:
    window, edit = page_with_f1(qtbot, "case_list")
    assert section_for(edit) == "case_list"                          # the edit's page has a section
    assert section_for(window) == "overview" and section_for(None, "shortcuts") == "shortcuts"


def test_the_guide_follows_the_language(qtbot: QtBot, language_support: LanguageSupport) -> None:
    _window, edit = page_with_f1(qtbot, "legal")
    help_window = show_help(edit, "legal")
    assert help_window.windowTitle() == "Help — Complaint Desk"
    assert "Citing in a case" in help_window.browser.toPlainText()
    switch_language("zh_CN")
    try:
        assert help_window.current_section == "legal"
        assert "在案件中引用" in help_window.browser.toPlainText()
        assert help_window.contents.item(0).text() == "概览与入门"
    finally:
        switch_language("en")
    assert "Citing in a case" in help_window.browser.toPlainText()


def test_a_missing_translation_falls_back_to_chinese(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    import ui.help.help_browser as hb

    root = Path(str(tmp_path))
    (root / "zh_CN").mkdir()
    (root / "en").mkdir()
    (root / "zh_CN" / "01-overview.md").write_text("# 概览\n\n正文", encoding="utf-8")
    (root / "zh_CN" / "02-intake.md").write_text("# 受理\n\n正文", encoding="utf-8")
    (root / "en" / "01-overview.md").write_text("# Overview\n\nText", encoding="utf-8")
    (root / "en" / "notes.md").write_text("# not a section", encoding="utf-8")
    monkeypatch.setattr(hb, "help_root", lambda: root)
    assert [(s.id, s.title) for s in help_sections("en")] == [("overview", "Overview"), ("intake", "受理")]


def test_help_without_a_parent_window(qtbot: QtBot) -> None:
    for window in QApplication.topLevelWidgets():
        if isinstance(window, HelpWindow):
            window.close()
    i18n.set_language("en")
    first = show_help(None, "reports")
    qtbot.addWidget(first)
    assert first.current_section == "reports" and "Statistics workbook" in first.browser.toPlainText()
