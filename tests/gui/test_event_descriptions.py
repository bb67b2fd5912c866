"""One event, one description: the case timeline, the audit log viewer and the detail export's timeline
sheet say the same about it, in the words of ``desk_app.domain.events.describe_event``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from gui_support import SetUp
from keyboard import key, mnemonic, tab_to, type_text
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel, Complexity, Role, Severity
from desk_app.domain.events import EventText, describe_event
from desk_app.services import case_workflow, extensions
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.audit import AuditAction
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import ComplaintDraft, CustomerDraft
from tests.support.passwords import PASSWORD
from ui.admin.audit_page import AuditLogPage
from ui.cases.timeline_widget import TimelineWidget
from ui.context import AppContext
from ui.reports.export_dialog import ExportReportDialog


def _account(set_up: SetUp, login: str, role: Role) -> Actor:
    create_user(set_up.db, set_up.admin, username=login, display_name=login.title(), password=PASSWORD, role=role,
                branch_id=set_up.admin.branch_id, must_change_password=False)
    return authenticate(set_up.db, login, PASSWORD)


def test_the_timeline_the_audit_page_and_the_export_describe_an_event_alike(
        qtbot: QtBot, set_up: SetUp, tmp_path: Path) -> None:
    clerk, handler = _account(set_up, "clerk", Role.COUNTER_CLERK), _account(set_up, "handler", Role.HANDLER)
    manager = _account(set_up, "manager", Role.BRANCH_MANAGER)
    case = register_complaint(set_up.db, clerk, ComplaintDraft(
        channel=Channel.COUNTER, axis_a="A01", axis_b="B0302", axis_c="C09", severity=Severity.GENERAL,
        facts_what="客户反映信用卡出现一笔未授权境外消费", request_kinds=("refund",), request_text="要求退款",
        customer=CustomerDraft(name="王芳", phone="13812345678"), received_at=datetime.now(UTC) - timedelta(days=2)))
    case = case_workflow.extend(set_up.db, handler, case.id, case.version, Complexity.SPECIAL, "需外部鉴定")
    extensions.decide_extension(set_up.db, manager, case.id, case.version, approve=False, reason="可在30日内办结")
    event = get_complaint(set_up.db, handler, case.id).events[-1]
    expected = describe_event(event.kind, event.payload)
    assert expected == "Extension request returned by Manager — Reason: 可在30日内办结"

    timeline = TimelineWidget(ZoneInfo("Asia/Shanghai"))
    qtbot.addWidget(timeline)
    timeline.set_events(get_complaint(set_up.db, handler, case.id).events)
    newest = timeline.entries[0]
    assert EventText(newest.title, newest.details).one_line() == expected
    shown = timeline.plain_text()
    assert newest.title in shown and "Reason: 可在30日内办结" in shown

    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    page = AuditLogPage(ctx, set_up.admin)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: not page.loading and bool(page.entries()), timeout=10_000)
    returned = [row for row, entry in enumerate(page.entries()) if entry.action == AuditAction.EXTENSION_RETURN]
    assert len(returned) == 1
    cell = page.model.index(returned[0], page.model.column_of("details")).data()
    assert cell == expected

    dialog = ExportReportDialog(ctx, manager)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    today = datetime.now(ctx.office_tz).date()
    dialog.date_from.setDate(QDate(today.year, today.month, today.day).addDays(-7))
    dialog.date_to.setDate(QDate(today.year, today.month, today.day))
    assert not dialog.timeline.isEnabled()  # the statistics workbook has no timeline
    mnemonic(qtbot, "c")  # Every &case
    qtbot.waitUntil(dialog.timeline.isEnabled, timeout=2_000)
    mnemonic(qtbot, "m")  # ti&meline
    qtbot.waitUntil(dialog.timeline.isChecked, timeout=2_000)
    assert dialog.detail.isChecked()
    tab_to(qtbot, dialog.path)
    type_text(qtbot, str(tmp_path / "cases.xlsx"))
    key(qtbot, Qt.Key.Key_Return)
    assert dialog.result_path == tmp_path / "cases.xlsx"
    sheet = load_workbook(dialog.result_path)["Timeline"]
    exported = [row for row in sheet.iter_rows(values_only=True)
                if row[0] == case.case_number and row[4] == "extension_returned"]
    assert [row[5] for row in exported] == [expected]
