"""Cold-start measurement for benchmarks/: the wall-clock time of a window's first paint, in a fresh process.

``app_first_paint`` goes the way ``desk-app`` starts (``ui.app``: QApplication, error hook, translations, this
PC's database at schema head, the signed-in user's main window) without the sign-in dialog: it signs in as the
demo administrator directly. ``bare_first_paint`` shows an empty QMainWindow, the floor to compare with.
Both return ``time.time()`` at the first paint, so the caller can count from before it started the process, and
the CPU time the process had used by then (all its threads; on a busy machine it varies less than the wall time).
Nothing here is imported before the start it measures: the imports are part of the figure."""

from __future__ import annotations

import time


def _paint_time(window: object) -> tuple[float, float]:
    """Show ``window`` (a QWidget, maybe shown already: nothing is painted before the event loop runs), run the
    event loop until its first paint and return when that was."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    assert isinstance(window, QWidget)

    class FirstPaint(QObject):
        at: tuple[float, float] | None = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.at is None:
                self.at = time.time(), time.process_time()
                QTimer.singleShot(0, QApplication.quit)
            return False

    probe = FirstPaint()
    window.installEventFilter(probe)
    window.show()
    QApplication.exec()
    return probe.at or (time.time(), time.process_time())


def bare_first_paint() -> tuple[float, float]:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([])
    window = QMainWindow()
    window.resize(1180, 760)
    at = _paint_time(window)
    window.close()
    del app
    return at


def app_first_paint(db_url: str) -> tuple[float, float]:
    """The main window of the demo administrator on ``db_url`` (a database with demo data)."""
    from desk_app.config import AppConfig
    from desk_app.services.demo import DEMO_PASSWORD
    from ui.app import application, open_backend, wait_for_tasks
    from ui.context import AppContext, close_backend
    from ui.errors import install_excepthook
    from ui.i18n import LanguageSupport
    from ui.session import DeskSession

    app = application([])
    install_excepthook()
    LanguageSupport(app).install()
    config = AppConfig(db_url=db_url)
    opened = open_backend(config, db_url)
    assert opened is not None
    backend, revision = opened
    session = DeskSession(AppContext(config, backend, revision))
    window = session.open_window(backend.sign_in("admin", DEMO_PASSWORD))
    at = _paint_time(window)  # shown, not painted yet: painting waits for the event loop
    window.close()
    wait_for_tasks()
    close_backend(backend)
    return at
