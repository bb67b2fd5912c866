"""The intake form driven through its real widgets: inline errors, saving with Ctrl+S, what lands in the
database, service errors next to their field, keyboard flow, group representatives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from gui_support import SetUp, Shown, local_db
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, update

from desk_app.db.models import Complaint, TaxonomyCode
from desk_app.domain.enums import Channel, PartyRole, Severity, SpecialFlag, Status
from desk_app.services.complaints import get_complaint
from desk_app.services.personal_data import reveal_customer
from tests.support.intake import BAD_CHECKSUM_ID, PHONE, VALID_ID, Counter, fill_valid, make_counter, open_page
from ui.intake.intake_page import IntakePage


@pytest.fixture
def counter(set_up: SetUp) -> Counter:
    return make_counter(set_up.db, set_up.admin)


@pytest.fixture
def page(qtbot: QtBot, counter: Counter, tmp_path: Path) -> IntakePage:
    return open_page(qtbot, counter, tmp_path / "drafts")


def _cases(counter: Counter) -> int:
    with local_db(counter.ctx).unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Complaint)) or 0


def _ctrl_s(qtbot: QtBot, page: IntakePage, target: QWidget) -> None:
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page.window())
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_errors_show_inline_nothing_is_saved_and_input_is_kept(qtbot: QtBot, page: IntakePage,
                                                               counter: Counter) -> None:
    fill_valid(page)
    page.customer.id_number.setText(BAD_CHECKSUM_ID)
    page.facts.what.setPlainText("")
    page.request.claimed.setText("12.345")
    page.recusal.setChecked(False)
    _ctrl_s(qtbot, page, page.customer.name)

    assert "check digit" in page.fields["customer.id_number"].error.text()
    assert page.fields["customer.id_number"].error.isVisible()
    assert page.fields["facts_what"].error.text() == "Describe the disputed facts (what happened)."
    assert "two decimal places" in page.fields["claimed_amount"].error.text()
    assert "personal interest" in page.fields["recusal"].error.text()
    assert "4 field(s) need attention" in page.error_banner.text()
    assert not page.fields["customer.name"].error.isVisible()
    assert QApplication.focusWidget() is page.customer.id_number  # the first field in error
    assert _cases(counter) == 0
    # every typed value is still there
    assert page.customer.name.text() == "王芳"
    assert page.customer.id_number.text() == BAD_CHECKSUM_ID
    assert page.request.claimed.text() == "12.345"
    assert page.request.text.toPlainText() == "要求退还被盗刷款项"


def test_fix_and_save_with_ctrl_s(qtbot: QtBot, page: IntakePage, counter: Counter) -> None:
    fill_valid(page)
    page.customer.id_number.setText(BAD_CHECKSUM_ID)
    page.save_button.click()
    assert page.fields["customer.id_number"].error.text()

    page.customer.id_number.setText(VALID_ID.lower())  # a lower-case x is fine
    page.facts.when.set_date(date(2026, 1, 15))
    page.classification.channel.set_value(Channel.HOTLINE)
    page.classification.severity.set_value(Severity.SERIOUS)
    page.classification.flags[SpecialFlag.MEDIA].setChecked(True)
    page.request.kinds["apology"].setChecked(True)
    with qtbot.waitSignal(page.sig_saved, timeout=10_000) as saved:
        _ctrl_s(qtbot, page, page.facts.where)

    case = get_complaint(local_db(counter.ctx), counter.clerk, saved.args[0])
    assert case.id == page.last_saved.id  # type: ignore[union-attr]
    assert case.status is Status.REGISTERED
    customer = reveal_customer(local_db(counter.ctx), counter.clerk, case.id)
    assert (customer.name, customer.id_number, customer.phone) == ("王芳", VALID_ID, PHONE)
    assert customer.address == "北京市朝阳区建国路88号"
    assert (case.channel, case.severity, case.flags) == (Channel.HOTLINE, Severity.SERIOUS,
                                                         frozenset({SpecialFlag.MEDIA}))
    assert (case.axis_a, case.axis_b, case.axis_c, case.axis_d) == ("A01", "B0302", "C09", None)
    assert case.facts_what == "客户反映信用卡出现一笔未授权境外消费3,200.00元"
    assert (case.facts_when, case.facts_where, case.facts_amount) == (date(2026, 1, 15), "建国路支行营业厅",
                                                                      Decimal("3200.00"))
    assert case.respondent == "信用卡中心"
    assert case.request_kinds == ("refund", "apology")  # in the list's order
    assert case.request_text == "要求退还被盗刷款项" and case.claimed_amount == Decimal("3200.00")
    assert case.recusal_declared and case.escalated and case.parties == ()

    banner = page.result_banner.text()
    assert page.result_banner.isVisible()
    assert f"Registered as case {case.case_number}." in banner
    assert f"Statutory due date: {case.due_on.isoformat()}; rules: " in banner
    assert "escalated to a supervisor" in banner
    # the form is ready for the next customer; the channel stays
    assert page.customer.name.text() == "" and page.facts.what.toPlainText() == ""
    assert not page.recusal.isChecked()
    assert page.classification.channel.value() is Channel.HOTLINE
    assert not page.drafts.exists()


def test_a_service_error_with_a_field_is_shown_next_to_it(qtbot: QtBot, page: IntakePage,
                                                          counter: Counter) -> None:
    fill_valid(page)
    # HQ retires the code after the form loaded its lists: only the service can notice
    with local_db(counter.ctx).unit_of_work() as session:
        session.execute(update(TaxonomyCode).where(TaxonomyCode.code == "C09").values(active=False))
    page.save_button.click()
    error = page.fields["axis_c"].error
    qtbot.waitUntil(lambda: bool(error.text()), timeout=10_000)
    assert "C09" in error.text() and "retired" in error.text()
    assert page.error_banner.isVisible() and "nothing was saved" in page.error_banner.text()
    assert page.save_button.isEnabled() and not page.saving
    assert page.classification.pickers["C"].code() == "C09"  # still as typed
    assert _cases(counter) == 0


def test_an_unexpected_error_is_presented_and_the_input_kept(qtbot: QtBot, page: IntakePage, counter: Counter,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             message_boxes: list[Shown]) -> None:
    from ui.intake import save_flow

    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(save_flow, "register_complaint", broken)
    fill_valid(page)
    page.save_button.click()
    qtbot.waitUntil(lambda: bool(message_boxes), timeout=10_000)
    assert "disk on fire" in message_boxes[-1].informative
    assert "your input is kept" in page.error_banner.text()
    assert page.customer.name.text() == "王芳"


def test_organisation_agent_and_group_representatives(qtbot: QtBot, page: IntakePage, counter: Counter) -> None:
    from desk_app.domain.enums import CustomerKind

    fill_valid(page)
    page.customer.kind.set_value(CustomerKind.ORGANISATION)
    assert page.customer.contact.isVisible() and page.customer.legal_rep.isVisible()
    assert page.customer.labels["customer.name"].text() == "Organisation &name:"
    page.customer.name.setText("北京某某贸易有限公司")
    page.customer.id_number.setText("91110105MA01ABCD2X")
    page.save_button.click()
    assert page.fields["customer.contact_person"].error.text() == "An organisation needs a contact person."
    page.customer.contact.setText("赵经理")
    page.customer.legal_rep.setText("赵某")

    page.agent.has_agent.setChecked(True)
    page.agent.name.setText("钱律师")
    page.save_button.click()
    assert "authorisation" in page.fields["agent.authorisation"].error.text()
    page.agent.authorisation.setPlainText("委托钱律师代为办理信用卡争议投诉，2026年3月1日签署")

    page.classification.flags[SpecialFlag.GROUP].setChecked(True)
    assert page.representatives.isVisible() and len(page.representatives.rows) == 1
    for _i in range(4):
        page.representatives.add_button.click()
    assert len(page.representatives.rows) == 5 and not page.representatives.add_button.isEnabled()
    for i, row in enumerate(page.representatives.rows):
        row.name.setText(f"代表{i + 1}")
    page.representatives.rows[1].id_number.setText(BAD_CHECKSUM_ID)
    page.save_button.click()
    assert page.fields["parties"].error.text().startswith("Representative 2: ")
    page.representatives.remove_row(page.representatives.rows[1])
    with qtbot.waitSignal(page.sig_saved, timeout=10_000) as saved:
        page.save_button.click()
    case = get_complaint(local_db(counter.ctx), counter.clerk, saved.args[0])
    assert case.customer.kind is CustomerKind.ORGANISATION and case.customer.id_type == "credit_code"
    assert [(p.role, p.name) for p in case.parties] == [
        (PartyRole.AGENT, "钱律师"), *[(PartyRole.REPRESENTATIVE, f"代表{i}") for i in (1, 3, 4, 5)]]
    assert case.parties[0].authorisation.startswith("委托钱律师")


def test_market_regulation_cap_and_insurance_axis(qtbot: QtBot, set_up: SetUp, tmp_path: Path) -> None:
    counter = make_counter(set_up.db, set_up.admin, institution_type="insurer", cap=2)
    page = open_page(qtbot, counter, tmp_path)
    assert page.classification.pickers["D"].isVisible()
    page.classification.flags[SpecialFlag.GROUP].setChecked(True)
    page.representatives.add_button.click()
    assert len(page.representatives.rows) == 2 and not page.representatives.add_button.isEnabled()
    assert "at most 2 representatives" in page.representatives.note.text()
    fill_valid(page)
    page.classification.pickers["D"].set_text("理赔")
    assert page.classification.pickers["D"].code() == "D02"
    for i, row in enumerate(page.representatives.rows):
        row.name.setText(f"代表{i + 1}")
    with qtbot.waitSignal(page.sig_saved, timeout=10_000) as saved:
        page.save_button.click()
    assert get_complaint(local_db(counter.ctx), counter.clerk, saved.args[0]).axis_d == "D02"


def test_code_picker_searches_codes_and_names(page: IntakePage) -> None:
    picker = page.classification.pickers["B"]
    picker.set_text("b0302")
    assert picker.code() == "B0302" and picker.text().startswith("B0302 ")
    picker.set_text("信用卡")
    assert picker.code() == "B0302"
    picker.set_text("卡")  # 银行卡, 借记卡, 信用卡…: not one code
    assert picker.code() is None and picker.text() == "卡"
    page.save_button.click()
    assert "names no single code" in page.fields["axis_b"].error.text()
    picker.set_text("银行卡")  # the parent name matches its children too: ambiguous
    assert picker.code() is None
    picker.set_text("B03")
    assert picker.code() == "B03"
    # the list shows codes, with the parent after each child
    texts = [picker.list_model.item(r).text() for r in range(picker.list_model.rowCount())]
    assert "B03 Bank cards" in texts and any(t.strip().startswith("B0302 ") and "Bank cards" in t for t in texts)


def test_keyboard_flow_buddies_and_accessible_names(qtbot: QtBot, page: IntakePage) -> None:
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page.window())
    page.customer.name.setFocus()
    qtbot.keyClick(page.customer.name, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is page.customer.id_number  # Enter advances like Tab
    qtbot.keyClick(page.customer.id_number, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.customer.id_type
    page.facts.what.setFocus()
    qtbot.keyClick(page.facts.what, Qt.Key.Key_Return)  # a new line in the multi-line text
    assert QApplication.focusWidget() is page.facts.what
    # every label with a mnemonic has a buddy, and every input a name for screen readers
    for label in page.findChildren(QLabel):
        if "&" in label.text():
            assert label.buddy() is not None, label.text()
    for field in page.fields.values():
        assert field.focus.accessibleName(), field.key
    mnemonics = [label.text().split("&")[1][0].lower() for label in page.findChildren(QLabel)
                 if "&" in label.text() and label.isVisible()]
    mnemonics += [b.text().split("&")[1][0].lower() for b in (page.save_button, page.recusal,
                                                              page.customer.lookup_button,
                                                              page.attachments.add_button)]
    assert len(mnemonics) == len(set(mnemonics)), sorted(mnemonics)
    assert not {"f", "v", "h"} & set(mnemonics)  # the menu bar's File, View, Help


def test_retranslate_switches_every_text(qtbot: QtBot, page: IntakePage) -> None:
    from desk_app import i18n

    i18n.set_language("zh_CN")
    page.retranslate_ui()
    assert page.classification.channel.itemText(0) == Channel.COUNTER.label != "Counter"
    i18n.set_language("en")
    page.retranslate_ui()
    assert page.customer.labels["customer.phone"].text() == "&Phone:"
    assert page.classification.channel.itemText(0) == "Counter"


def test_f4_browses_the_tree_and_enter_picks_the_first_match(qtbot: QtBot, page: IntakePage,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QDialog

    from ui.intake.code_picker import CodeTreeDialog

    picker = page.classification.pickers["B"]
    seen: list[CodeTreeDialog] = []

    def run(dialog: CodeTreeDialog) -> int:
        seen.append(dialog)
        qtbot.keyClick(dialog.filter_edit, Qt.Key.Key_Return)  # the typed text is already the filter
        return int(QDialog.DialogCode.Accepted.value) if dialog.chosen else 0

    monkeypatch.setattr(CodeTreeDialog, "exec", run)
    picker.edit.setText("信用")
    picker.edit.setFocus()
    qtbot.keyClick(picker.edit, Qt.Key.Key_F4)
    assert seen and seen[0].filter_edit.text() == "信用"
    root = seen[0].proxy.index(0, 0)
    assert root.data() == "B03 Bank cards"  # the parent stays visible around its matching child
    assert picker.code() == "B0302"


def test_receipt_time_is_the_first_keystroke_unless_the_clerk_sets_it(page: IntakePage) -> None:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from PySide6.QtCore import QDateTime, QTime

    classification = page.classification
    classification.set_received(datetime.now(UTC) - timedelta(hours=3))  # the form has been open a while
    page.customer.name.setText("李雷")  # the customer arrives
    assert abs(classification.received_at() - datetime.now(UTC)) < timedelta(minutes=2)
    assert not classification.received_touched

    earlier = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=2)).replace(second=0, microsecond=0)
    classification.received.setDateTime(QDateTime(QDate(earlier.year, earlier.month, earlier.day),
                                                  QTime(earlier.hour, earlier.minute)))
    assert classification.received_touched  # a letter that came in two days ago
    page.customer.phone.setText(PHONE)
    assert classification.received_at() == earlier.astimezone(UTC)
