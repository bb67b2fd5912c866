"""Practice mode's window (练习模式): the drill page on the practice database, with the window title and a
banner saying so, apart from the main window and its real database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from desk_app.db.engine import url_label
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.drill_scenario import Scenario, bundled_scenarios
from desk_app.i18n import _
from desk_app.services.practice import open_practice_database
from ui import icons
from ui.drills.drill_page import DrillPage
from ui.help.help_browser import install_f1
from ui.i18n import Retranslating
from ui.screen_fit import resize_within_screen
from ui.tasks import CancelledFn, ProgressFn, db_pool, run_with_progress

BANNER_STYLE = ("QLabel#practiceBanner { background: #fff1b8; color: #5c3c00; border: 2px dashed #b07d00; "
                "padding: 6px; font-weight: bold; }")


class PracticeWindow(Retranslating, QMainWindow):
    """Owns the practice database's connections (closed with the window)."""

    def __init__(self, db: Database, trainee: Actor, scenarios: tuple[Scenario, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("practiceWindow")
        self.setWindowFlag(Qt.WindowType.Window)
        self.setWindowIcon(icons.icon(icons.APP))
        self.db, self.trainee = db, trainee
        self.location = url_label(str(db.engine.url))
        self.banner = QLabel(self)
        self.banner.setObjectName("practiceBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.page = DrillPage(db, trainee, scenarios, self)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.page, 1)
        self.setCentralWidget(central)
        self.practice_menu = self.menuBar().addMenu("")
        self.close_action = QAction(self)
        self.close_action.setShortcut(QKeySequence("Ctrl+W"))
        self.close_action.triggered.connect(self.close)
        self.practice_menu.addAction(self.close_action)
        install_f1(self, "practice")
        self.retranslate_ui()
        resize_within_screen(self, 1280, 720)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("[PRACTICE] Complaint Desk — practice database"))
        self.banner.setText(_("PRACTICE MODE — drills with scripted customers, on the practice database {path}. "
                              "Nothing done here reaches real cases or the real database.").format(
            path=self.location))
        self.banner.setAccessibleName(self.banner.text())
        self.practice_menu.setTitle(_("P&ractice"))
        self.close_action.setText(_("&Close practice mode"))

    def closeEvent(self, event: QCloseEvent) -> None:
        db_pool().waitForDone(10_000)  # a drill call still running finishes before its database closes
        self.db.dispose()
        super().closeEvent(event)


def open_practice_window(parent: QWidget | None, trainee: Actor, real_url: str = "") -> PracticeWindow:
    """Open (making and migrating on first use) the practice database and its window, behind a progress
    dialog. UserError when it cannot be opened, or when it would be the real database (``real_url``)."""

    def work(_progress: ProgressFn, _cancelled: CancelledFn) -> tuple[Database, tuple[Scenario, ...]]:
        db, _revision = open_practice_database(real_url=real_url)
        try:
            return db, bundled_scenarios()
        except Exception:
            db.dispose()
            raise

    db, scenarios = run_with_progress(parent, _("Opening the practice database…"), work)
    window = PracticeWindow(db, trainee, scenarios, parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    window.page.picker.table.setFocus()
    return window
