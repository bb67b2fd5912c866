"""Shared test data for the GUI tests (a module, not conftest, so tests can import the type)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.services.accounts import authenticate
from desk_app.services.demo import DEMO_PASSWORD
from tests.support.passwords import GUI_ADMIN_PASSWORD
from ui.cases.case_view import CaseView
from ui.context import AppContext, local_backend, local_database
from ui.main_window import MainWindow

ADMIN_PASSWORD = GUI_ADMIN_PASSWORD  # the name the GUI tests import from here


@dataclass(frozen=True)
class SetUp:
    db: Database
    admin: Actor
    password: str = ADMIN_PASSWORD

    def headquarters_admin(self) -> Actor:
        """The administrator, with the set-up branch made headquarters: only an HQ administrator may give
        the HQ analyst role."""
        with self.db.unit_of_work() as session:
            session.get_one(Branch, self.admin.branch_id).is_headquarters = True
        return dataclasses.replace(self.admin, is_hq=True)


def local_db(ctx: AppContext) -> Database:
    """The test database behind a context on a LocalBackend (to arrange data or check it directly)."""
    db = local_database(ctx)
    assert db is not None
    return db


@dataclass(frozen=True)
class Shown:
    """A message box that a test caused (recorded instead of shown)."""

    icon: QMessageBox.Icon
    title: str
    text: str
    informative: str
    details: str


def open_main_window(qtbot: QtBot, set_up: SetUp, username: str) -> MainWindow:
    """The main window, shown, signed in as ``username``: "admin" is the set-up administrator, any other
    name a demo account (the demo data must exist)."""
    actor = set_up.admin if username == "admin" else authenticate(set_up.db, username, DEMO_PASSWORD)
    # labelled as the application labels this PC's database (the file path in the status bar)
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), local_backend(set_up.db),
                     schema_state(set_up.db.engine).current)
    window = MainWindow(ctx, actor)
    qtbot.addWidget(window)
    window.show()
    return window


def open_case_by_number(qtbot: QtBot, window: MainWindow, case_number: str) -> CaseView:
    """Open a case from its number as the overview does (found, then read, in the background) and wait
    until it is shown."""
    window.open_case_number(case_number)

    def shown() -> CaseView | None:
        holder = window.pages.currentWidget()
        view = holder.widget() if hasattr(holder, "widget") else None
        return view if isinstance(view, CaseView) and view.file is not None and not view.busy else None

    qtbot.waitUntil(lambda: shown() is not None, timeout=10_000)
    view = shown()
    assert view is not None
    return view
