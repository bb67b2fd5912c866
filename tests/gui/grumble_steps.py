"""Steps of the grumble GUI tests: the main window of a branch's counter clerk, and a complaint turned from a
grumble completed and saved, with key events into the focused widget."""

from __future__ import annotations

import uuid

from desk_steps import PASSWORD, VALID_ID, local_context, set_up_branch
from keyboard import CTRL, arrow_to, key, mnemonic, type_text
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from remote_support import activate

from desk_app.db.uow import Database
from desk_app.services.accounts import authenticate
from ui.intake.intake_page import IntakePage
from ui.main_window import MainWindow


def clerk_window(qtbot: QtBot, db: Database) -> MainWindow:
    """Branch BJ01 set up in ``db``; its counter clerk's main window, shown at 1366×740 and active."""
    set_up_branch(db)
    main = MainWindow(local_context(db), authenticate(db, "clerk", PASSWORD))
    qtbot.addWidget(main)
    main.resize(1366, 740)
    main.show()
    qtbot.waitExposed(main)
    activate(main)
    return main


def complete_and_save(qtbot: QtBot, page: IntakePage) -> uuid.UUID:
    """What a complaint needs beyond the grumble carried into the form (the ID number, where it happened, the
    request, the recusal), then Ctrl+S; the new case's id."""
    mnemonic(qtbot, "i")
    type_text(qtbot, VALID_ID)
    mnemonic(qtbot, "a")
    type_text(qtbot, "柜面")
    key(qtbot, Qt.Key.Key_Return)
    mnemonic(qtbot, "q")
    arrow_to(qtbot, page.request.kinds["refund"], len(page.request.kinds))
    key(qtbot, Qt.Key.Key_Space)
    mnemonic(qtbot, "g")
    with qtbot.waitSignal(page.sig_saved, timeout=20_000) as saved:
        key(qtbot, Qt.Key.Key_S, CTRL)
    complaint_id = saved.args[0]
    assert isinstance(complaint_id, uuid.UUID)
    return complaint_id
