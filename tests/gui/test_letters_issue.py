"""The issue/correct form and a case's letters panel, driven like a handler would."""

from __future__ import annotations

import pytest
from gui_support import SetUp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox, QPlainTextEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from desk_app.db.models import Complaint
from desk_app.domain.actor import Actor
from desk_app.domain.enums import LetterKind, Role
from desk_app.services import letters
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail
from tests.documents.pdf_tools import flat_text
from tests.gui.keyboard import CTRL, choose, key, mnemonic, replace_text, type_text
from tests.gui.remote_support import when_shown
from tests.support.intake import Counter
from tests.support.letter_printing import letter_counter
from tests.support.staff import draft
from ui.letters.actions import offer_receipt
from ui.letters.case_letters import CaseLettersWidget, DeliveryDialog
from ui.letters.issue_dialog import IssueLetterDialog
from ui.letters.preview_dialog import LetterPreviewDialog
from ui.tasks import db_pool


def _handler(set_up: SetUp) -> Actor:
    create_user(set_up.db, set_up.admin, username="handler", display_name="经办人老张", password="casework2026!",
                role=Role.HANDLER, must_change_password=False)
    return authenticate(set_up.db, "handler", "casework2026!")


def _case_at_act(set_up: SetUp, counter: Counter) -> ComplaintDetail:
    case = register_complaint(set_up.db, counter.clerk, draft())
    with set_up.db.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case.id).values(status="in_progress", stage="act"))
    return case


def _type(dialog: IssueLetterDialog, name: str, text: str) -> None:
    """Chinese text as an input method would commit it (QTest key clicks cannot type CJK characters)."""
    widget = dialog.widgets[name]
    widget.setFocus()
    if isinstance(widget, QPlainTextEdit):
        widget.insertPlainText(text)
    else:
        assert isinstance(widget, QLineEdit)
        widget.insert(text)


def test_decision_letter_form_refuses_missing_elements_then_issues(qtbot: QtBot, set_up: SetUp) -> None:
    counter = letter_counter(set_up.db, set_up.admin)
    handler = _handler(set_up)
    case = _case_at_act(set_up, counter)
    dialog = IssueLetterDialog(counter.ctx, handler, case.id, LetterKind.DECISION)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.prefilled, timeout=10_000)
    assert dialog.windowTitle() == "Decision letter"
    assert dialog.labels["verification"].buddy() is dialog.widgets["verification"]
    assert dialog.focusWidget() is dialog.widgets["verification"]  # the first element left to write
    dialog.issue_button.click()
    assert dialog.issued is None and dialog.isVisible()
    assert dialog.error.text().startswith("The decision letter cannot be issued. Missing: how the complaint was "
                                          "verified; the decision; the basis")
    assert dialog.focusWidget() is dialog.widgets["verification"]
    _type(dialog, "verification", "调取了交易授权记录和监控录像。")
    _type(dialog, "decision", "支持客户的投诉请求。")
    _type(dialog, "basis", "《信用卡领用合约》第十二条。")
    _type(dialog, "reasons", "该笔交易为伪卡交易。")
    dialog.remedy_box.setChecked(True)
    dialog.remedy_description.insert("退还被盗刷款项")
    dialog.issue_button.click()
    assert "the amount of the remedy" in dialog.error.text() and dialog.focusWidget() is dialog.remedy_amount
    qtbot.keyClicks(dialog.remedy_amount, "3,200")
    dialog.issue_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.issued is not None
    assert dialog.issued.number.startswith("BJ01-JD-")
    [issued] = letters.list_letters(set_up.db, handler, case.id)
    assert issued.id == dialog.issued.id and issued.kind is LetterKind.DECISION


def test_preview_shows_a_draft_and_stores_nothing(qtbot: QtBot, set_up: SetUp) -> None:
    counter = letter_counter(set_up.db, set_up.admin)
    case = register_complaint(set_up.db, counter.clerk, draft())
    dialog = IssueLetterDialog(counter.ctx, counter.clerk, case.id, LetterKind.RECEIPT)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.prefilled, timeout=10_000)
    dialog.preview_button.click()
    previews = dialog.findChildren(LetterPreviewDialog)
    assert len(previews) == 1 and previews[0].windowTitle() == "Acknowledgement receipt (draft)"
    assert previews[0].handed_button.isHidden()
    assert letters.list_letters(set_up.db, counter.clerk, case.id) == []


def test_panel_lists_corrects_and_records_delivery(qtbot: QtBot, set_up: SetUp,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    counter = letter_counter(set_up.db, set_up.admin)
    case = register_complaint(set_up.db, counter.clerk, draft())
    first = letters.issue_letter(set_up.db, counter.clerk, case.id, LetterKind.RECEIPT, letters.default_inputs(
        LetterKind.RECEIPT))
    panel = CaseLettersWidget(counter.ctx, counter.clerk, case.id)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.loaded, timeout=10_000)
    assert panel.table.rowCount() == 1 and panel.table.item(0, 0).text() == first.number
    assert [a.text() for a in panel.new_menu.actions()] == ["Acknowledgement receipt"]  # a clerk's kinds
    panel.table.selectRow(0)
    dialog = panel.correct_selected()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.prefilled, timeout=10_000)
    dialog.issue_button.click()
    assert dialog.error.text() == "Say why the letter is corrected."
    dialog.correction_edit.insert("材料清单遗漏")
    _type(dialog, "received_items", "投诉登记表")
    dialog.issue_button.click()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=10_000)
    assert panel.table.item(0, 5).text().startswith("Replaced by ")
    assert panel.table.item(1, 5).text() == "Current · correction of an earlier letter: 材料清单遗漏"
    panel.table.selectRow(0)
    assert not panel.correct_button.isEnabled() and not panel.deliver_button.isEnabled()
    panel.table.selectRow(1)
    monkeypatch.setattr(DeliveryDialog, "exec", lambda self: int(QDialog.DialogCode.Accepted.value))
    panel.deliver_button.click()
    qtbot.waitUntil(lambda: panel.table.item(1, 4) is not None and panel.table.item(1, 4).text() != "",
                    timeout=10_000)
    assert panel.table.item(1, 4).text().startswith("Handed over ")
    for widget in QApplication.topLevelWidgets():  # the previews opened after issuing
        if isinstance(widget, LetterPreviewDialog):
            widget.close()


SUGGESTED = "关于信用卡（消费者资金安全）的投诉。您要求退还被盗刷款项。"
REMARK = "客户情绪激动扬言要找媒体曝光"


def _receipt_dialog(qtbot: QtBot, set_up: SetUp, **kwargs: object) -> tuple[Counter, ComplaintDetail,
                                                                            IssueLetterDialog]:
    counter = letter_counter(set_up.db, set_up.admin)
    case = register_complaint(set_up.db, counter.clerk, draft(facts_what=f"客户反映信用卡被盗刷。柜员备注：{REMARK}"))
    dialog = IssueLetterDialog(counter.ctx, counter.clerk, case.id, LetterKind.RECEIPT, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.prefilled and QApplication.activeWindow() is dialog, timeout=10_000)
    return counter, case, dialog


def test_summary_is_suggested_for_the_customer_and_typed_over_from_the_keyboard(qtbot: QtBot,
                                                                                set_up: SetUp) -> None:
    counter, case, dialog = _receipt_dialog(qtbot, set_up)
    summary = dialog.widgets["summary"]
    assert isinstance(summary, QPlainTextEdit)
    assert summary.toPlainText() == SUGGESTED  # from the request and the classification, not the facts
    assert REMARK not in summary.toPlainText()
    assert dialog.labels["summary"].buddy() is summary and summary.accessibleName() == "Complaint summary"
    mnemonic(qtbot, "m")
    assert QApplication.focusWidget() is summary
    typed = "您反映信用卡在境外被盗刷3,200元，要求退款。"
    replace_text(qtbot, typed)
    assert summary.toPlainText() == typed
    mnemonic(qtbot, "i")
    qtbot.waitUntil(lambda: dialog.issued is not None, timeout=20_000)
    assert dialog.issued is not None and dialog.issued.complaint_summary == typed
    text = flat_text(letters.reprint(set_up.db, counter.clerk, dialog.issued.id))
    assert f"投诉事项{typed}" in text and REMARK not in text
    # a correction starts from what the letter said, not from a new suggestion
    correction = IssueLetterDialog(counter.ctx, counter.clerk, case.id, LetterKind.RECEIPT,
                                   correcting=dialog.issued)
    qtbot.addWidget(correction)
    qtbot.waitUntil(lambda: correction.prefilled, timeout=10_000)
    correction_summary = correction.widgets["summary"]
    assert isinstance(correction_summary, QPlainTextEdit) and correction_summary.toPlainText() == typed
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, LetterPreviewDialog):
            widget.close()


def test_choosing_english_suggests_the_summary_again_unless_it_was_edited(qtbot: QtBot, set_up: SetUp) -> None:
    _counter, _case, dialog = _receipt_dialog(qtbot, set_up)
    summary = dialog.widgets["summary"]
    assert isinstance(summary, QPlainTextEdit)
    mnemonic(qtbot, "l")
    choose(qtbot, dialog.language, "en")
    qtbot.waitUntil(lambda: summary.toPlainText().startswith("Complaint about credit cards"), timeout=10_000)
    mnemonic(qtbot, "m")
    key(qtbot, Qt.Key.Key_End, CTRL)
    type_text(qtbot, " Card replaced.")
    mnemonic(qtbot, "l")
    choose(qtbot, dialog.language, "zh_CN")
    assert db_pool().waitForDone(10_000)  # any suggestion asked for has been answered
    QApplication.processEvents()
    assert summary.toPlainText().endswith(" Card replaced."), "the user's own words are kept"


def test_after_intake_the_clerk_can_check_the_receipts_wording_first(qtbot: QtBot, set_up: SetUp,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "exec", QDialog.exec)  # this prompt is answered from the keyboard
    counter = letter_counter(set_up.db, set_up.admin)
    case = register_complaint(set_up.db, counter.clerk, draft(facts_what=f"客户反映信用卡被盗刷。柜员备注：{REMARK}"))
    typed = "您反映信用卡被盗刷，要求退款。"
    forms: list[IssueLetterDialog] = []

    def in_the_form(form: IssueLetterDialog) -> None:
        forms.append(form)
        qtbot.waitUntil(lambda: form.prefilled, timeout=10_000)
        assert form.widgets["summary"].toPlainText() == SUGGESTED  # type: ignore[attr-defined]
        mnemonic(qtbot, "m")
        replace_text(qtbot, typed)
        mnemonic(qtbot, "i")

    def at_the_prompt(box: QMessageBox) -> None:
        when_shown(IssueLetterDialog, in_the_form)
        mnemonic(qtbot, "w")

    when_shown(QMessageBox, at_the_prompt)
    preview = offer_receipt(None, counter.ctx, counter.clerk, case.id, case_number=case.case_number)
    assert forms and preview is not None and preview.letter is not None
    assert preview.letter.complaint_summary == typed
    assert f"投诉事项{typed}" in flat_text(letters.reprint(set_up.db, counter.clerk, preview.letter.id))
    preview.close()
