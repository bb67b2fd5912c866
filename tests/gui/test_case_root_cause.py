"""Root cause and improvement from the case view (issue 18.3), from the keyboard: in the 析 step a supervisor
records the root cause (level, code, cause type, what was found on the data level), creates an improvement
action linked to the case, closes it with its evidence; the exported statistics workbook lists both. Before
析 the root cause is not offered."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from desk_steps import export_statistics, open_case, settle_view
from gui_support import SetUp
from keyboard import choose, key, mnemonic, press, tab_to, type_text
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from remote_support import activate

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.domain.actor import Actor
from desk_app.domain.cause_types import CauseType
from desk_app.domain.enums import ActionState, RootCauseLevel, Stage
from desk_app.domain.workflow import Action
from desk_app.services import case_workflow as wf
from desk_app.services import checklists, handling, improvements
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.report_scope import office_today
from tests.support.staff import draft, make_branch_staff
from ui.cases.root_cause_panel import RootCausePanel
from ui.context import AppContext
from ui.improvements.dialogs import NewActionDialog, TextDialog


def in_analysis(set_up: SetUp, staff: dict[str, Actor]) -> uuid.UUID:
    db, handler = set_up.db, staff["handler"]
    case = register_complaint(db, staff["clerk"], draft())
    case = wf.assign(db, staff["supervisor"], case.id, case.version, handler.user_id)
    case = wf.perform(db, handler, case.id, case.version, Action.START)
    for step in ("active_listening", "true_demand"):
        checklists.tick_step(db, handler, case.id, "strategic_empathy", step)
    case = handling.record_stage(db, handler, case.id, case.version, Stage.LISTEN, {"real_demand": "退还被盗刷款项"})
    case = wf.move_stage(db, handler, case.id, case.version, Stage.INVESTIGATE)
    case = handling.record_stage(db, handler, case.id, case.version, Stage.INVESTIGATE,
                                 {"findings": "交易发生在境外，客户当时在境内", "responsibility": "风控未拦截"})
    case = wf.move_stage(db, handler, case.id, case.version, Stage.ANALYSE)
    assert get_complaint(db, handler, case.id).stage is Stage.ANALYSE
    return case.id


def _dialog(qtbot: QtBot, panel: RootCausePanel) -> Any:
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=10_000)
    dialog = panel.dialog
    assert dialog is not None
    activate(dialog)
    return dialog


def _sheets(path: Path) -> list[tuple[Any, ...]]:
    workbook = load_workbook(path)
    return [row for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)]


def test_root_cause_and_action_from_the_case_view_reach_the_workbook(qtbot: QtBot, set_up: SetUp,
                                                                     tmp_path: Path) -> None:
    staff = make_branch_staff(set_up.db, set_up.admin)
    supervisor = staff["supervisor"]
    complaint_id = in_analysis(set_up, staff)
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db), "head")
    view = open_case(qtbot, ctx, supervisor, complaint_id)
    panel = view.findChild(RootCausePanel)
    assert panel is not None
    qtbot.waitUntil(lambda: panel.detail is not None and panel.cause_code.count() > 0, timeout=10_000)
    tab_to(qtbot, view.side_tabs.tabBar())
    mnemonic(qtbot, "r")  # Alt+R: the root-cause tab
    assert view.side_tabs.currentWidget() is panel and panel.level.isEnabled()

    tab_to(qtbot, panel.level)
    choose(qtbot, panel.level, RootCauseLevel.RULES.value)
    tab_to(qtbot, panel.cause_code)
    choose(qtbot, panel.cause_code, "C03")
    tab_to(qtbot, panel.cause_type)
    choose(qtbot, panel.cause_type, CauseType.RULES_PROCESS_PRODUCT.value)
    tab_to(qtbot, panel.data_finding)
    type_text(qtbot, "风控数据未覆盖境外交易")
    tab_to(qtbot, panel.rules_finding)
    type_text(qtbot, "盗刷处置规则未规定时限")
    with qtbot.waitSignal(panel.sig_changed, timeout=20_000):
        press(qtbot, panel.save_button)
    root = improvements.get_root_cause(set_up.db, supervisor, complaint_id)
    assert root is not None and (root.level, root.cause_code, root.cause_type) == (
        RootCauseLevel.RULES, "C03", CauseType.RULES_PROCESS_PRODUCT)
    assert (root.data_finding, root.rules_finding, root.process_finding) == (
        "风控数据未覆盖境外交易", "盗刷处置规则未规定时限", "")

    activate(view)
    mnemonic(qtbot, "w")  # Alt+W: a new improvement action for this case
    dialog = _dialog(qtbot, panel)
    assert isinstance(dialog, NewActionDialog)
    tab_to(qtbot, dialog.title)
    type_text(qtbot, "境外交易风控规则补充")
    tab_to(qtbot, dialog.department)
    type_text(qtbot, "风险管理部")
    with qtbot.waitSignal(panel.sig_loaded, timeout=20_000):
        press(qtbot, dialog.ok_button)
    [action] = panel.case_actions
    assert (action.title, action.department, action.cause_code, action.state) == (
        "境外交易风控规则补充", "风险管理部", "C03", ActionState.PLANNED)

    settle_view(qtbot, view)  # the case view reloads (its timeline notes the action's case)
    activate(view)
    tab_to(qtbot, panel.table)
    if panel.selected() is None:  # Tab into the table may already make the first row current
        key(qtbot, Qt.Key.Key_Down)
    assert panel.selected() == action
    mnemonic(qtbot, "d")  # Alt+D: close with evidence
    dialog = _dialog(qtbot, panel)
    assert isinstance(dialog, TextDialog)
    press(qtbot, dialog.ok_button)  # no evidence: refused inline, the dialog stays
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=10_000)
    assert "evidence" in dialog.error.text() and dialog.isVisible()
    tab_to(qtbot, dialog.text)
    type_text(qtbot, "风控规则V3.2已上线，附上线通知")
    with qtbot.waitSignal(panel.sig_loaded, timeout=20_000):
        press(qtbot, dialog.ok_button)
    [done] = panel.case_actions
    assert (done.state, done.evidence) == (ActionState.DONE, "风控规则V3.2已上线，附上线通知")
    assert QApplication.activeModalWidget() is None

    today = office_today("Asia/Shanghai")
    target = tmp_path / "统计.xlsx"
    export_statistics(qtbot, ctx, supervisor, target, f"{today.year}-01-01", today.isoformat())
    rows = _sheets(target)
    assert any("C03" in row and RootCauseLevel.RULES.label in row and 1 in row for row in rows), "root cause"
    assert any("境外交易风控规则补充" in row and ActionState.DONE.label in row for row in rows), "action"


def test_the_root_cause_is_offered_from_the_analysis_step_on(qtbot: QtBot, set_up: SetUp) -> None:
    staff = make_branch_staff(set_up.db, set_up.admin)
    case = register_complaint(set_up.db, staff["clerk"], draft())
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db), "head")
    panel = RootCausePanel(ctx, staff["supervisor"], case.id)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.detail is not None, timeout=10_000)
    assert not panel.save_button.isEnabled() and not panel.level.isEnabled()
    assert panel.state_label.text() == "The root cause is recorded from the analysis step (析) on."
    assert panel.new_button.isEnabled()  # an action may still be started from any case
