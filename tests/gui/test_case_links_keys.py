"""Linked and merged cases by keys only (key events into the focused widget): a supervisor opens a counter case,
links the same customer's hotline case and merges the regulator's duplicate into it from More actions ▸ Link or
merge…; the "Links and merges" tab lists both with their status, Enter on a row opens that case; "Record an
opportunity…" opens the opportunities dialog with the case's number filled in. Counts, deadlines, timelines and
audit after a merge on both databases: tests/services/test_case_links.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from desk_steps import local_context, open_case, set_up_branch, settle_view
from keyboard import choose, focus_widget, key, mnemonic, tab_to, type_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMenu
from pytestqt.qtbot import QtBot
from remote_support import activate, when_popup
from sqlalchemy import select

from desk_app.db.models import CaseLink, Complaint
from desk_app.db.uow import Database
from desk_app.domain.enums import Channel, LinkKind, Status
from desk_app.services.accounts import authenticate
from desk_app.services.case_links import MergeDirection
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail
from tests.support.staff import draft
from ui.cases.action_dialogs import ActionDialog
from ui.cases.case_view import CaseView
from ui.cases.link_dialog import how_combo
from ui.cases.links_panel import LinksTab
from ui.grumbles.opportunities_dialog import OpportunitiesDialog
from ui.screen_fit import logical_screen

PASSWORD = "counter2026"


@pytest.fixture
def cases(gui_db: Database) -> tuple[ComplaintDetail, ComplaintDetail, ComplaintDetail]:
    """A counter case, the same customer's hotline case, and the regulator's transfer of the counter complaint
    (received by the regulator two weeks earlier: it is due first)."""
    if gui_db.engine.dialect.name != "sqlite":
        pytest.skip("the widgets do not depend on the database (the services are tested on both)")
    set_up_branch(gui_db)
    clerk = authenticate(gui_db, "clerk", PASSWORD)
    now = datetime.now(UTC)
    main = register_complaint(gui_db, clerk, draft())
    hotline = register_complaint(gui_db, clerk, draft(channel=Channel.HOTLINE))
    duplicate = register_complaint(gui_db, clerk, draft(channel=Channel.REGULATOR,
                                                        received_at=now - timedelta(days=14)))
    return main, hotline, duplicate


def _more_actions(qtbot: QtBot, view: CaseView, letter: Qt.Key) -> None:
    """More actions (Alt+M), then the item's letter in its menu."""
    def pick(menu: QMenu) -> None:
        qtbot.keyClick(menu, letter)

    menus = when_popup(QMenu, pick)
    mnemonic(qtbot, "m")
    qtbot.waitUntil(lambda: len(menus) == 1, timeout=5000)


def _link_dialog(qtbot: QtBot, view: CaseView) -> ActionDialog:
    _more_actions(qtbot, view, Qt.Key.Key_K)  # Lin&k or merge…
    qtbot.waitUntil(lambda: view.active_dialog is not None and view.active_dialog.isVisible(), timeout=10_000)
    dialog = view.active_dialog
    assert dialog is not None and dialog.objectName() == "linkDialog"
    activate(dialog)
    return dialog


def _fits(widget: QDialog) -> None:
    """The dialog's own size fits a 1366×768 screen at 100 % and at 150 %."""
    size = widget.size().expandedTo(widget.minimumSizeHint())
    for scale in (1.0, 1.5):
        width, height = logical_screen(scale)
        assert size.width() <= width and size.height() <= height, (scale, size)


def _row(db: Database, case: uuid.UUID) -> Complaint:
    with db.unit_of_work() as session:
        row = session.get_one(Complaint, case)
        session.expunge(row)
        return row


def test_a_supervisor_links_and_merges_by_keys(qtbot: QtBot, gui_db: Database, cases: tuple[
        ComplaintDetail, ComplaintDetail, ComplaintDetail]) -> None:
    main, hotline, duplicate = cases
    supervisor = authenticate(gui_db, "supervisor", PASSWORD)
    view = open_case(qtbot, local_context(gui_db), supervisor, main.id)
    tab = view.side_tabs.findChild(LinksTab)
    assert tab is not None and tab.link_action.isVisible() and view.more_button.isEnabled()

    # link the hotline case: the number, how (a link kind), a note, Alt+L
    dialog = _link_dialog(qtbot, view)
    _fits(dialog)
    assert focus_widget() is dialog.fields["other"]
    type_text(qtbot, hotline.case_number)
    mnemonic(qtbot, "h")
    choose(qtbot, how_combo(dialog), LinkKind.SAME_CUSTOMER)
    mnemonic(qtbot, "n")
    type_text(qtbot, "客户又拨打热线投诉同一事项")
    mnemonic(qtbot, "l")
    qtbot.waitUntil(lambda: view.active_dialog is None, timeout=20_000)
    settle_view(qtbot, view)
    qtbot.waitUntil(lambda: len(tab.rows) == 1, timeout=10_000)
    with gui_db.unit_of_work() as session:
        assert session.scalars(select(CaseLink.kind)).all() == [LinkKind.SAME_CUSTOMER.value]

    # merge the regulator's duplicate into this case: the dialog says what a merge does, OK reads "Merge"
    activate(view)
    dialog = _link_dialog(qtbot, view)
    type_text(qtbot, duplicate.case_number)
    mnemonic(qtbot, "h")
    choose(qtbot, how_combo(dialog), MergeDirection.INTO_THIS)
    assert dialog.notice.isVisible() and "cannot be undone" in dialog.notice.text()
    mnemonic(qtbot, "m")  # &Merge without a reason: refused inside the dialog, nothing written
    assert dialog.isVisible() and "why" in dialog.error.text()
    assert _row(gui_db, duplicate.id).status == Status.REGISTERED.value
    mnemonic(qtbot, "n")
    type_text(qtbot, "监管转办件即柜面已受理的同一投诉")
    mnemonic(qtbot, "m")
    qtbot.waitUntil(lambda: view.active_dialog is None, timeout=20_000)
    settle_view(qtbot, view)
    merged, kept = _row(gui_db, duplicate.id), _row(gui_db, main.id)
    assert merged.status == Status.MERGED.value and merged.merged_into_id == main.id
    assert kept.due_on == duplicate.due_on < main.due_on
    assert view.file is not None and view.file.detail.due_on == duplicate.due_on  # the view shows the new date
    assert view.file.detail.events[-1].kind == "case_merged"

    # the "Links and merges" tab (Alt+G) lists both with their status; Enter on the merged one opens it
    qtbot.waitUntil(lambda: len(tab.rows) == 2, timeout=10_000)
    activate(view)
    mnemonic(qtbot, "g")
    assert view.side_tabs.currentWidget() is tab
    tab_to(qtbot, tab.table)
    texts = [[tab.table.item(r, c).text() for c in range(2)] for r in range(tab.table.rowCount())]
    assert texts == [[hotline.case_number, Status.REGISTERED.label], [duplicate.case_number, Status.MERGED.label]]
    opened: list[object] = []
    view.sig_open_case.connect(opened.append)
    if tab.table.currentRow() != 1:
        key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Return)
    assert opened == [duplicate.id]


def test_the_merged_case_offers_no_more_linking_and_the_opportunity_is_prefilled(
        qtbot: QtBot, gui_db: Database, cases: tuple[ComplaintDetail, ComplaintDetail, ComplaintDetail]) -> None:
    main, _hotline, _duplicate = cases
    handler = authenticate(gui_db, "handler", PASSWORD)
    view = open_case(qtbot, local_context(gui_db), handler, main.id)
    tab = view.side_tabs.findChild(LinksTab)
    assert tab is not None and not tab.may_merge  # a handler links; merging is the supervisor's
    _more_actions(qtbot, view, Qt.Key.Key_O)  # Record an &opportunity…
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), OpportunitiesDialog), timeout=10_000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, OpportunitiesDialog)
    activate(dialog)
    assert dialog.case_number.text() == main.case_number and focus_widget() is dialog.kind
    dialog.reject()
    activate(view)
    dialog_ = _link_dialog(qtbot, view)
    combo = how_combo(dialog_)
    assert [combo.itemData(i) for i in range(combo.count())] == list(LinkKind)
    dialog_.reject()
    qtbot.waitUntil(lambda: view.active_dialog is None, timeout=5000)
    settle_view(qtbot, view)
