"""Start-up: arguments, QApplication, translations, error hook, where the data is (this PC's database or a
desk server), first-run wizard, sign-in, main window. ``main()`` is the ``desk-app`` entry point and
returns the process exit code.

A PC configured for a desk server (``server_url``) talks to it over HTTPS with the pinned certificate and
never opens a database itself; ``--database-url`` (or ``DESK_DATABASE_URL``) forces this PC's in-process
mode on that database, for IT and tests. When nothing names either yet, the first-run wizard asks."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

import desk_app
from desk_app import i18n
from desk_app.api.sqlite_peek import has_accounts
from desk_app.config import ENV_DATABASE_URL, AppConfig, first_run_needed, load_config
from desk_app.domain.actor import Actor
from desk_app.errors import OperationCancelled, UserError
from desk_app.i18n import _
from desk_app.paths import backup_dir, user_log_dir
from ui import icons
from ui.collector import GuiThreadCollector
from ui.database_opening import WIZARD_WARM_UP, DatabaseOpening, warm_up_after_first_paint
from ui.errors import install_excepthook, show_error
from ui.i18n import LanguageSupport
from ui.session import DeskSession, ask_sign_in, open_desk_server, sign_in
from ui.tasks import CancelledFn, ProgressFn, db_pool, run_with_progress

if TYPE_CHECKING:
    from desk_app.api.backend import Backend
    from desk_app.db.uow import Database
    from ui.context import AppContext
    from ui.main_window import MainWindow

# Start-up time (issue 21): the first window (the sign-in dialog or the first-run wizard) is painted before
# SQLAlchemy, the models, the password hash and the main window's pages are loaded; the functions below import
# what only they need (tests/gui/test_startup_imports.py checks the import graph).

log = logging.getLogger(__name__)
EXIT_CANCELLED = 1
EXIT_DATABASE = 2
EXIT_SELF_TEST_FAILED = 3


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="desk-app", description="Complaint Desk (投诉服务台)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: configuration, then the local file)")
    parser.add_argument("--language", choices=i18n.LANGUAGES, help="user interface language")
    parser.add_argument("--demo-data", type=int, metavar="N", default=0,
                        help="add N fictitious demo cases after start-up")
    parser.add_argument("--self-test", action="store_true",
                        help="run the built-in checks and open/close the main window, then exit")
    parser.add_argument("--practice", action="store_true",
                        help="practice mode: drills on the practice database only, never the real one")
    # Qt options (-platform, -style…) are left for QApplication.
    args, _unknown = parser.parse_known_args(argv)
    return args


def setup_logging() -> None:
    root = logging.getLogger()
    if any(isinstance(h, RotatingFileHandler) for h in root.handlers):
        return
    try:
        handler = RotatingFileHandler(user_log_dir() / "desk-app.log", maxBytes=2_000_000, backupCount=3,
                                      encoding="utf-8")
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def application(argv: Sequence[str] | None = None) -> QApplication:
    # Qt's own file, colour and message dialogs instead of the system's: they follow the app's language
    # (the qtbase catalog), where a native one speaks the system's
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName("Complaint Desk")
    app.setOrganizationName("complaint-desk")
    app.setApplicationVersion(desk_app.__version__)
    app.setWindowIcon(icons.icon(icons.APP))
    return app


def open_database(config: AppConfig) -> tuple[Database, str | None]:
    """This PC's database, at schema head (a SQLite file is migrated after a backup; any other database
    must already be at head). Raises DatabaseUnavailableError with a translated message."""
    from ui.context import open_local_database

    return open_local_database(config.db_url, backup_dir())


def forced_local(database_url: str | None) -> bool:
    """``--database-url`` or ``DESK_DATABASE_URL`` name a database: work on it in this process."""
    return bool(database_url or os.environ.get(ENV_DATABASE_URL))


def open_backend(config: AppConfig, database_url: str | None) -> tuple[Backend, str | None] | None:
    """Where the use cases run, and the schema revision: the configured desk server (checked, see
    ``open_desk_server``) or this PC's database. None when the user quits at a desk-server question;
    UserError (translated) when it cannot be used."""
    if config.server_url and not forced_local(database_url):
        server = open_desk_server(config.server_url)
        if server is None:
            return None
        return server.backend, server.health.schema
    from ui.context import local_backend

    db, revision = open_database(config)
    return local_backend(db), revision


def show_fatal(exc: UserError) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, _("Complaint Desk"),
                      _("Complaint Desk cannot start."), QMessageBox.StandardButton.Ok)
    box.setObjectName("fatalBox")
    box.setInformativeText(str(exc))
    box.exec()


def add_demo_data(ctx: AppContext, count: int, parent: MainWindow | None) -> int:
    """Fictitious cases in this PC's database (a desk server's database is not filled from a counter PC)."""
    from desk_app.services import demo
    from ui.context import local_database

    db = local_database(ctx)
    if db is None:
        raise UserError(_("Demo data can only be added to this PC's database."))

    def work(progress: ProgressFn, cancelled: CancelledFn) -> int:
        return demo.generate_demo_data(db, count, progress, cancelled)

    try:
        return run_with_progress(parent, _("Generating demo data…"), work)
    except OperationCancelled:
        return 0


def wait_for_tasks(timeout_ms: int = 10_000) -> None:
    """Let background database tasks finish and their results arrive (used on exit and in self-test)."""
    db_pool().waitForDone(timeout_ms)
    deadline = QDeadlineTimer(200)
    while not deadline.hasExpired():
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def gui_self_test() -> int:
    """The core self-test, then the GUI on a temporary database: open, load the overview, close."""
    from desk_app.domain.enums import InstitutionType
    from desk_app.services import demo, setup
    from desk_app.services.overview import Overview
    from desk_app.services.self_test import run_self_test  # openpyxl, reportlab, alembic: only for this
    from ui.context import AppContext, local_backend
    from ui.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="desk-self-test-") as folder:
        for line in run_self_test(Path(folder)):
            print(line)
        config = AppConfig(db_url=f"sqlite:///{Path(folder) / 'gui-self-test.sqlite3'}")
        db, revision = open_database(config)
        try:
            demo.create_demo_database(db)  # a throwaway database: it may take demo data
            actor = setup.initialise(db, setup.SetupRequest(
                "GT01", "界面自检", InstitutionType.BANK, "guitest", "界面自检", "Gui-Self-Test-7",
                is_headquarters=True))
            demo.generate_demo_data(db, 20, seed=1)
            window = MainWindow(AppContext(config, local_backend(db), revision), actor)
            window.show()
            wait_for_tasks()
            page = window.current_page()
            loaded = getattr(page, "overview", None)
            window.close()
            window.deleteLater()
            wait_for_tasks()
            if not isinstance(loaded, Overview) or loaded.total < 20:
                print("GUI self-test FAILED: the overview did not load")
                return EXIT_SELF_TEST_FAILED
            print(_("main window opened and closed ({n} cases shown)").format(n=loaded.total))
        finally:
            db.dispose()
    print("self-test OK")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    setup_logging()
    app = application(argv)
    install_excepthook()
    collector = GuiThreadCollector(app)  # garbage holding widgets is never freed on a worker thread
    language_support = LanguageSupport(app)
    language_support.install()
    actor: Actor | None = None
    opened: tuple[Backend, str | None] | None = None
    opening: DatabaseOpening | None = None
    try:
        try:
            config = load_config(args.database_url)
            i18n.set_language(args.language or config.language)
            if args.self_test:
                return gui_self_test()
            if args.practice:  # opens neither the real database nor a desk server
                from ui.drills import run_practice_mode

                return run_practice_mode(app, config)
            on_desk_server = bool(config.server_url) and not forced_local(args.database_url)
            if not on_desk_server and first_run_needed(args.database_url):
                from ui.dialogs.first_run_wizard import FirstRunWizard

                warm_up_after_first_paint(WIZARD_WARM_UP)  # painted first, SQLAlchemy and the rest behind it
                result = FirstRunWizard.ask(demo_count=args.demo_data)
                if result is None:
                    return EXIT_CANCELLED
                if result.demo_added:
                    args.demo_data = 0  # the wizard made the demo data already
                config = load_config(args.database_url)  # the wizard saved where the data is
                if result.db is not None:
                    from ui.context import local_backend

                    opened, actor = (local_backend(result.db), result.revision), result.actor
            if opened is None and not on_desk_server and has_accounts(config.db_url):
                opening = DatabaseOpening(config.db_url, backup_dir())  # opened behind the sign-in dialog
            elif opened is None:
                opened = open_backend(config, args.database_url)
                if opened is None:
                    return EXIT_CANCELLED
        except UserError as exc:
            log.error("start-up refused: %s", exc)
            show_fatal(exc)
            return EXIT_DATABASE
        if opening is not None:
            opening.open_after_first_paint()
            actor = ask_sign_in(opening)
            failure = opening.failure()
            if isinstance(failure, UserError):
                log.error("start-up refused: %s", failure)
                show_fatal(failure)
                return EXIT_DATABASE
            if failure is not None:
                raise failure
            if actor is None:
                return EXIT_CANCELLED
            now_open = opening.opened()  # open already: the sign-in waited for it
            opened = now_open.backend, now_open.revision
        from ui.context import AppContext

        assert opened is not None  # the desk server, the wizard's database, or this PC's, opened by now
        backend, revision = opened
        ctx = AppContext(config, backend, revision)
        session = DeskSession(ctx)
        try:
            actor = actor or sign_in(ctx)
        except UserError as exc:
            show_fatal(exc)
            return EXIT_DATABASE
        if actor is None:
            return EXIT_CANCELLED
        window = session.open_window(actor)
        if args.demo_data > 0:
            try:
                add_demo_data(ctx, args.demo_data, window)
            except Exception as exc:
                show_error(window, exc)
            window.current_page().refresh()
        code = app.exec()
        session.sign_out()
        return code
    finally:
        wait_for_tasks()
        language_support.uninstall()
        collector.stop()
        settled = opening.settled() if opening is not None and opened is None else None
        if settled is not None:  # opened behind a sign-in dialog that was cancelled
            opened = settled.backend, settled.revision
        if opened is not None:
            from ui.context import close_backend

            close_backend(opened[0])
