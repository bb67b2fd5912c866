"""Run by test_startup_imports.py in a fresh process: starts the app as ``desk-app --database-url URL`` does,
signs in through the sign-in dialog from the keyboard once it is painted, and prints (as JSON) which of the
modules the start must not load are loaded when the sign-in dialog first paints, when the main window first paints,
and once that window's first loads are done."""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

import ui.app

#: Loaded on first use only, never by the start (issue 21): the self-test, spreadsheets, PDFs, migrations,
#: the letter and report code, and the desk-server client (this start works on this PC's database).
NOT_AT_START = ("openpyxl", "reportlab", "alembic", "desk_app.reports", "desk_app.documents",
                "desk_app.services.self_test", "httpx")


#: Loaded once the first window (the sign-in dialog) has been painted, behind it (ui.database_opening): SQLAlchemy,
#: the database layer and the models, the services, the password hash, the database driver and the main window.
NOT_BEFORE_FIRST_WINDOW = ("sqlalchemy", "desk_app.db", "desk_app.services", "argon2", "psycopg", "ui.context",
                           "ui.main_window", "ui.dialogs.password_dialog", "ui.dialogs.first_run_wizard")


def loaded(modules: tuple[str, ...] = NOT_AT_START) -> list[str]:
    return sorted(name for name in sys.modules if any(name == m or name.startswith(m + ".") for m in modules))


def loaded_heavy() -> list[str]:
    return loaded(NOT_AT_START)


class Driver(QObject):
    def __init__(self, password: str) -> None:
        super().__init__()
        self.password = password
        self.report: dict[str, object] = {"signed_in_by_dialog": False}

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) and watched.isWindow() \
                and "at_first_window" not in self.report:
            self.report["first_window"] = watched.objectName()
            self.report["at_first_window"] = loaded(NOT_AT_START + NOT_BEFORE_FIRST_WINDOW)
            if isinstance(watched, QDialog) and watched.objectName() != "loginDialog":  # the first-run wizard
                QTimer.singleShot(0, watched.reject)
        if event.type() == QEvent.Type.Paint and watched.objectName() == "loginDialog" \
                and not self.report["signed_in_by_dialog"]:
            self.report["signed_in_by_dialog"] = True
            assert isinstance(watched, QWidget)
            QTimer.singleShot(0, lambda: self.sign_in(watched))
        elif event.type() == QEvent.Type.Paint and watched.objectName() == "mainWindow" \
                and "at_first_paint" not in self.report:
            self.report["at_first_paint"] = loaded_heavy()
            QTimer.singleShot(0, self.finish)
        return False

    def sign_in(self, dialog: QWidget) -> None:
        """Type as a user does: user name, Tab, password, Enter, each into the focused field."""
        for keys in ("admin", Qt.Key.Key_Tab, self.password, Qt.Key.Key_Return):
            focused = dialog.focusWidget()
            assert focused is not None
            if isinstance(keys, str):
                QTest.keyClicks(focused, keys)
            else:
                QTest.keyClick(focused, keys)

    def finish(self) -> None:
        ui.app.wait_for_tasks()
        self.report["after_first_loads"] = loaded_heavy()
        QApplication.quit()


def main() -> int:
    """``startup_probe.py URL PASSWORD``: sign in on that database; ``startup_probe.py --first-run``: nothing names
    a database yet, so the first window is the first-run wizard, cancelled once painted."""
    first_run = sys.argv[1] == "--first-run"
    app = ui.app.application([])  # main() goes on with this instance
    driver = Driver("" if first_run else sys.argv[2])
    app.installEventFilter(driver)
    code = ui.app.main([] if first_run else ["--database-url", sys.argv[1]])
    print(json.dumps({"exit_code": code, **driver.report}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
