"""Customer look-up on the intake form: earlier complaints, the repeat warning, reusing the record."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from gui_support import SetUp, local_db
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, update

from desk_app.db.models import AuditEntry, Branch, Complaint, Customer
from desk_app.db.types import utcnow
from desk_app.domain.enums import Status
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.customers import REPEAT_WINDOW_DAYS
from desk_app.services.dto import CustomerDraft
from tests.support.intake import PHONE, VALID_ID, Counter, fill_valid, make_counter, open_page
from tests.support.staff import draft
from ui.intake.intake_page import IntakePage

WANG = CustomerDraft(name="王芳", id_number=VALID_ID, phone=PHONE, address="北京市朝阳区建国路88号",
                     email="wangfang@example.com")


@pytest.fixture
def counter(set_up: SetUp) -> Counter:
    return make_counter(set_up.db, set_up.admin)


@pytest.fixture
def page(qtbot: QtBot, counter: Counter, tmp_path: Path) -> IntakePage:
    return open_page(qtbot, counter, tmp_path / "drafts")


def _type_phone_and_leave(qtbot: QtBot, page: IntakePage, phone: str) -> None:
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page.window())
    page.customer.phone.setFocus()
    qtbot.keyClicks(page.customer.phone, phone)
    qtbot.keyClick(page.customer.phone, Qt.Key.Key_Return)  # Enter moves on; leaving the field looks up
    qtbot.waitUntil(lambda: bool(page.lookup_panel.found) or "first complaint" in page.lookup_panel.status.text(),
                    timeout=10_000)


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None
    return item.text()


def _audit_count(counter: Counter) -> int:
    with local_db(counter.ctx).unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_known_phone_shows_earlier_complaints_and_the_repeat_warning(qtbot: QtBot, page: IntakePage,
                                                                     counter: Counter) -> None:
    earlier = register_complaint(local_db(counter.ctx), counter.clerk, draft(customer=WANG))
    _type_phone_and_leave(qtbot, page, "138 1234 5678")

    panel = page.lookup_panel
    assert panel.isVisible() and len(panel.found) == 1
    assert panel.warning.isVisible()
    warning = panel.warning.text()
    assert warning.startswith(
        "Repeat complaint: 王芳 has 1 earlier complaint(s) in the last 180 days and 1 still open.")
    assert earlier.case_number in warning
    assert _cell(panel.matches, 0, 0) == "王芳  ⚠ repeat"
    assert _cell(panel.matches, 0, 1) == "1101**********002X"  # masked in the list
    assert panel.complaints.rowCount() == 1
    assert _cell(panel.complaints, 0, 0) == earlier.case_number
    assert _cell(panel.complaints, 0, 2) == "Registered (open)"
    assert "1 customer(s) found" in panel.status.text()
    assert page.customer.name.text() == ""  # nothing is filled until the clerk picks the match


def test_using_the_match_fills_the_fields_and_reuses_the_record(qtbot: QtBot, page: IntakePage,
                                                                counter: Counter) -> None:
    earlier = register_complaint(local_db(counter.ctx), counter.clerk, draft(customer=WANG))
    _type_phone_and_leave(qtbot, page, PHONE)
    audits = _audit_count(counter)
    page.lookup_panel.use_button.click()
    qtbot.waitUntil(lambda: page.customer.name.text() == "王芳", timeout=10_000)
    assert page.customer.id_number.text() == VALID_ID  # unmasked once picked…
    assert page.customer.address.text() == "北京市朝阳区建国路88号"
    assert page.customer.email.text() == "wangfang@example.com"
    assert _audit_count(counter) == audits + 1  # …and that view is audited
    assert "Using the existing record of 王芳" in page.lookup_panel.status.text()
    assert page.lookup_panel.warning.isVisible()  # the warning stays while the form is filled

    fill_valid(page)  # sets the same customer values again, so the record is reused as is
    built = page.build_draft()
    assert built.customer_id == earlier.customer.id and built.customer is None
    with qtbot.waitSignal(page.sig_saved, timeout=10_000) as saved:
        page.save_button.click()
    case = get_complaint(local_db(counter.ctx), counter.clerk, saved.args[0])
    assert case.customer.id == earlier.customer.id


def test_a_correction_after_picking_is_saved_on_the_same_customer(qtbot: QtBot, page: IntakePage,
                                                                  counter: Counter) -> None:
    earlier = register_complaint(local_db(counter.ctx), counter.clerk, draft(customer=WANG))
    _type_phone_and_leave(qtbot, page, PHONE)
    page.lookup_panel.use_button.click()
    qtbot.waitUntil(lambda: page.customer.name.text() == "王芳", timeout=10_000)
    fill_valid(page)
    page.customer.address.setText("北京市海淀区中关村大街1号")  # moved house
    built = page.build_draft()
    assert built.customer_id is None and built.customer is not None
    with qtbot.waitSignal(page.sig_saved, timeout=10_000):
        page.save_button.click()
    with local_db(counter.ctx).unit_of_work() as session:
        customers = session.scalars(select(Customer)).all()
        assert [c.id for c in customers] == [earlier.customer.id]
        assert customers[0].address == "北京市海淀区中关村大街1号"


def test_an_old_closed_complaint_is_shown_without_the_warning(qtbot: QtBot, page: IntakePage,
                                                              counter: Counter) -> None:
    old = register_complaint(local_db(counter.ctx), counter.clerk, draft(
        customer=WANG, received_at=utcnow() - timedelta(days=REPEAT_WINDOW_DAYS + 30)))
    with local_db(counter.ctx).unit_of_work() as session:
        session.execute(update(Complaint).values(status=Status.CLOSED.value))
    _type_phone_and_leave(qtbot, page, PHONE)
    assert len(page.lookup_panel.found) == 1
    assert not page.lookup_panel.warning.isVisible()
    assert _cell(page.lookup_panel.complaints, 0, 0) == old.case_number


def test_a_new_customer_is_a_first_complaint(qtbot: QtBot, page: IntakePage) -> None:
    _type_phone_and_leave(qtbot, page, "13900001111")
    assert page.lookup_panel.found == []
    assert page.lookup_panel.status.text() == "No customer with this phone or ID number: a first complaint."
    assert not page.lookup_panel.warning.isVisible() and not page.lookup_panel.matches.isVisible()


def test_look_up_button_with_nothing_typed_says_so(page: IntakePage) -> None:
    page.customer.lookup_button.click()
    assert page.fields["customer.phone"].error.text() == "Type a phone or ID number to look up."


def test_look_up_by_id_number(qtbot: QtBot, page: IntakePage, counter: Counter) -> None:
    register_complaint(local_db(counter.ctx), counter.clerk, draft(customer=WANG))
    page.customer.id_number.setText(VALID_ID)
    page.customer.lookup_button.click()
    qtbot.waitUntil(lambda: bool(page.lookup_panel.found), timeout=10_000)
    assert page.lookup_panel.found[0].matched_on == {"id_number"}
    assert QApplication.focusWidget() in (page.lookup_panel.matches, None)


def test_a_customer_known_only_at_another_branch_shows_nothing_personal(qtbot: QtBot, page: IntakePage,
                                                                        counter: Counter) -> None:
    db = local_db(counter.ctx)
    earlier = register_complaint(db, counter.clerk, draft(customer=WANG))
    with db.unit_of_work() as session:  # the case belongs to another branch of the network
        other = Branch(code="GZ01", name="广州分行", institution_type="bank", regime="banking_insurance")
        session.add(other)
        session.flush()
        session.execute(update(Complaint).where(Complaint.id == earlier.id).values(branch_id=other.id))
    _type_phone_and_leave(qtbot, page, PHONE)
    panel = page.lookup_panel
    assert _cell(panel.matches, 0, 0) == "Known at another branch (1 cases)"
    assert [_cell(panel.matches, 0, c) for c in (1, 2)] == ["", ""]
    assert "known only at another branch" in panel.complaints_label.text()
    assert not panel.use_button.isEnabled()
    assert page.customer.name.text() == "" and "王芳" not in panel.status.text() + panel.warning.text()
