"""The legal reference page: searching, the law filter, the detail pane, the keyboard, the language, and
citing an article in a case (with the warning for an unverified one)."""

from __future__ import annotations

import pytest
from gui_support import SetUp, Shown, local_db
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desk_app.domain.actor import Actor
from desk_app.domain.enums import Stage
from desk_app.domain.workflow import Action
from desk_app.services import case_workflow as wf
from desk_app.services import handling, legal
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail
from tests.support.case_view import Desk, make_desk
from tests.support.staff import draft
from ui.help.help_browser import HelpWindow
from ui.i18n import LanguageSupport, switch_language
from ui.legal.article_model import ARTICLE_KEY_ROLE, ArticleModel, Column
from ui.legal.legal_page import LegalReferencePage


@pytest.fixture
def desk(set_up: SetUp) -> Desk:
    return make_desk(set_up.db, set_up.admin)


def open_page(qtbot: QtBot, desk: Desk, actor: Actor) -> LegalReferencePage:
    page = LegalReferencePage(desk.ctx, actor)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: page.reference is not None, timeout=10_000)
    return page


def in_progress(desk: Desk) -> ComplaintDetail:
    db = local_db(desk.ctx)
    case = register_complaint(db, desk.clerk, draft())
    case = wf.assign(db, desk.supervisor, case.id, case.version, desk.handler.user_id)
    return wf.perform(db, desk.handler, case.id, case.version, Action.START)


def shown_keys(page: LegalReferencePage) -> list[str]:
    return [page.model.index(r, 0).data(ARTICLE_KEY_ROLE) for r in range(page.model.rowCount())]


def test_the_page_lists_everything_then_searches_as_you_type(qtbot: QtBot, desk: Desk) -> None:
    page = open_page(qtbot, desk, desk.handler)
    total = page.model.rowCount()
    assert total == len(page.reference.articles) > 50  # type: ignore[union-attr]
    assert page.count_label.text() == f"{total} articles"
    assert not page.case_bar.isVisible()                      # no case: nothing to cite in

    page.search_edit.setText("回避")                          # setText: QTest.keyClicks aborts on Chinese
    assert shown_keys(page)[:2] == ["cbirc_complaints/17", "samr_complaints/19"]
    assert page.current_article().key == "cbirc_complaints/17"  # type: ignore[union-attr]
    detail = page.detail.toPlainText()
    assert "Recusal" in detail and "银行保险机构应当建立消费投诉处理回避制度" in detail  # English + the original
    assert "⚠" in detail and "Not verified" in detail

    for query, first in (("核查", "cbirc_complaints/20"), ("三年", "samr_complaints/15"), ("第39条", "cpl/39")):
        page.search_edit.setText(query)
        assert shown_keys(page)[0] == first

    page.search_edit.setText("纯属虚构的词语")
    assert page.model.rowCount() == 0 and page.count_label.text() == "0 articles"
    assert "No article matches" in page.detail.toPlainText()


def test_the_law_filter_and_the_table_columns(qtbot: QtBot, desk: Desk) -> None:
    page = open_page(qtbot, desk, desk.handler)
    assert page.law_combo.count() == 1 + len(page.reference.laws)  # type: ignore[union-attr]
    page.search("格式条款", law="civil_code")
    assert page.law_combo.currentData() == "civil_code"
    assert shown_keys(page) == ["civil_code/496", "civil_code/497", "civil_code/498"]
    model = page.model
    assert model.index(0, Column.LAW).data() == "Civil Code (contracts)"
    assert model.index(0, Column.ARTICLE).data() == "第四百九十六条"
    assert model.index(0, Column.TITLE).data() == "Standard terms: definition; duty to point out and explain"
    page.search("时限", law="pboc_fcp")
    assert model.index(0, Column.ARTICLE).data().endswith("⚠")
    assert "Not verified" in model.index(0, Column.ARTICLE).data(Qt.ItemDataRole.ToolTipRole)
    page.law_combo.setCurrentIndex(0)
    assert len(shown_keys(page)) > 1 and "cbirc_complaints/18" in shown_keys(page)


def test_the_model_passes_the_model_tester(qtmodeltester: object, desk: Desk, qtbot: QtBot) -> None:
    page = open_page(qtbot, desk, desk.handler)
    model = ArticleModel()
    model.set_articles(list(page.reference.articles[:10]))  # type: ignore[union-attr]
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_keyboard_search_and_results(qtbot: QtBot, desk: Desk) -> None:
    page = open_page(qtbot, desk, desk.handler)
    page.activateWindow()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is page.search_edit
    qtbot.keyClicks(page.search_edit, "withdrawal")
    assert shown_keys(page)[0] == "cbirc_complaints/15"
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is page.table
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    assert page.current_article() is not None


def test_texts_follow_the_language(qtbot: QtBot, desk: Desk, language_support: LanguageSupport) -> None:
    page = open_page(qtbot, desk, desk.handler)
    page.search("撤回")
    assert page.model.index(0, Column.TITLE).data() == "Withdrawal of a complaint"
    switch_language("zh_CN")
    try:
        assert page.model.index(0, Column.TITLE).data() == "撤回投诉"
        assert page.model.index(0, Column.LAW).data() == "银行业保险业消费投诉处理管理办法"
        assert page.detail.toPlainText().count("银行保险机构可以接受投诉人撤回消费投诉") == 1
    finally:
        switch_language("en")
    assert page.model.index(0, Column.TITLE).data() == "Withdrawal of a complaint"


def test_citing_in_a_case(qtbot: QtBot, desk: Desk) -> None:
    case = in_progress(desk)
    page = open_page(qtbot, desk, desk.handler)
    page.set_case(case.id, case.case_number)
    assert page.case_bar.isVisible() and case.case_number in page.case_label.text()
    page.search("第三十九条", law="cpl")
    assert page.cite_button.isEnabled()
    page.note_edit.setText("告知客户可申请调解")
    with qtbot.waitSignal(page.sig_cite, timeout=10_000) as signal:
        page.cite_button.click()
    assert signal.args == ["cpl/39"]
    assert page.note_edit.text() == "" and "《中华人民共和国消费者权益保护法》第三十九条" in page.cite_status.text()
    file = handling.case_file(local_db(desk.ctx), desk.handler, case.id)
    assert file.stage_records[Stage.ANALYSE]["basis"] == (
        "《中华人民共和国消费者权益保护法》第三十九条（消费争议的解决途径）：告知客户可申请调解")
    assert [c.article_key for c in legal.citations(local_db(desk.ctx), desk.handler, case.id)] == ["cpl/39"]

    page.set_case(None)
    assert not page.case_bar.isVisible() and not page.cite_button.isEnabled()


def test_an_unverified_article_asks_first(qtbot: QtBot, desk: Desk, message_boxes: list[Shown],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    case = in_progress(desk)
    page = open_page(qtbot, desk, desk.handler)
    page.set_case(case.id, case.case_number)
    page.search("时限", law="pboc_fcp")
    assert page.current_article().key == "pboc_fcp/time_limit"  # type: ignore[union-attr]

    monkeypatch.setattr(QMessageBox, "exec", lambda box: int(QMessageBox.StandardButton.Cancel.value))
    page.cite_current()
    assert legal.citations(local_db(desk.ctx), desk.handler, case.id) == []

    monkeypatch.undo()
    shown: list[str] = []

    def accept(box: QMessageBox) -> int:
        shown.append(box.text())
        return int(QMessageBox.StandardButton.Ok.value)

    monkeypatch.setattr(QMessageBox, "exec", accept)
    page.activateWindow()
    page.table.setFocus()
    with qtbot.waitSignal(page.sig_cite, timeout=10_000):
        qtbot.keyClick(page.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert shown and "has not been checked against the official text" in shown[0]
    [citation] = legal.citations(local_db(desk.ctx), desk.handler, case.id)
    assert citation.article_key == "pboc_fcp/time_limit" and not citation.verified


def test_a_refused_citation_is_shown(qtbot: QtBot, desk: Desk, message_boxes: list[Shown]) -> None:
    case = register_complaint(local_db(desk.ctx), desk.clerk, draft())          # registered, not in progress
    page = open_page(qtbot, desk, desk.handler)
    page.set_case(case.id)
    page.search("39", law="cpl")
    page.cite_current()
    qtbot.waitUntil(lambda: bool(message_boxes), timeout=10_000)
    assert "in progress" in message_boxes[0].text
    assert page.cite_button.isEnabled() and page.cite_status.text() == ""


def test_f1_opens_the_legal_section_of_the_guide(qtbot: QtBot, desk: Desk) -> None:
    page = open_page(qtbot, desk, desk.handler)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    page.search_edit.setFocus()
    qtbot.keyClick(page.search_edit, Qt.Key.Key_F1)
    guide = page.findChild(HelpWindow)
    assert isinstance(guide, HelpWindow) and guide.isVisible()
    assert guide.current_section == "legal" and "Citing in a case" in guide.browser.toPlainText()
    guide.close()
