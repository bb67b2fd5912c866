"""One benchmark scenario per process (called by run.py); prints a JSON line of figures."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def demo_data(db_path: Path, count: int) -> dict[str, float]:
    from desk_app.db.engine import make_engine
    from desk_app.db.migrate import upgrade_to_head
    from desk_app.db.uow import Database
    from desk_app.services.demo import generate_demo_data

    engine = make_engine(f"sqlite:///{db_path}")
    upgrade_to_head(engine)
    started = time.perf_counter()
    generate_demo_data(Database(engine), count, seed=2026)
    seconds = time.perf_counter() - started
    return {"cases": count, "seconds": round(seconds, 2), "cases_per_s": round(count / seconds)}


def register(db_path: Path, count: int) -> dict[str, float]:
    from desk_app.db.engine import make_engine
    from desk_app.db.uow import Database
    from desk_app.domain.enums import Channel, Severity
    from desk_app.services.accounts import authenticate
    from desk_app.services.complaints import register_complaint
    from desk_app.services.demo import DEMO_PASSWORD
    from desk_app.services.dto import ComplaintDraft, CustomerDraft

    db = Database(make_engine(f"sqlite:///{db_path}"))
    clerk = authenticate(db, "sh01.clerk", DEMO_PASSWORD)
    started = time.perf_counter()
    for i in range(count):
        register_complaint(db, clerk, ComplaintDraft(
            channel=Channel.COUNTER, axis_a="A01", axis_b="B0302", axis_c="C09", severity=Severity.GENERAL,
            facts_what="信用卡出现未授权交易", request_kinds=("refund",),
            customer=CustomerDraft(name=f"测试客户{i}", phone=f"139{i:08d}")))
    seconds = time.perf_counter() - started
    return {"cases": count, "ms_per_case": round(seconds * 1000 / count, 2)}


def check(db_path: Path, _count: int) -> dict[str, float]:
    from desk_app.db.engine import make_engine
    from desk_app.db.uow import Database
    from desk_app.services.integrity import run_checks

    started = time.perf_counter()
    report = run_checks(Database(make_engine(f"sqlite:///{db_path}")))
    assert report.ok, report.lines
    return {"seconds": round(time.perf_counter() - started, 2)}


def gui_first_paint(db_path: Path, _count: int) -> dict[str, float]:
    """The wall-clock time of the main window's first paint (run.py counts from before it started this process)
    and the CPU time used until then."""
    from ui.benchmark import app_first_paint

    painted_at, cpu_s = app_first_paint(f"sqlite:///{db_path}")
    return {"painted_at": painted_at, "cpu_s": cpu_s}


def bare_first_paint(_db_path: Path, _count: int) -> dict[str, float]:
    """The same for an empty QMainWindow: the floor gui-first-paint is compared with."""
    from ui.benchmark import bare_first_paint as paint

    painted_at, cpu_s = paint()
    return {"painted_at": painted_at, "cpu_s": cpu_s}


def first_window_paint(db_path: Path, _count: int) -> dict[str, float]:
    """``desk-app --database-url`` on a set-up database, as a user starts it, to the first paint of its first
    window (the sign-in dialog), then cancelled. Only ``ui.app.main`` is used, so the same scenario also times
    an older checkout (``run.py --baseline``: PYTHONPATH names that checkout)."""
    return _start_app(db_path, sign_in=False)


def sign_in_paint(db_path: Path, _count: int) -> dict[str, float]:
    """The same start, signing in as the demo administrator the moment the sign-in dialog is painted (user name,
    Tab, password, Enter typed into the focused fields): figures at the main window's first paint, and the
    longest the GUI thread did not turn its event loop while the dialog waited for the password check."""
    return _start_app(db_path, sign_in=True)


def _start_app(db_path: Path, *, sign_in: bool) -> dict[str, float]:
    import os

    from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QDialog, QWidget

    import ui.app

    figures: dict[str, float] = {}

    class Probe(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.ticks = QTimer(self)
            self.ticks.setInterval(5)
            self.ticks.timeout.connect(self.tick)
            self.clock = QElapsedTimer()
            self.longest_ms = 0

        def tick(self) -> None:
            self.longest_ms = max(self.longest_ms, self.clock.restart())

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() != QEvent.Type.Paint or not isinstance(watched, QWidget) or not watched.isWindow():
                return False
            if "painted_at" not in figures:
                figures.update(painted_at=time.time(), cpu_s=time.process_time(), modules=len(sys.modules))
                QTimer.singleShot(0, lambda: self.first(watched))
            elif watched.objectName() == "mainWindow" and "main_painted_at" not in figures:
                figures.update(main_painted_at=time.time(), main_cpu_s=time.process_time(),
                               stall_ms=self.longest_ms)
                QTimer.singleShot(0, QApplication.closeAllWindows)
            return False

        def first(self, window: QWidget) -> None:
            if not isinstance(window, QDialog):  # not the sign-in dialog (e.g. a message box): stop there
                window.close()
                return
            if not sign_in:
                window.reject()
                return
            for keys in ("admin", Qt.Key.Key_Tab, os.environ["DESK_BENCH_PASSWORD"]):
                focused = window.focusWidget()
                assert focused is not None
                if isinstance(keys, str):
                    QTest.keyClicks(focused, keys)
                else:
                    QTest.keyClick(focused, keys)
            window.finished.connect(self.ticks.stop)
            self.clock.start()
            self.ticks.start()
            focused = window.focusWidget()
            assert focused is not None
            QTest.keyClick(focused, Qt.Key.Key_Return)

    app = ui.app.application([])
    probe = Probe()
    app.installEventFilter(probe)
    code = ui.app.main(["--database-url", f"sqlite:///{db_path}", "--language", "en"])
    if code not in (0, ui.app.EXIT_CANCELLED) or "painted_at" not in figures:
        raise SystemExit(f"the app did not start: exit code {code}")
    return figures


SCENARIOS = {"demo-data": demo_data, "register": register, "check": check, "gui-first-paint": gui_first_paint,
             "bare-first-paint": bare_first_paint, "first-window-paint": first_window_paint,
             "sign-in-paint": sign_in_paint}

if __name__ == "__main__":
    name, path, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(SCENARIOS[name](path, n)))
