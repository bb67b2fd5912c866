"""The retention tab: the dry-run list first, anonymisation only after a confirmation, refusals shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gui_support import SetUp, Shown
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.db.models import Complaint, Customer
from desk_app.domain.enums import Status
from desk_app.services import demo
from desk_app.services.accounts import authenticate
from ui.admin.retention_tab import RetentionTab
from ui.context import AppContext


def _tab(qtbot: QtBot, set_up: SetUp, username: str = "admin") -> RetentionTab:
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url), retention_years=2), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    actor = set_up.admin if username == "admin" else authenticate(set_up.db, username, "demo2026")
    tab = RetentionTab(ctx, actor)
    qtbot.addWidget(tab)
    return tab


def _age_closed_cases(set_up: SetUp, n: int) -> set[str]:
    with set_up.db.unit_of_work() as session:
        old = list(session.scalars(select(Complaint).where(Complaint.status == Status.CLOSED.value)
                                   .order_by(Complaint.case_number).limit(n)))
        for case in old:
            case.closed_at = datetime(2022, 3, 1, tzinfo=UTC)
        return {case.case_number for case in old}


def _anonymised(set_up: SetUp) -> int:
    with set_up.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Customer).where(Customer.anonymised.is_(True))) or 0


def test_list_then_confirm_then_anonymise(qtbot: QtBot, set_up: SetUp, monkeypatch: pytest.MonkeyPatch) -> None:
    demo.generate_demo_data(set_up.db, 80, seed=4)
    numbers = _age_closed_cases(set_up, 4)
    tab = _tab(qtbot, set_up)
    assert tab.years.value() == 2 and not tab.apply_button.isEnabled()

    tab.list_button.click()
    cells = [[tab.table.item(r, c) for c in range(2)] for r in range(tab.table.rowCount())]
    assert {row[0].text() for row in cells if row[0] is not None} == numbers
    assert {row[1].text() for row in cells if row[1] is not None} == {"2022-03-01"}
    assert "4 closed cases are older than 2 years" in tab.summary.text()
    assert tab.apply_button.isEnabled() and _anonymised(set_up) == 0

    tab.apply_button.click()  # the conftest's message box answers OK, not Yes: nothing happens
    assert _anonymised(set_up) == 0

    monkeypatch.setattr(QMessageBox, "exec", lambda box: int(QMessageBox.StandardButton.Yes.value))
    tab.apply_button.click()
    assert 1 <= _anonymised(set_up) <= 4
    assert tab.summary.text().startswith("Personal data removed from 4 cases.")


def test_changing_the_period_needs_a_new_list(qtbot: QtBot, set_up: SetUp) -> None:
    demo.generate_demo_data(set_up.db, 40, seed=4)
    _age_closed_cases(set_up, 2)
    tab = _tab(qtbot, set_up)
    tab.list_button.click()
    assert tab.apply_button.isEnabled()
    tab.years.setValue(10)
    assert not tab.apply_button.isEnabled() and tab.table.rowCount() == 0


def test_a_supervisor_is_refused_by_the_service(qtbot: QtBot, set_up: SetUp, message_boxes: list[Shown]) -> None:
    demo.generate_demo_data(set_up.db, 20, seed=4)
    tab = _tab(qtbot, set_up, "sh01.supervisor")
    tab.list_button.click()
    assert message_boxes and "may not" in message_boxes[-1].text
    assert tab.table.rowCount() == 0 and not tab.apply_button.isEnabled()
