"""The export dialog: statistics or detail in the background; unmasked data only for entitled roles."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import Shown, local_db
from openpyxl import load_workbook
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.db.uow import Database
from desk_app.services.accounts import authenticate
from desk_app.services.demo import DEMO_PASSWORD
from tests.reports.report_data import build_report_data
from ui.context import AppContext
from ui.reports.export_dialog import ExportReportDialog


@pytest.fixture
def ctx(gui_db: Database) -> AppContext:
    build_report_data(gui_db, count=120)
    return AppContext(AppConfig(db_url=str(gui_db.engine.url)), LocalBackend(gui_db),
                      schema_state(gui_db.engine).current)


def _dialog(qtbot: QtBot, ctx: AppContext, username: str) -> ExportReportDialog:
    dialog = ExportReportDialog(ctx, authenticate(local_db(ctx), username, DEMO_PASSWORD))
    qtbot.addWidget(dialog)
    dialog.date_from.setDate(QDate(2025, 1, 1))
    dialog.date_to.setDate(QDate(2026, 12, 31))
    return dialog


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_export_statistics_and_detail(qtbot: QtBot, ctx: AppContext, tmp_path: Path,
                                     message_boxes: list[Shown]) -> None:
    dialog = _dialog(qtbot, ctx, "hq.analyst")
    assert dialog.branches.isEnabled()
    dialog.export()
    assert dialog.error.text()  # no file chosen yet
    dialog.path.setText(str(tmp_path / "stats.xlsx"))
    dialog.branches.setText("SH01，BJ01")
    dialog.export()
    assert dialog.result_path == tmp_path / "stats.xlsx"
    assert load_workbook(dialog.result_path).sheetnames[0] == "Summary"
    assert [(m.title, m.text) for m in message_boxes] == [("Saved", "The statistics workbook is ready.")]
    assert str(tmp_path / "stats.xlsx") in message_boxes[0].informative

    dialog = _dialog(qtbot, ctx, "hq.analyst")
    dialog.detail.setChecked(True)
    assert not dialog.reveal.isEnabled()  # HQ analysts always get masked data
    dialog.path.setText(str(tmp_path / "detail.xlsx"))
    dialog.export()
    assert dialog.result_path is not None and "Case details" in load_workbook(dialog.result_path).sheetnames
    assert message_boxes[-1].text.endswith("cases exported.")

    supervisor = _dialog(qtbot, ctx, "sh01.supervisor")
    assert not supervisor.branches.isEnabled()
    supervisor.detail.setChecked(True)
    assert supervisor.reveal.isEnabled()
