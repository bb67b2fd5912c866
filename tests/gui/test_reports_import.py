"""The import dialog: dry run with every row's problem, mapping edited in the table and saved, import;
and consolidation of a branch export at HQ."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from gui_support import SetUp
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.engine import make_engine
from desk_app.db.migrate import schema_state
from desk_app.db.models import Complaint
from desk_app.db.uow import Database
from desk_app.domain.enums import Role
from desk_app.services import imports
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.demo import DEMO_PASSWORD, generate_demo_data
from desk_app.services.reports import ReportScope, export_detail
from tests.reports.messy_files import messy_workbook
from ui.context import AppContext
from ui.reports.import_dialog import ImportDialog


def _cases(db: Database) -> int:
    with db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Complaint)) or 0


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_register_import(qtbot: QtBot, set_up: SetUp, tmp_path: Path) -> None:
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    create_user(set_up.db, set_up.admin, username="boss", display_name="负责人", password="boss20260",
                role=Role.BRANCH_MANAGER, branch_id=set_up.admin.branch_id, must_change_password=False)
    dialog = ImportDialog(ctx, authenticate(set_up.db, "boss", "boss20260"))
    qtbot.addWidget(dialog)
    dialog.path.setText(str(messy_workbook(tmp_path / "台账.xlsx")))
    dialog.check()
    preview = dialog.preview
    assert preview is not None and not preview.ok and dialog.rows_table.rowCount() == 6
    assert all("axis_a" in (dialog.rows_table.item(i, 2).text()) for i in range(6))  # type: ignore[union-attr]
    assert dialog.column_boxes["customer_name"].currentData() == "客户信息/姓名"
    assert not dialog.import_button.isEnabled()
    dialog.default_edits["axis_a"].setText("A01")
    dialog.check(use_table=True)
    assert dialog.preview is not None and dialog.preview.ok and dialog.import_button.isEnabled()
    imports.save_mapping(set_up.db, authenticate(set_up.db, "boss", "boss20260"), "浦东", dialog.current_mapping())
    dialog.run_import()
    assert isinstance(dialog.imported, imports.ImportResult) and dialog.imported.imported == 6
    assert _cases(set_up.db) == 6 and "Imported 6 cases" in dialog.summary.toPlainText()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_consolidation_in_the_dialog(qtbot: QtBot, set_up: SetUp, tmp_path: Path, _sqlite_template: Path) -> None:
    branch_path = tmp_path / "branch.sqlite3"
    shutil.copyfile(_sqlite_template, branch_path)
    branch = Database(make_engine(f"sqlite:///{branch_path}"))
    generate_demo_data(branch, 40, seed=5)
    export = tmp_path / "branch.xlsx"
    export_detail(branch, authenticate(branch, "sh01.manager", DEMO_PASSWORD),
                  ReportScope(date(2024, 1, 1), date(2030, 12, 31)), export)
    branch.dispose()
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    create_user(set_up.db, set_up.headquarters_admin(), username="analyst", display_name="分析员",
                password="analyst2026", role=Role.HQ_ANALYST, branch_id=set_up.admin.branch_id,
                must_change_password=False)
    dialog = ImportDialog(ctx, authenticate(set_up.db, "analyst", "analyst2026"))
    qtbot.addWidget(dialog)
    dialog.path.setText(str(export))
    dialog.check()
    assert dialog.report is not None and dialog.report.inserted > 0 and dialog.import_button.isEnabled()
    assert not dialog.mapping_table.isEnabled()
    dialog.run_import()
    assert _cases(set_up.db) == dialog.report.inserted
