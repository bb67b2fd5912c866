"""The audit log page: filtering by user, case, action and dates, paging, the readable details, and the
"Verify chain" button finding a row changed behind the application's back."""

from __future__ import annotations

from datetime import date

import pytest
from gui_support import SetUp
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.services.accounts import authenticate, create_user, list_users, update_user
from desk_app.services.complaints import register_complaint
from desk_app.services.personal_data import reveal_customer
from tests.support.passwords import PASSWORD
from tests.support.staff import draft
from ui.admin import audit_page as audit_module
from ui.admin.audit_page import AuditLogPage
from ui.context import AppContext


def _actor(set_up: SetUp, login: str, role: Role) -> Actor:
    admin = set_up.headquarters_admin() if role is Role.HQ_ANALYST else set_up.admin
    create_user(set_up.db, admin, username=login, display_name=login.title(), password=PASSWORD, role=role,
                branch_id=set_up.admin.branch_id, must_change_password=False)
    return authenticate(set_up.db, login, PASSWORD)


def open_page(qtbot: QtBot, set_up: SetUp, actor: Actor | None = None) -> AuditLogPage:
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    page = AuditLogPage(ctx, actor or set_up.admin)
    qtbot.addWidget(page)
    page.resize(1180, 700)
    page.show()
    page.refresh()
    wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: page.user_combo.count() > 1, timeout=10_000)
    return page


def wait_loaded(qtbot: QtBot, page: AuditLogPage) -> None:
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)


def test_filters_by_user_and_action(qtbot: QtBot, set_up: SetUp) -> None:
    second = _actor(set_up, "admin2", Role.ADMINISTRATOR)
    admin2 = next(u for u in list_users(set_up.db) if u.username == "admin2")
    _actor(set_up, "clerk", Role.COUNTER_CLERK)
    clerk_id = next(u.id for u in list_users(set_up.db) if u.username == "clerk")
    update_user(set_up.db, second, clerk_id, display_name="李柜员")
    page = open_page(qtbot, set_up)
    everyone = page.entries()
    assert {e.user_name for e in everyone} == {"王管理", "Admin2", "李柜员"}  # the clerk signed in
    assert everyone[0].user_name == "Admin2"                       # newest first
    assert page.count_label.text() == f"{len(everyone)} entries"

    assert page.set_user_filter(admin2.id)
    wait_loaded(qtbot, page)
    assert [(e.user_name, e.action) for e in page.entries()] == [("Admin2", "user_changed"), ("Admin2", "sign_in")]
    details = page.model.index(0, page.model.column_of("details")).data()
    assert details == "User changed; user: clerk; name: Clerk → 李柜员"
    assert page.model.index(0, page.model.column_of("action")).data() == "Account changed"
    time_text = page.model.index(0, page.model.column_of("time")).data()
    assert len(time_text) == 19 and time_text[4] == "-" and time_text[13] == ":"   # 2026-11-23 10:15:00

    page.set_user_filter(None)
    page.action_combo.setCurrentIndex(page.action_combo.findData("export"))
    wait_loaded(qtbot, page)
    assert page.entries() == [] and page.count_label.text() == "0 entries"


def test_filters_by_case_number_and_dates(qtbot: QtBot, set_up: SetUp) -> None:
    clerk = _actor(set_up, "clerk", Role.COUNTER_CLERK)
    handler = _actor(set_up, "handler", Role.HANDLER)
    first = register_complaint(set_up.db, clerk, draft())
    second = register_complaint(set_up.db, clerk, draft())
    reveal_customer(set_up.db, handler, first.id, purpose="回访")
    reveal_customer(set_up.db, handler, second.id, purpose="核实")
    page = open_page(qtbot, set_up)
    page.case_edit.setText(second.case_number[-4:].lower())       # part of the number is enough
    qtbot.waitUntil(lambda: [e.case_number for e in page.entries()] == [second.case_number], timeout=10_000)
    entry = page.entries()[0]
    assert entry.action == "view_personal_data" and entry.user_name == "Handler"
    assert "purpose: 核实" in page.model.index(0, page.model.column_of("details")).data()
    assert "13812345678" not in page.model.index(0, page.model.column_of("details")).data()

    page.case_edit.setText("")
    qtbot.waitUntil(lambda: len({e.case_number for e in page.entries()} - {""}) == 2, timeout=10_000)
    page.date_from.setDate(QDate(2020, 1, 1))
    page.date_to.setDate(QDate(2020, 1, 31))
    wait_loaded(qtbot, page)
    assert page.entries() == []
    filters = page.filters()
    assert filters["since"].date() == date(2020, 1, 1) and filters["until"].date() == date(2020, 2, 1)


def test_paging_loads_more(qtbot: QtBot, set_up: SetUp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "PAGE_SIZE", 3)
    clerk_id = _actor(set_up, "clerk", Role.COUNTER_CLERK).user_id
    for n in range(5):
        update_user(set_up.db, set_up.admin, clerk_id, display_name=f"Clerk {n}")
    page = open_page(qtbot, set_up)
    assert len(page.entries()) == 3 and page.more_available and page.more_button.isVisible()
    assert page.count_label.text() == "The newest 3 entries shown"
    page.more_button.click()
    wait_loaded(qtbot, page)
    seqs = [e.seq for e in page.entries()]
    assert len(seqs) == 6 and seqs == sorted(seqs, reverse=True)  # 1 create + 5 updates


def test_verify_chain_finds_a_tampered_row(qtbot: QtBot, set_up: SetUp) -> None:
    clerk_id = _actor(set_up, "clerk", Role.COUNTER_CLERK).user_id
    update_user(set_up.db, set_up.admin, clerk_id, display_name="Clerk 1")
    update_user(set_up.db, set_up.admin, clerk_id, display_name="Clerk 2")
    page = open_page(qtbot, set_up)
    page.verify_button.click()
    qtbot.waitUntil(lambda: not page.verifying, timeout=10_000)
    assert page.verify_result.text().startswith("✓ The audit log is intact")

    with set_up.db.engine.begin() as conn:                        # someone edits the log behind the app's back
        conn.execute(text("UPDATE audit_log SET action = 'export' WHERE seq = 2"))
    page.reload()
    wait_loaded(qtbot, page)
    page.verify_button.click()
    qtbot.waitUntil(lambda: not page.verifying, timeout=10_000)
    assert page.verify_result.text() == ("⚠ The audit log is broken at entry 2: its content was changed after it "
                                         "was written.")
    selected = page.selected_entry()
    assert selected is not None and selected.seq == 2             # the broken row is selected


def test_hq_analyst_may_read_the_log_but_a_clerk_gets_no_page(qtbot: QtBot, set_up: SetUp) -> None:
    from desk_app.errors import PermissionDeniedError
    from desk_app.services.audit import list_entries

    analyst = _actor(set_up, "analyst", Role.HQ_ANALYST)
    page = open_page(qtbot, set_up, analyst)
    assert page.scope.text() == "All branches" and page.entries()
    clerk = _actor(set_up, "clerk", Role.COUNTER_CLERK)
    with pytest.raises(PermissionDeniedError):
        list_entries(set_up.db, clerk)
