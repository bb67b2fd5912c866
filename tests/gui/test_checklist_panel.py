"""The checklist panel: steps with guidance and type wording, ticking with a note (who/when shown), taking a
tick back, the gate passing after the ticks, and the one-page conversation aid."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from gui_support import SetUp, local_db
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.db.models import Complaint
from desk_app.domain.actor import Actor
from desk_app.domain.enums import PsychType, Role
from desk_app.domain.portrait import PortraitInput
from desk_app.domain.workflow import Action
from desk_app.errors import IllegalTransitionError
from desk_app.services import case_workflow as wf
from desk_app.services.checklists import check_gate, seed_checklists
from desk_app.services.complaints import register_complaint
from desk_app.services.portraits import save_portrait
from tests.support.gui import wait_until_idle
from tests.support.staff import draft, make_accounts
from ui.checklists import panel as panel_module
from ui.checklists.panel import ChecklistPanel
from ui.context import AppContext


@dataclass(frozen=True)
class Desk:
    ctx: AppContext
    clerk: Actor
    handler: Actor
    case_id: uuid.UUID


@pytest.fixture
def desk(set_up: SetUp) -> Desk:
    with set_up.db.unit_of_work() as session:
        seed_checklists(session)
    actors = make_accounts(set_up.db, set_up.admin,
                           (("clerk", Role.COUNTER_CLERK), ("handler", Role.HANDLER), ("boss", Role.SUPERVISOR)),
                           display_name=lambda login: f"{login}-name")
    case = register_complaint(set_up.db, actors["clerk"], draft())
    case = wf.assign(set_up.db, actors["boss"], case.id, case.version, actors["handler"].user_id)
    case = wf.perform(set_up.db, actors["handler"], case.id, case.version, Action.START)
    save_portrait(set_up.db, actors["clerk"], case.id, PortraitInput(4, 2, 3, 3, 3, 2, primary_type=PsychType.VENTING))
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    return Desk(ctx, actors["clerk"], actors["handler"], case.id)


def open_panel(qtbot: QtBot, desk: Desk) -> ChecklistPanel:
    panel = ChecklistPanel(desk.ctx, desk.handler, desk.case_id, load=False)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.sig_loaded, timeout=10_000):
        panel.refresh()
    return panel


def click(qtbot: QtBot, panel: ChecklistPanel, checklist: str, step: str) -> None:
    """Tick box by mouse on the box itself (a QCheckBox reacts to clicks on its box and text only)."""
    box = panel.checkbox(checklist, step)
    with qtbot.waitSignal(panel.sig_changed, timeout=10_000):
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


def gate_leave_listen(desk: Desk) -> None:
    with local_db(desk.ctx).unit_of_work() as session:
        check_gate(session, session.get_one(Complaint, desk.case_id), "leave:listen")


def space(qtbot: QtBot, panel: ChecklistPanel, checklist: str, step: str) -> None:
    """Space on the step's box (it has the focus, as Tab puts it there); the tick is stored."""
    box = panel.checkbox(checklist, step)
    box.setFocus()
    with qtbot.waitSignal(panel.sig_changed, timeout=10_000):
        qtbot.keyClick(box, Qt.Key.Key_Space)


def test_tick_steps_with_a_note_and_see_who_and_when(qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from keyboard import type_text

    panel = open_panel(qtbot, desk)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow, timeout=5000)
    assert list(panel.boxes) == ["strategic_empathy", "six_swords", "lscpa"]
    row = panel.step_row("strategic_empathy", "active_listening")
    assert row.checkbox.text() == "Active listening" and not row.checkbox.isChecked()
    assert "Let the customer finish" in row.guidance.text()
    assert row.wording.text().startswith("Say (Venting): “Go on, I am listening.")      # the type's own wording
    assert "Required before moving on from the step 'Listen'" in row.gates.text()
    assert row.ticked.isHidden() and row.note.isVisible()
    with pytest.raises(IllegalTransitionError, match="Active listening, Judge the true demand"):
        gate_leave_listen(desk)

    # the note is typed inline, beside the box (Tab from the box), and Enter there ticks the step
    row.checkbox.setFocus()
    qtbot.keyClick(row.checkbox, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is row.note
    type_text(qtbot, "客户说了二十分钟")
    with qtbot.waitSignal(panel.sig_changed, timeout=10_000):
        qtbot.keyClick(row.note, Qt.Key.Key_Return)
    assert QApplication.activeModalWidget() is None  # no dialog asked anything
    row = panel.step_row("strategic_empathy", "active_listening")
    assert row.checkbox.isChecked() and row.note.isHidden()
    assert not row.ticked.isHidden() and row.ticked.text().startswith("Ticked by handler-name at ")
    assert row.ticked.text().endswith("— 客户说了二十分钟")
    assert "1 of 5 done" in panel.boxes["strategic_empathy"].title()
    space(qtbot, panel, "strategic_empathy", "true_demand")  # Space alone: ticked, no note
    true_demand = panel.step_row("strategic_empathy", "true_demand")
    assert true_demand.checkbox.isChecked() and not true_demand.ticked.text().count("—")
    assert QApplication.focusWidget() is true_demand.checkbox  # the keyboard stays on the rebuilt box
    gate_leave_listen(desk)                            # both required steps ticked: the gate opens

    monkeypatch.setattr(panel_module, "confirm_untick", lambda _parent, _title: True)
    click(qtbot, panel, "strategic_empathy", "true_demand")
    assert not panel.checkbox("strategic_empathy", "true_demand").isChecked()
    with pytest.raises(IllegalTransitionError, match="Judge the true demand"):
        gate_leave_listen(desk)


def test_declining_to_take_a_tick_back_keeps_it(qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    panel = open_panel(qtbot, desk)
    panel.show()
    space(qtbot, panel, "lscpa", "listen")
    assert panel.checkbox("lscpa", "listen").isChecked()
    changes: list[None] = []
    panel.sig_changed.connect(lambda: changes.append(None))
    asked: list[str] = []

    def decline(_parent: object, title: str) -> bool:
        asked.append(title)
        return False

    monkeypatch.setattr(panel_module, "confirm_untick", decline)
    box = panel.checkbox("lscpa", "listen")
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)                # from the keyboard
    assert asked == ["L — Listen"]
    wait_until_idle(qtbot)
    assert panel.checkbox("lscpa", "listen").isChecked() and changes == []


def test_the_conversation_aid_opens_as_a_one_page_preview(qtbot: QtBot, desk: Desk) -> None:
    panel = open_panel(qtbot, desk)
    dialog = panel.print_aid(panel.boxes["strategic_empathy"].view)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.document.pageCount() == 1 and dialog.file_name == "strategic_empathy-v1.pdf"
    assert dialog.pdf.startswith(b"%PDF")
    dialog.close()
