"""Practice mode (练习模式): drills with scripted customers on a practice database of their own, opened from the
main window's File menu or with ``desk-app --practice``. The window's modules load when it is first opened."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

from desk_app.config import AppConfig

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ui.drills.practice_window import PracticeWindow
    from ui.main_window import MainWindow


def open_practice_mode(window: MainWindow) -> PracticeWindow | None:
    """The practice window for the signed-in user (the trainee), over the main window; None if it cannot open
    (the error is shown)."""
    from ui.drills.practice_window import open_practice_window
    from ui.errors import show_error

    try:
        return open_practice_window(window, window.actor, window.ctx.config.db_url)
    except Exception as exc:
        show_error(window, exc)
        return None


def run_practice_mode(app: QApplication, config: AppConfig) -> int:
    """``desk-app --practice``: practice mode alone, without the real database or a desk server; the trainee
    is this computer's user."""
    from desk_app.services.practice import practice_trainee
    from ui.drills.practice_window import open_practice_window
    from ui.errors import show_error

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    try:
        window = open_practice_window(None, practice_trainee(user), config.db_url)
    except Exception as exc:
        show_error(None, exc)
        return 2
    code = app.exec()
    del window  # kept until the event loop ends: a window without a parent lives as long as its reference
    return code
