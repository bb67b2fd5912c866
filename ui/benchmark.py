"""Cold-start measurement for benchmarks/: from process start to the main window's first paint."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from desk_app.config import AppConfig
from desk_app.services.demo import DEMO_PASSWORD
from ui.app import application, open_database, wait_for_tasks
from ui.context import AppContext, local_backend
from ui.main_window import MainWindow


class _FirstPaint(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.at: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.at is None:
            self.at = time.perf_counter()
            QTimer.singleShot(0, QApplication.quit)
        return False


def time_to_first_paint(db_url: str, process_start: float) -> float:
    """Seconds from ``process_start`` (perf_counter at interpreter start) to the first paint of the
    main window, signed in as the demo administrator on a database that already has demo data."""
    app = application([])
    db, revision = open_database(AppConfig(db_url=db_url))
    backend = local_backend(db)
    actor = backend.sign_in("admin", DEMO_PASSWORD)
    window = MainWindow(AppContext(AppConfig(db_url=db_url), backend, revision), actor)
    probe = _FirstPaint()
    window.installEventFilter(probe)
    window.show()
    app.exec()
    elapsed = (probe.at or time.perf_counter()) - process_start
    window.close()
    wait_for_tasks()
    db.dispose()
    return elapsed
