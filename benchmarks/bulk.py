"""Bulk demo data for benchmarks: N realistic cases (the demo data's customers, hash-chained timelines,
resolutions, follow-up calls, root causes) in minutes, on SQLite or PostgreSQL.

    python benchmarks/bulk.py --count 1000000 --db /tmp/cases-1m.sqlite3
    python benchmarks/bulk.py --count 1000000 --database-url postgresql+psycopg://desk:desk@host/db
    python benchmarks/bulk.py --small                     # CI: 5,000 cases in a temporary SQLite file

The same as ``desk-cli demo-data --bulk N``. The database is migrated to head first; cases are added to
what it holds. Prints the time for the rows, for rebuilding the indexes and in all, and rows per second.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from desk_app.db.engine import make_engine  # noqa: E402
from desk_app.db.migrate import upgrade_to_head  # noqa: E402
from desk_app.db.uow import Database  # noqa: E402
from desk_app.services.demo_bulk import generate_bulk  # noqa: E402


def fill(url: str, count: int, seed: int | None = 2026) -> None:
    """Migrate ``url`` to head and add ``count`` bulk cases, printing progress and figures."""
    engine = make_engine(url)
    upgrade_to_head(engine)
    db = Database(engine)
    last = [0.0]
    started = time.perf_counter()
    cpu_before = cpu_seconds()

    def progress(what: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if what != "cases" or now - last[0] > 10 or done == total:
            last[0] = now
            print(f"bulk    {what} {done:,}/{total:,} … {now - started:.0f} s", flush=True)

    try:
        f = generate_bulk(db, count, seed=seed, progress=progress)
    finally:
        db.dispose()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"bulk    {engine.dialect.name}: {f.cases:,} cases, {f.events:,} timeline events, {f.outcomes:,} outcome "
          f"rows: rows {f.rows_s:.1f} s, indexes {f.index_s:.1f} s, total {f.total_s:.1f} s = "
          f"{f.cases / f.total_s:,.0f} cases/s; CPU {cpu_seconds() - cpu_before:.1f} s in this process and its "
          f"producers ({os.cpu_count()} CPUs, load average {load})", flush=True)


def cpu_seconds() -> float:
    """User and system time of this process and its finished children (the producers): the work done,
    whatever else the machine was doing meanwhile."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="SQLite file (created when missing)")
    parser.add_argument("--database-url", help="SQLAlchemy URL, e.g. PostgreSQL")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--small", action="store_true", help="CI: 5,000 cases in a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-bulk-") as tmp:
        if args.small:
            args.count, args.db, args.database_url = min(args.count, 5000), Path(tmp) / "bulk.sqlite3", None
        url = args.database_url or f"sqlite:///{args.db or Path(tmp) / 'bulk.sqlite3'}"
        fill(url, args.count, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
