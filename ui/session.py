"""Who works at the desk: sign-in (and the forced change of an initial password), the signed-in user's
main window, and File ▸ Sign out / switch user, which ends that user's session and asks for the next."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from desk_app.api.backend import Backend
from desk_app.domain.actor import Actor
from desk_app.services import setup
from desk_app.services.accounts import must_change_password
from ui.context import AppContext, local_database
from ui.dialogs.first_run_wizard import FirstRunWizard
from ui.dialogs.login_dialog import LoginDialog
from ui.dialogs.password_dialog import ChangePasswordDialog
from ui.errors import show_error
from ui.main_window import MainWindow
from ui.tasks import run_task

log = logging.getLogger(__name__)


def sign_out_later(backend: Backend, actor: Actor) -> None:
    """End ``actor``'s session in the background, after the calls already queued (nothing to end on this PC;
    a desk server forgets the session token). A failure is only logged: the session expires anyway."""

    def work(_progress: object, _cancelled: object) -> None:
        backend.sign_out(actor)

    def failed(exc: BaseException) -> None:
        log.warning("signing out %s failed: %s", actor.username, exc)

    run_task(work, on_error=failed)


def ask_sign_in(backend: Backend) -> Actor | None:
    """The sign-in dialog, then the forced password change for an initial or reset password; None if
    cancelled (a session opened for a password that was not changed is ended again)."""
    actor = LoginDialog.ask(backend)
    if actor is None:
        return None
    if backend.call(actor, must_change_password) and not ChangePasswordDialog.ask(backend, actor, True):
        sign_out_later(backend, actor)
        return None
    return actor


def sign_in(ctx: AppContext) -> Actor | None:
    """The first-run wizard (from its branch page) on a local database without accounts, otherwise
    ``ask_sign_in``; None if cancelled."""
    db = local_database(ctx)
    if db is not None and not setup.is_initialised(db):
        result = FirstRunWizard.ask(db)
        return result.actor if result is not None else None
    return ask_sign_in(ctx.backend)


class DeskSession(QObject):
    """Holds the main window of the signed-in user. Switching user signs the user out (in the background,
    after the window's own pending calls), closes their window and shows the sign-in dialog: the next user
    gets a fresh main window; cancelling quits the application."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.window: MainWindow | None = None

    def open_window(self, actor: Actor) -> MainWindow:
        window = MainWindow(self.ctx, actor)
        window.sig_switch_user.connect(self.switch_user)
        self.window = window
        window.show()
        return window

    def sign_out(self) -> None:
        """End the session of the window's user; the window stays as it is (used on quitting)."""
        if self.window is not None:
            sign_out_later(self.ctx.backend, self.window.actor)

    def switch_user(self) -> None:
        window = self.window
        if window is None:
            return
        self.sign_out()
        self.window = None
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        quit_on_close = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)  # the sign-in dialog comes between the two windows
        try:
            window.close()
            window.deleteLater()
            actor = ask_sign_in(self.ctx.backend)
        except Exception as exc:  # e.g. the desk server went away: say so, then quit as if cancelled
            show_error(None, exc)
            actor = None
        finally:
            app.setQuitOnLastWindowClosed(quit_on_close)
        if actor is None:
            QApplication.quit()
            return
        self.open_window(actor)
