"""The idle lock hides the window after inactivity and opens only with the user's password."""

from __future__ import annotations

import threading

from gated_backend import GatedBackend
from gui_support import SetUp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from ui.context import AppContext
from ui.idle_lock import IdleLock
from ui.main_window import MainWindow


def _window(qtbot: QtBot, set_up: SetUp) -> MainWindow:
    from desk_app.config import AppConfig

    config = AppConfig(db_url=str(set_up.db.engine.url))
    window = MainWindow(AppContext(config, LocalBackend(set_up.db), "head"), set_up.admin)
    qtbot.addWidget(window)
    window.show()
    return window


def test_locks_after_idle_time_and_unlocks_with_password(qtbot: QtBot, set_up: SetUp) -> None:
    window = _window(qtbot, set_up)
    window.idle_lock.stop()
    lock = IdleLock(window, LocalBackend(set_up.db), set_up.admin, minutes=5, interval_ms=50)
    with qtbot.waitSignal(lock.sig_locked, timeout=3000):
        pass
    central = window.centralWidget()
    assert central is not None and not central.isVisible()
    dialog = lock.dialog
    qtbot.waitExposed(dialog)
    assert "after a period without activity" in dialog.message.text()  # the lock says why
    dialog.activateWindow()
    assert dialog.focusWidget() is dialog.password
    qtbot.keyClicks(dialog.password, "wrong-password-1")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong user name or password" in dialog.error.text(), timeout=5000)
    assert lock.locked and not dialog.is_busy() and dialog.password.text() == ""
    assert dialog.focusWidget() is dialog.password
    qtbot.keyClicks(dialog.password, set_up.password)
    with qtbot.waitSignal(lock.sig_unlocked, timeout=5000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert not lock.locked and central.isVisible() and dialog.error.isHidden()
    lock.stop()


def test_unlocking_checks_the_password_off_the_gui_thread(qtbot: QtBot, set_up: SetUp) -> None:
    window = _window(qtbot, set_up)
    window.idle_lock.stop()
    backend = GatedBackend(LocalBackend(set_up.db))
    lock = IdleLock(window, backend, set_up.admin, minutes=5)
    lock.lock()
    dialog = lock.dialog
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.keyClicks(dialog.password, set_up.password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(backend.threads) == 1, timeout=5000)
    assert backend.threads[0] is not threading.main_thread()
    assert dialog.is_busy() and dialog.busy.text() == "Checking the password…" and dialog.password.isReadOnly()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # ignored while busy
    assert lock.locked
    with qtbot.waitSignal(lock.sig_unlocked, timeout=5000):
        backend.gate.set()
    assert len(backend.threads) == 1 and not lock.locked and not dialog.is_busy()
    lock.stop()


def test_lock_now_from_the_menu(qtbot: QtBot, set_up: SetUp) -> None:
    window = _window(qtbot, set_up)
    with qtbot.waitSignal(window.idle_lock.sig_locked, timeout=3000):
        window.lock_action.trigger()
    assert window.idle_lock.locked
    message = window.idle_lock.dialog.message.text()
    assert message.startswith("You locked the screen.") and "without activity" not in message
    window.idle_lock.dialog.reject()  # Escape does not unlock
    assert window.idle_lock.locked
    window.idle_lock.stop()


def test_new_minutes_take_effect_at_once(qtbot: QtBot, set_up: SetUp) -> None:
    window = _window(qtbot, set_up)
    lock = window.idle_lock
    assert lock.interval_ms == 5 * 60_000  # the configured default
    lock.set_minutes(12)  # what File ▸ Settings calls on OK
    assert lock.interval_ms == 12 * 60_000 and not lock.locked
    lock.stop()


def test_forced_password_change(qtbot: QtBot, set_up: SetUp) -> None:
    from desk_app.domain.enums import Role
    from desk_app.services.accounts import authenticate, create_user, must_change_password
    from ui.dialogs.password_dialog import ChangePasswordDialog

    create_user(set_up.db, set_up.admin, username="newclerk", display_name="新柜员", password="initial123",
                role=Role.COUNTER_CLERK)
    clerk = authenticate(set_up.db, "newclerk", "initial123")
    assert must_change_password(set_up.db, clerk)
    dialog = ChangePasswordDialog(LocalBackend(set_up.db), clerk, forced=True)
    qtbot.addWidget(dialog)
    dialog.old.setText("initial123")
    dialog.new.setText("mine2026x")
    dialog.repeat.setText("mine2026y")
    dialog.submit()
    assert "differ" in dialog.error.text()
    dialog.repeat.setText("mine2026x")
    dialog.submit()
    assert dialog.result() == ChangePasswordDialog.DialogCode.Accepted
    assert not must_change_password(set_up.db, clerk)
    assert authenticate(set_up.db, "newclerk", "mine2026x").username == "newclerk"
