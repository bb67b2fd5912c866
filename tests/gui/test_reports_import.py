"""The import dialog: dry run with every row's problem, mapping edited in the table and saved, import;
the guesses and unknown values answered in the dry run, its summary table, cutting over-long texts by
choice, a file without a header row; and consolidation of a branch export at HQ."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from gui_support import SetUp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QTableWidget
from pytestqt.qtbot import QtBot
from signing_support import trust_branch
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
from desk_app.services.detail_export import export_detail
from desk_app.services.report_scope import ReportScope
from tests.reports.messy_files import messy_workbook
from tests.reports.real_exports import CHANNELS, consumer_register_csv, gbk_register
from ui.context import AppContext
from ui.reports.import_dialog import ImportDialog


def _cases(db: Database) -> int:
    with db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Complaint)) or 0


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_register_import(qtbot: QtBot, set_up: SetUp, tmp_path: Path) -> None:
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    create_user(set_up.db, set_up.admin, username="boss", display_name="负责人", password="chief20260",
                role=Role.BRANCH_MANAGER, branch_id=set_up.admin.branch_id, must_change_password=False)
    dialog = ImportDialog(ctx, authenticate(set_up.db, "boss", "chief20260"))
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
    imports.save_mapping(set_up.db, authenticate(set_up.db, "boss", "chief20260"), "浦东", dialog.current_mapping())
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
                password="quarterly2026", role=Role.HQ_ANALYST, branch_id=set_up.admin.branch_id,
                must_change_password=False)
    trust_branch(set_up.db, "SH01")  # headquarters registered the branch's signing key
    dialog = ImportDialog(ctx, authenticate(set_up.db, "analyst", "quarterly2026"))
    qtbot.addWidget(dialog)
    dialog.path.setText(str(export))
    dialog.check()
    assert dialog.report is not None and dialog.report.inserted > 0 and dialog.import_button.isEnabled()
    assert not dialog.mapping_table.isEnabled()
    dialog.run_import()
    assert _cases(set_up.db) == dialog.report.inserted


def _table(table: QTableWidget) -> list[list[str]]:
    """What the user sees in a table: cell texts, and the current text of a combo box in a cell."""
    rows = []
    for i in range(table.rowCount()):
        cells = []
        for j in range(table.columnCount()):
            widget = table.cellWidget(i, j)
            item = table.item(i, j)
            cells.append(widget.currentText() if isinstance(widget, QComboBox) else item.text() if item else "")
        rows.append(cells)
    return rows


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_dry_run_shows_guesses_and_summary(qtbot: QtBot, set_up: SetUp, tmp_path: Path) -> None:
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    path = tmp_path / "complaints.csv"
    records = consumer_register_csv(path)
    imports.save_mapping(set_up.db, set_up.admin, "CFPB", imports.ColumnMapping(
        columns={"received_at": "Date received", "facts_what": "Consumer complaint narrative",
                 "channel": "Submitted via", "axis_b": "Product", "axis_c": "Issue"},
        values={"axis_b": {"Credit card": "B0302", "Checking or savings account": "B0301",
                           "Debt collection": "B0201"},
                "axis_c": {"Problem with a purchase shown on your statement": "C09", "Managing an account": "C01",
                           "Attempts to collect debt not owed": "C12"}},
        defaults={"customer_name": "CFPB consumer", "axis_a": "A03"}))
    dialog = ImportDialog(ctx, set_up.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, str(path))
    dialog.mapping_choice.setCurrentIndex(dialog.mapping_choice.findData("CFPB"))  # runs the dry run
    assert dialog.preview is not None and not dialog.preview.ok
    assert dialog.tabs.currentWidget() is dialog.guess_table
    guesses = {(row[1]): (row[2], row[3]) for row in _table(dialog.guess_table)}
    assert guesses["Postal mail"][0] == str(CHANNELS["Postal mail"]) and guesses["Postal mail"][1].startswith("letter")
    assert guesses["Web Referral"][1].startswith("app_web")
    assert guesses["Fax"] == (str(CHANNELS["Fax"]), "") and guesses["Referral"] == (str(CHANNELS["Referral"]), "")
    summary = {(row[0], row[1]): row[2] for row in _table(dialog.summary_table)}
    assert summary[("Rows read", "")] == str(len(records))
    channel_counts = {text: int(n) for (label, text), n in summary.items() if label == "Intake channel"
                      and not text.startswith("(")}
    assert channel_counts == Counter(r.channel for r in records)
    assert summary[("Over-long texts", "")] == "1" and dialog.cut_long.isEnabled()
    # the user answers from the keyboard: Fax and Referral typed, the long text cut
    for text, code in (("Fax", "letter"), ("Referral", "regulator")):
        box = dialog.guess_boxes[("channel", text)]
        box.setFocus()
        qtbot.keyClicks(box, code)
        qtbot.keyClick(box, Qt.Key.Key_Return)
    dialog.cut_long.setFocus()
    qtbot.keyClick(dialog.cut_long, Qt.Key.Key_Space)
    assert dialog.cut_long.isChecked()  # the dry run runs again by itself
    assert dialog.preview is not None and dialog.preview.ok, dialog.summary.toPlainText()
    assert dialog.guess_table.rowCount() == 0 and dialog.import_button.isEnabled()
    assert "RFC 4180" in dialog.summary.toPlainText()
    dialog.run_import()
    assert isinstance(dialog.imported, imports.ImportResult) and dialog.imported.imported == len(records)
    assert _cases(set_up.db) == len(records)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_file_without_a_header_row(qtbot: QtBot, set_up: SetUp, tmp_path: Path) -> None:
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    path = tmp_path / "无表头.csv"
    rows = gbk_register(path, header=False)
    dialog = ImportDialog(ctx, set_up.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path.setText(str(path))
    dialog.check()
    assert dialog.preview is not None and dialog.preview.headers[0] == "2026-03-02"  # the first case read as a header
    dialog.no_header.setFocus()
    qtbot.keyClick(dialog.no_header, Qt.Key.Key_Space)  # the dry run runs again by itself
    assert dialog.preview is not None and dialog.preview.headers[0] == "#1" and dialog.preview.header_rows == ()
    for key, number in (("received_at", 1), ("customer_name", 2), ("phone", 3), ("channel", 4), ("axis_b", 5),
                        ("axis_c", 6), ("facts_what", 7)):
        box = dialog.column_boxes[key]
        box.setCurrentIndex(box.findData(f"#{number}"))
    dialog.default_edits["axis_a"].setFocus()
    qtbot.keyClicks(dialog.default_edits["axis_a"], "A01")
    dialog.check(use_table=True)
    assert dialog.preview is not None and dialog.preview.ok and dialog.preview.importable == len(rows)
    dialog.run_import()
    assert _cases(set_up.db) == len(rows)
