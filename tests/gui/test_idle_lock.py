"""The idle lock hides the window after inactivity and opens only with the user's password."""

from __future__ import annotations

from gui_support import SetUp
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
    dialog.password.setText("wrong-password-1")
    dialog.try_unlock()
    assert lock.locked and "Wrong user name or password" in dialog.error.text()
    dialog.password.setText(set_up.password)
    with qtbot.waitSignal(lock.sig_unlocked, timeout=3000):
        dialog.try_unlock()
    assert not lock.locked and central.isVisible()
    lock.stop()


def test_lock_now_from_the_menu(qtbot: QtBot, set_up: SetUp) -> None:
    window = _window(qtbot, set_up)
    with qtbot.waitSignal(window.idle_lock.sig_locked, timeout=3000):
        window.lock_action.trigger()
    assert window.idle_lock.locked
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
