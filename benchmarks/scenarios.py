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


SCENARIOS = {"demo-data": demo_data, "register": register, "check": check, "gui-first-paint": gui_first_paint,
             "bare-first-paint": bare_first_paint}

if __name__ == "__main__":
    name, path, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(SCENARIOS[name](path, n)))
