"""A complaint from sign-in to the printed receipt with key events only: every key goes to
``QApplication.focusWidget()`` (no setText, no mouse, no widget calls beyond reading results); then every
stored field is read back through the backend. The keys pressed beyond the typed text are counted and
printed (``pytest -s``); the goal is at most 45. Also: the documented window shortcuts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from desk_steps import PASSWORD, PHONE, VALID_ID, local_context, set_up_branch, settle
from keyboard import CTRL, KeyCount, arrow_to, focus_widget, key, mnemonic, tab_to, type_text
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot
from remote_support import activate, when_shown

from desk_app.db.uow import Database
from desk_app.domain.enums import Channel, LetterKind, Severity, Status
from desk_app.services import letters
from desk_app.services.complaints import get_complaint
from desk_app.services.personal_data import reveal_customer
from ui.dialogs.login_dialog import LoginDialog
from ui.intake.intake_page import IntakePage
from ui.letters import preview_dialog
from ui.letters.preview_dialog import LetterPreviewDialog
from ui.main_window import MainWindow
from ui.session import ask_sign_in

KEY_GOAL = 45


def _pdf_printer(path: Path) -> QPrinter:
    """The letter printer, printing to a PDF file (a counter PC's printer in the test)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def _signed_in_window(qtbot: QtBot, db: Database) -> MainWindow:
    """The sign-in dialog typed into (user name, Tab, password, Enter), then the main window, active."""
    backend = local_context(db).backend

    def answer(dialog: LoginDialog) -> None:
        assert focus_widget() is dialog.username_edit
        type_text(qtbot, "clerk")
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, PASSWORD)
        key(qtbot, Qt.Key.Key_Return)

    when_shown(LoginDialog, answer)
    actor = ask_sign_in(backend)
    assert actor is not None and actor.username == "clerk"
    window = MainWindow(local_context(db), actor)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    qtbot.waitExposed(window)
    activate(window)
    return window


def test_a_complaint_from_sign_in_to_the_printed_receipt_with_keys_only(
        qtbot: QtBot, gui_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if gui_db.engine.dialect.name != "sqlite":
        pytest.skip("the key flow does not depend on the database")
    set_up_branch(gui_db)
    monkeypatch.setattr(QMessageBox, "exec", QDialog.exec)  # the receipt prompt is really shown and answered
    printed = tmp_path / "receipt.pdf"
    monkeypatch.setattr(preview_dialog, "letter_printer", lambda: _pdf_printer(printed))
    KeyCount.reset()
    started = datetime.now(UTC)
    window = _signed_in_window(qtbot, gui_db)

    key(qtbot, Qt.Key.Key_N, CTRL)                        # Ctrl+N: a new intake, the focus on the name
    page = window.intake_page
    assert isinstance(page, IntakePage)
    qtbot.waitUntil(lambda: page.ready, timeout=15_000)
    assert focus_widget() is page.customer.name
    type_text(qtbot, "王芳")
    mnemonic(qtbot, "i")
    type_text(qtbot, VALID_ID)
    mnemonic(qtbot, "p")
    type_text(qtbot, PHONE)
    tab_to(qtbot, page.customer.address)                  # second phone, Look up, address
    type_text(qtbot, "北京市朝阳区建国路88号")
    mnemonic(qtbot, "w")
    type_text(qtbot, "客户反映信用卡出现一笔未授权境外消费3,200.00元")
    when = datetime.now(page.tz).date() - timedelta(days=10)
    mnemonic(qtbot, "d")                                  # the empty date takes the date typed
    assert focus_widget() is page.facts.when.edit
    type_text(qtbot, when.strftime("%Y%m%d"))
    mnemonic(qtbot, "e")
    assert focus_widget() is page.facts.where             # the date let the focus go
    type_text(qtbot, "建国路支行营业厅")
    mnemonic(qtbot, "m")
    type_text(qtbot, "3,200.00")
    mnemonic(qtbot, "r")
    type_text(qtbot, "信用卡中心")
    mnemonic(qtbot, "q")                                  # to the first kind, not ticking it
    assert not any(box.isChecked() for box in page.request.kinds.values())
    arrow_to(qtbot, page.request.kinds["refund"], len(page.request.kinds))
    key(qtbot, Qt.Key.Key_Space)
    mnemonic(qtbot, "x")
    type_text(qtbot, "要求退还被盗刷款项")
    mnemonic(qtbot, "l")
    type_text(qtbot, "3200")
    for letter, words in (("a", "柜面"), ("b", "xyk"), ("u", "被盗")):  # a word, pinyin initials, a word
        mnemonic(qtbot, letter)
        type_text(qtbot, words)
        key(qtbot, Qt.Key.Key_Return)                     # the one code found is taken
    mnemonic(qtbot, "g")                                  # the recusal declaration
    assert page.recusal.isChecked()

    answered: list[QMessageBox] = []

    def issue_receipt(box: QMessageBox) -> None:
        answered.append(box)
        mnemonic(qtbot, "i")                              # &Issue receipt

    when_shown(QMessageBox, issue_receipt)
    with qtbot.waitSignal(page.sig_saved, timeout=20_000) as saved:
        key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), LetterPreviewDialog), timeout=30_000)
    assert len(answered) == 1
    preview = QApplication.activeModalWidget()
    assert isinstance(preview, LetterPreviewDialog)
    activate(preview)
    when_shown(QPrintDialog, lambda _dialog: key(qtbot, Qt.Key.Key_Return))  # Print
    key(qtbot, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: preview.printed_pages > 0, timeout=30_000)
    activate(preview)                                     # back from the print dialog
    key(qtbot, Qt.Key.Key_Escape)                         # closes the preview
    qtbot.waitUntil(lambda: not preview.isVisible(), timeout=5000)
    print(f"\nkeys beyond the typed text: {KeyCount.pressed} (goal ≤ {KEY_GOAL}); "
          f"characters typed: {KeyCount.typed}")
    assert printed.read_bytes().startswith(b"%PDF")
    settle()

    backend, actor = window.ctx.backend, window.actor
    case = backend.call(actor, get_complaint, saved.args[0])
    assert case.status is Status.REGISTERED and case.case_number.startswith("BJ01-")
    assert (case.channel, case.severity, case.axis_a, case.axis_b, case.axis_c) == (
        Channel.COUNTER, Severity.GENERAL, "A01", "B0302", "C09")
    assert case.facts_what == "客户反映信用卡出现一笔未授权境外消费3,200.00元"
    assert (case.facts_when, case.facts_where, case.facts_amount, case.respondent) == (
        when, "建国路支行营业厅", Decimal("3200.00"), "信用卡中心")
    assert (case.request_kinds, case.request_text, case.claimed_amount) == (
        ("refund",), "要求退还被盗刷款项", Decimal("3200"))
    assert case.recusal_declared and not case.flags and not case.parties
    assert started - timedelta(minutes=1) <= case.received_at <= datetime.now(UTC)
    person = backend.call(actor, reveal_customer, case.id, "test: the stored record")
    assert (person.name, person.id_number, person.phone, person.address) == (
        "王芳", VALID_ID, PHONE, "北京市朝阳区建国路88号")
    issued = backend.call(actor, letters.list_letters, case.id)
    assert [letter.kind for letter in issued] == [LetterKind.RECEIPT]
    assert KeyCount.pressed <= KEY_GOAL


def test_the_documented_shortcuts_work_from_the_navigation_and_the_preview(
        qtbot: QtBot, gui_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """F1 (help for the page shown), Ctrl+N (a new intake), Ctrl+F (the case list's search) with the focus in
    the navigation; Ctrl+S and Ctrl+P in a letter preview (the buttons' own Alt letters replaced them)."""
    if gui_db.engine.dialect.name != "sqlite":
        pytest.skip("the keys do not depend on the database")
    from desk_steps import save_file_as

    import ui.main_window as main_window_module

    set_up_branch(gui_db)
    window = _signed_in_window(qtbot, gui_db)
    helped: list[str] = []
    monkeypatch.setattr(main_window_module, "show_help", lambda _parent, section: helped.append(section))
    window.navigation.setFocus()
    key(qtbot, Qt.Key.Key_F1)
    assert helped == ["overview"]
    key(qtbot, Qt.Key.Key_N, CTRL)
    assert window.current_page() is window.intake_page and focus_widget() is window.intake_page.customer.name
    row = window.page_titles().index(window.case_list_page.nav_title())
    key(qtbot, getattr(Qt.Key, f"Key_{row + 1}"), CTRL)
    window.navigation.setFocus()                          # where Ctrl+number leaves a keyboard user
    key(qtbot, Qt.Key.Key_F, CTRL)
    assert focus_widget() is window.case_list_page.filter_bar.search_edit

    preview = LetterPreviewDialog(_tiny_pdf(), "receipt", "receipt.pdf", window)
    qtbot.addWidget(preview)
    preview.show()
    activate(preview)
    target = tmp_path / "saved.pdf"
    saving = save_file_as(qtbot, target)
    key(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: preview.saved_to == target, timeout=10_000)
    assert len(saving) == 1 and target.read_bytes().startswith(b"%PDF")
    activate(preview)
    printed = tmp_path / "printed.pdf"
    monkeypatch.setattr(preview_dialog, "letter_printer", lambda: _pdf_printer(printed))
    when_shown(QPrintDialog, lambda _dialog: key(qtbot, Qt.Key.Key_Return))
    key(qtbot, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: preview.printed_pages == 1, timeout=30_000)
    assert printed.read_bytes().startswith(b"%PDF")


def _tiny_pdf() -> bytes:
    import io

    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, "receipt")
    canvas.save()
    return out.getvalue()
