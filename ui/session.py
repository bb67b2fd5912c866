"""Who works at the desk: the desk server this PC works with (its pinned certificate, whether it answers and
speaks this app's protocol), sign-in (and the forced change of an initial password), the signed-in user's
main window, and File ▸ Sign out / switch user, which ends that user's session and asks for the next."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec
from PySide6.QtCore import QObject, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from desk_app.api.backend import Backend
from desk_app.api.messages import Health
from desk_app.api.pinning import pinned_certificate
from desk_app.api.protocol import PROTOCOL_VERSION
from desk_app.domain.actor import Actor
from desk_app.errors import DatabaseUnavailableError, ProtocolMismatchError, ServerIdentityError
from desk_app.i18n import _
from ui.dialogs.login_dialog import LoginDialog
from ui.dialogs.server_dialog import ServerDialog
from ui.errors import show_error
from ui.tasks import CancelledFn, ProgressFn, TaskAbandoned, run_task, run_with_progress

if TYPE_CHECKING:
    from desk_app.api.remote import RemoteBackend  # httpx and the job codecs: loaded for a desk server only
    from ui.context import AppContext
    from ui.main_window import MainWindow

# SQLAlchemy, the models, the password hash and the main window's pages load after the sign-in dialog is painted
# (issue 21: ui.database_opening), so the functions below import them where they are used.

log = logging.getLogger(__name__)


# -- the desk server ---------------------------------------------------------------------------------------
class Choice(enum.Enum):
    """What the user chose in a start-up message about the desk server."""

    RETRY = "retry"
    SETTINGS = "settings"
    REVIEW = "review"
    QUIT = "quit"


@dataclass(frozen=True)
class DeskServer:
    """A desk server that answered, with this PC's pinned certificate, and speaks this app's protocol."""

    backend: RemoteBackend
    health: Health


def check_protocol(health: Health) -> None:
    """ProtocolMismatchError (translated: which side to update) unless the server speaks this app's protocol."""
    if health.protocol > PROTOCOL_VERSION:
        raise ProtocolMismatchError(_(
            "This app is older than the desk server (protocol {client}, server {server}). "
            "Update the app on this PC to go on.").format(client=PROTOCOL_VERSION, server=health.protocol))
    if health.protocol < PROTOCOL_VERSION:
        raise ProtocolMismatchError(_(
            "The desk server is older than this app (protocol {server}, app {client}). "
            "Ask IT to update the desk server.").format(client=PROTOCOL_VERSION, server=health.protocol))


def _ask(parent: QWidget | None, icon: QMessageBox.Icon, text: str, informative: str,
         buttons: list[tuple[str, QMessageBox.ButtonRole, Choice]], object_name: str) -> Choice:
    """A message box with the given buttons (the first is the default); closing it chooses Quit."""
    box = QMessageBox(icon, _("Complaint Desk"), text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName(object_name)
    box.setInformativeText(informative)
    choices: dict[int, Choice] = {}
    first: QPushButton | None = None
    for label, role, choice in buttons:
        button = box.addButton(label, role)
        choices[id(button)] = choice
        first = first or button
        if choice is Choice.QUIT:
            box.setEscapeButton(button)
    if first is not None:
        box.setDefaultButton(first)
    box.exec()
    clicked = box.clickedButton()
    return choices.get(id(clicked), Choice.QUIT) if clicked is not None else Choice.QUIT


def ask_unreachable(parent: QWidget | None, exc: DatabaseUnavailableError) -> Choice:
    """The desk server does not answer: Retry, the desk server's settings, or Quit."""
    return _ask(parent, QMessageBox.Icon.Warning, str(exc),
                _("Check this PC's network connection. If the server's address has changed, correct it in the "
                  "desk server settings; if the server is down, tell IT."),
                [(_("&Retry"), QMessageBox.ButtonRole.AcceptRole, Choice.RETRY),
                 (_("Desk &server settings…"), QMessageBox.ButtonRole.ActionRole, Choice.SETTINGS),
                 (_("&Quit"), QMessageBox.ButtonRole.RejectRole, Choice.QUIT)], "serverUnreachableBox")


def ask_identity(parent: QWidget | None, exc: ServerIdentityError) -> Choice:
    """The server presents another certificate than the pinned one: review the new one, or Quit."""
    return _ask(parent, QMessageBox.Icon.Critical, str(exc),
                _("Nothing was sent to the server: not your user name, not your password. Trust a new certificate "
                  "only when IT confirms it and gives you its fingerprint."),
                [(_("Re&view the new certificate…"), QMessageBox.ButtonRole.ActionRole, Choice.REVIEW),
                 (_("&Quit"), QMessageBox.ButtonRole.RejectRole, Choice.QUIT)], "serverIdentityBox")


def check_health(backend: RemoteBackend, parent: QWidget | None = None) -> Health:
    """``backend.health()`` in the background behind a progress note (Cancel stops waiting: TaskAbandoned)."""

    def work(_progress: ProgressFn, _cancelled: CancelledFn) -> Health:
        try:
            return backend.health()
        except msgspec.DecodeError as exc:  # something answers at that address, but not a desk server
            raise DatabaseUnavailableError(
                _("The desk server gave an answer this app does not understand.")) from exc

    return run_with_progress(parent, _("Connecting to the desk server {server}…").format(server=backend.url),
                             work, pool=QThreadPool.globalInstance(), abandon_on_cancel=True)


def open_desk_server(url: str, parent: QWidget | None = None) -> DeskServer | None:
    """The desk server at ``url``, checked: its certificate pinned (asked first when none is), its health
    answered and its protocol this app's. An unreachable server offers Retry, the desk server's settings or
    Quit; a changed certificate offers to review the new one. None when the user quits or cancels; raises
    ProtocolMismatchError when the app or the server must be updated."""
    from desk_app.api.remote import RemoteBackend

    while True:
        certificate = pinned_certificate(url)
        if certificate is None:  # the trust step: compare the fingerprint before anything is sent
            chosen = ServerDialog.ask(parent, url, restart_note=False)
            if chosen is None:
                return None
            url = chosen
            continue
        backend = RemoteBackend(url, certificate)
        try:
            health = check_health(backend, parent)
        except TaskAbandoned:
            backend.close()
            return None
        except ServerIdentityError as exc:
            backend.close()
            log.warning("the desk server %s presents another certificate", url)
            if ask_identity(parent, exc) is not Choice.REVIEW:
                return None
            ServerDialog.ask(parent, url, certificate, restart_note=False)
            continue
        except DatabaseUnavailableError as exc:
            backend.close()
            log.warning("the desk server %s cannot be reached: %s", url, exc)
            choice = ask_unreachable(parent, exc)
            if choice is Choice.SETTINGS:
                url = ServerDialog.ask(parent, url, restart_note=False) or url
            elif choice is not Choice.RETRY:
                return None
            continue
        except BaseException:
            backend.close()
            raise
        try:
            check_protocol(health)
        except ProtocolMismatchError:
            backend.close()
            raise
        return DeskServer(backend, health)


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
    from desk_app.services.accounts import must_change_password  # after the dialog: SQLAlchemy, argon2
    from ui.dialogs.password_dialog import ChangePasswordDialog

    if backend.call(actor, must_change_password) and not ChangePasswordDialog.ask(backend, actor, True):
        sign_out_later(backend, actor)
        return None
    return actor


def sign_in(ctx: AppContext) -> Actor | None:
    """The first-run wizard (from its branch page) on a local database without accounts, otherwise
    ``ask_sign_in``; None if cancelled."""
    from desk_app.services import setup
    from ui.context import local_database

    db = local_database(ctx)
    if db is not None and not setup.is_initialised(db):
        from ui.dialogs.first_run_wizard import FirstRunWizard  # only for a database without accounts

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
        from ui.main_window import MainWindow

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
