"""Case list timings over N demo cases: open (count + first page), filters, searches, deep pages, sorts,
and the GUI model (first rows, a jump to the middle and the end), with the process memory.

    python benchmarks/case_list.py --count 200000 --db /tmp/cases-200k.sqlite3
    python benchmarks/case_list.py --count 200000 --database-url postgresql+psycopg://desk:desk@host/db

A database that already holds at least N cases is reused as it is (generating 1,000,000 demo cases takes
about 25 minutes here); one with fewer gets the missing cases added. Without --db or --database-url a
temporary SQLite file is used and removed afterwards. Target: under 200 ms for open, filter and search.
Each figure is the median of --repeat runs (the first, cold run is shown too). Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select  # noqa: E402

from desk_app.db.engine import make_engine  # noqa: E402
from desk_app.db.migrate import upgrade_to_head  # noqa: E402
from desk_app.db.models import Complaint, Customer  # noqa: E402
from desk_app.db.uow import Database  # noqa: E402
from desk_app.domain.actor import Actor  # noqa: E402
from desk_app.domain.enums import Severity, SpecialFlag, Status  # noqa: E402
from desk_app.services import demo  # noqa: E402
from desk_app.services.accounts import authenticate  # noqa: E402
from desk_app.services.case_list import PAGE_SIZE, CaseFilter, SortKey, count_cases, fetch_page  # noqa: E402

TARGET_MS = 200.0
TZ = "Asia/Shanghai"
_FLAG_NAMES = ("irrational", "group", "media", "regulator", "litigation")
#: Index changes proposed to the lead (who owns the migrations); --try-indexes adds them to the benchmark
#: database to measure them. The any-flag index's WHERE must read exactly like the query's condition.
PROPOSED_INDEXES: dict[str, list[str]] = {
    "sqlite": [
        "CREATE INDEX IF NOT EXISTS ix_complaints_received_number ON complaints (received_at, case_number)",
        "CREATE INDEX IF NOT EXISTS ix_complaints_branch_received ON complaints (branch_id, received_at, case_number)",
        "CREATE INDEX IF NOT EXISTS ix_complaints_status_due_received ON complaints "
        "(status, due_on, severity, received_at, case_number)",
        "CREATE INDEX IF NOT EXISTS ix_complaints_owner_branch_received ON complaints "
        "(owner_id, branch_id, received_at)",
        *(f"CREATE INDEX IF NOT EXISTS ix_complaints_flag_{f} ON complaints (received_at) WHERE flag_{f} = 1"
          for f in _FLAG_NAMES),
        "CREATE INDEX IF NOT EXISTS ix_complaints_flagged ON complaints (received_at) WHERE "
        + " OR ".join(f"flag_{f} = 1" for f in _FLAG_NAMES),
    ],
    "postgresql": [
        "CREATE INDEX IF NOT EXISTS ix_complaints_received_number ON complaints (received_at, case_number) "
        "INCLUDE (id)",
        "CREATE INDEX IF NOT EXISTS ix_complaints_branch_received ON complaints (branch_id, received_at, case_number) "
        "INCLUDE (id)",
        "CREATE INDEX IF NOT EXISTS ix_complaints_status_due_received ON complaints "
        "(status, due_on, severity, received_at, case_number) INCLUDE (id)",
        "CREATE INDEX IF NOT EXISTS ix_complaints_owner_branch_received ON complaints "
        "(owner_id, branch_id, received_at)",
        *(f"CREATE INDEX IF NOT EXISTS ix_complaints_flag_{f} ON complaints (received_at) WHERE flag_{f}"
          for f in _FLAG_NAMES),
        "CREATE INDEX IF NOT EXISTS ix_complaints_flagged ON complaints (received_at) WHERE "
        + " OR ".join(f"flag_{f}" for f in _FLAG_NAMES),
    ],
}


@dataclass(frozen=True)
class Figure:
    group: str
    name: str
    cold_ms: float
    median_ms: float
    rows: int

    def line(self) -> str:
        flag = "" if self.group not in ("open", "filter", "search") or self.median_ms < TARGET_MS else "  > target"
        return (f"{self.group:7} {self.name:44} {self.median_ms:9.1f} ms (cold {self.cold_ms:8.1f})"
                f" {self.rows:>9,} rows{flag}")


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB (Linux)."""
    current = 0.0
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        pass
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, float, int]:
    times, rows = [], 0
    for _i in range(repeat):
        started = time.perf_counter()
        rows = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times[0], statistics.median(times), rows


def prepare(db: Database, count: int) -> int:
    with db.unit_of_work() as session:
        have = int(session.scalar(select(func.count()).select_from(Complaint)) or 0)
    if have < count:
        print(f"generating {count - have:,} demo cases (have {have:,}) …", flush=True)
        started = time.perf_counter()
        step = max(count // 20, 1)
        demo.generate_demo_data(db, count - have, seed=2026, progress=lambda done, total: print(
            f"  {done:,}/{total:,}", flush=True) if done % step < demo.BATCH else None)
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
        have = count
    return have


ANALYZE: dict[str, list[str]] = {"sqlite": ["PRAGMA analysis_limit = 1000", "ANALYZE"], "postgresql": ["ANALYZE"]}


def change_schema(engine: Engine, statements: list[str]) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # one connection: PRAGMAs hold
        for statement in statements:
            started = time.perf_counter()
            conn.exec_driver_sql(statement)
            print(f"schema  {statement[:90]} … {time.perf_counter() - started:.1f} s", flush=True)


def sample_queries(db: Database) -> dict[str, str]:
    """Search words taken from the data: a rare customer name, its 2-character prefix, a phone, a number."""
    with db.unit_of_work() as session:
        name, phone = session.execute(
            select(Customer.name, Customer.phone).where(func.length(Customer.name) == 3).limit(1)).one()
        number = session.scalar(select(Complaint.case_number).order_by(Complaint.case_number.desc()).limit(1))
    return {"name3": name, "name2": name[:2], "phone": phone[-8:], "number": str(number)[-13:]}


def run_core(db: Database, admin: Actor, clerk: Actor, handler: Actor, repeat: int) -> list[Figure]:
    today = datetime.now(ZoneInfo(TZ)).date()
    figures: list[Figure] = []

    def open_list(actor: Actor, flt: CaseFilter, sort: SortKey = SortKey.RECEIVED, descending: bool = True) -> int:
        n = count_cases(db, actor, flt, today)  # then the first page, as the list's model asks for them
        fetch_page(db, actor, flt, today, sort=sort, descending=descending, offset=0, limit=PAGE_SIZE, matches=n)
        return n

    def add(group: str, name: str, fn: Callable[[], int]) -> None:
        cold, median, rows = timed(fn, repeat)
        figures.append(Figure(group, name, cold, median, rows))
        print(figures[-1].line(), flush=True)

    base = CaseFilter(office_tz=TZ)
    add("open", "HQ: all branches", lambda: open_list(admin, base))
    add("open", "branch clerk: own branch", lambda: open_list(clerk, base))
    filters: dict[str, CaseFilter] = {
        "overdue": replace(base, overdue=True),
        "due within 2 days": replace(base, due_soon=True),
        "status in progress": replace(base, statuses=frozenset({Status.IN_PROGRESS})),
        "status registered + assigned": replace(base, statuses=frozenset({Status.REGISTERED, Status.ASSIGNED})),
        "severity critical": replace(base, severities=frozenset({Severity.CRITICAL})),
        "flag media": replace(base, flags=frozenset({SpecialFlag.MEDIA})),
        "any special flag": replace(base, any_flag=True),
        "received last 30 days": replace(base, received_from=today - timedelta(days=30), received_to=today),
        "overdue + critical": replace(base, overdue=True, severities=frozenset({Severity.CRITICAL})),
    }
    for name, flt in filters.items():
        add("filter", f"HQ: {name}", partial(open_list, admin, flt))
    add("filter", "clerk: overdue", lambda: open_list(clerk, filters["overdue"]))
    add("filter", "handler: my cases", lambda: open_list(handler, replace(base, mine=True)))

    words = sample_queries(db)
    searches = {
        f"2 chars, name prefix {words['name2']}": words["name2"],
        f"3 chars, customer {words['name3']}": words["name3"],
        "4 chars, text 吞卡未还": "吞卡未还",
        "3 chars, common text 信用卡": "信用卡",
        "6 chars, text 未授权境外消费": "未授权境外消费",
        f"phone digits {words['phone']}": words["phone"],
        f"case number part {words['number']}": words["number"],
    }
    for name, text in searches.items():
        add("search", f"HQ: {name}", partial(open_list, admin, replace(base, text=text)))
    add("search", f"clerk: 2 chars {words['name2']}", lambda: open_list(clerk, replace(base, text=words["name2"])))
    add("search", "clerk: 3 chars, common text 信用卡", lambda: open_list(clerk, replace(base, text="信用卡")))

    total = count_cases(db, admin, base, today)

    def page_rows(offset: int) -> int:
        return len(fetch_page(db, admin, base, today, offset=offset, limit=PAGE_SIZE, matches=total))

    for label, offset in (("middle", total // 2), ("end", max(total - PAGE_SIZE, 0))):
        add("page", f"HQ: page at the {label} (offset {offset:,})",
            partial(page_rows, offset))
    for key in SortKey:
        add("sort", f"HQ: by {key.value}", partial(open_list, admin, base, key, False))
    add("sort", "HQ: by due, overdue only", lambda: open_list(admin, filters["overdue"], SortKey.DUE, False))
    return figures


def run_gui(db: Database, admin: Actor) -> None:
    """The real model in a Qt event loop: first rows, a jump to the middle and to the end of the list."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from ui.cases.case_table_model import CaseTableModel, Column, DatabaseSource, ListQuery

    app = QApplication.instance() or QApplication([])
    assert app is not None
    model = CaseTableModel(DatabaseSource(db, admin), ZoneInfo(TZ))

    def wait(condition: Callable[[], bool], timeout_s: float = 60) -> float:
        started = time.perf_counter()
        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(1)
        timer.timeout.connect(lambda: loop.quit() if condition() or time.perf_counter() - started > timeout_s
                              else None)
        timer.start()
        loop.exec()
        timer.stop()
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    model.set_query(ListQuery(CaseFilter(office_tz=TZ), today=date.today()))
    wait(lambda: not model.loading)
    print(f"gui     model: first {PAGE_SIZE} rows shown after{(time.perf_counter() - started) * 1000:9.1f} ms"
          f" ({model.rowCount():,} rows)", flush=True)
    for label, row in (("middle", model.rowCount() // 2), ("end", model.rowCount() - 1)):
        started = time.perf_counter()
        model.data(model.index(row, Column.CASE_NUMBER))  # the view paints the row: placeholder, fetch
        wait(partial(model.is_loaded, row))
        print(f"gui     model: jump to the {label:6} rows shown after{(time.perf_counter() - started) * 1000:9.1f} ms",
              flush=True)
    # scroll through 30 consecutive pages, as a long drag of the scroll bar would
    pages = min(30, (model.rowCount() - 1) // PAGE_SIZE)
    started = time.perf_counter()
    for page in range(1, pages + 1):
        model.data(model.index(page * PAGE_SIZE, 0))
        wait(partial(model.is_loaded, page * PAGE_SIZE))
    if pages:
        print(f"gui     model: {pages} consecutive pages, {(time.perf_counter() - started) * 1000 / pages:9.1f} ms"
              " a page", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000, help="demo cases (default 1,000,000)")
    parser.add_argument("--db", type=Path, help="SQLite file to reuse (created and filled when short of cases)")
    parser.add_argument("--database-url", help="SQLAlchemy URL, e.g. PostgreSQL (migrated to head here)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each timing (median reported)")
    parser.add_argument("--no-gui", action="store_true", help="skip the Qt model timings")
    parser.add_argument("--try-indexes", action="store_true",
                        help="add the proposed indexes to this database first (changes the database!)")
    parser.add_argument("--analyze", action="store_true",
                        help="run ANALYZE first (SQLite: sampled, analysis_limit 1000), so the planner has "
                        "statistics (changes the database)")
    args = parser.parse_args()

    tmp: tempfile.TemporaryDirectory[str] | None = None
    if args.database_url:
        url = args.database_url
    else:
        if args.db is None:
            tmp = tempfile.TemporaryDirectory(prefix="desk-case-list-")
            args.db = Path(tmp.name) / "cases.sqlite3"
        url = f"sqlite:///{args.db}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    db = Database(engine)
    try:
        have = prepare(db, args.count)
        if args.try_indexes:
            change_schema(engine, PROPOSED_INDEXES[engine.dialect.name])
        if args.analyze:  # on SQLite the quick, sampled statistics we propose running after migrations
            change_schema(engine, ANALYZE[engine.dialect.name])
        admin = authenticate(db, "admin", demo.DEMO_PASSWORD)
        clerk = authenticate(db, "sh01.clerk", demo.DEMO_PASSWORD)
        handler = authenticate(db, "sh01.handler", demo.DEMO_PASSWORD)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"database: {engine.dialect.name}, {have:,} cases; target {TARGET_MS:.0f} ms; median of {args.repeat};"
              f" {os.cpu_count()} CPUs, load average {load}", flush=True)
        figures = run_core(db, admin, clerk, handler, args.repeat)
        if not args.no_gui:
            run_gui(db, admin)
        current, peak = rss_mib()
        targeted = [f for f in figures if f.group in ("open", "filter", "search")]
        missed = [f for f in targeted if f.median_ms >= TARGET_MS]
        print(f"memory  process RSS now {current:.0f} MiB, peak {peak:.0f} MiB")
        print(f"summary {len(targeted) - len(missed)} of {len(targeted)} open/filter/search timings under"
              f" {TARGET_MS:.0f} ms; missed: {', '.join(f.name for f in missed) or 'none'}")
    finally:
        db.dispose()
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
