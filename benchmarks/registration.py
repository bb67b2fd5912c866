"""Registration at size: p50/p95/p99 of ``register_complaint`` by a branch clerk, and where the slowest go.

    python benchmarks/registration.py --db /tmp/cases-1m.sqlite3          # a bulk-filled file (benchmarks/bulk.py)
    python benchmarks/registration.py --database-url postgresql+psycopg://desk:desk@host/db
    python benchmarks/registration.py --small                             # CI: 3,000 cases, 2 × 200 registrations

The database must hold the demo staff (``benchmarks/bulk.py`` makes them); ``--small`` fills a temporary SQLite
file itself. Registrations go through the service API one by one (one transaction each), in alternating
blocks of each ``--variant`` (default: ``before`` = the registration path as it was, ``after`` = as it is), so
both see the same machine load and database size. Each registration is split into: waiting for the write lock
(``BEGIN IMMEDIATE``), the SQL statements, the commit (a WAL checkpoint runs inside a commit) and Python; a
registration is marked when the background search drain held a transaction or Python's cyclic garbage collector
ran during it. Printed: p50/p95/p99/max per variant, then the slowest 1 % of each next to its median ones,
split that way. Goals (issue 21): p95 < 15 ms, p99 < 30 ms at 1M cases on SQLite. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from search import draft  # noqa: E402  (the sibling script benchmarks/search.py: its registrations' drafts)
from sqlalchemy import Engine, event, func, select  # noqa: E402

from desk_app.db import search, wal  # noqa: E402
from desk_app.db.engine import make_engine  # noqa: E402
from desk_app.db.migrate import upgrade_to_head  # noqa: E402
from desk_app.db.models import Complaint  # noqa: E402
from desk_app.db.uow import Database  # noqa: E402
from desk_app.domain.actor import Actor  # noqa: E402
from desk_app.services import demo  # noqa: E402
from desk_app.services.accounts import authenticate  # noqa: E402
from desk_app.services.complaints import register_complaint  # noqa: E402
from desk_app.services.demo_bulk import generate_bulk  # noqa: E402

BLOCK = 50  # registrations per block; blocks of the variants alternate


# --- what one registration spent its time on ---------------------------------------------------------------

@dataclass
class Sample:
    total: float = 0.0
    cpu: float = 0.0  # this thread's CPU time: what the registration cost, whatever else ran meanwhile
    lock: float = 0.0  # BEGIN IMMEDIATE: waiting for the write lock
    sql: float = 0.0  # the other statements
    commit: float = 0.0
    drain: bool = False  # the background drain held a transaction meanwhile
    gc: bool = False  # the cyclic garbage collector ran meanwhile
    slowest: tuple[float, str] = (0.0, "")

    @property
    def python(self) -> float:
        return max(0.0, self.total - self.lock - self.sql - self.commit)


@dataclass
class Probe:
    """Engine events and a drain wrapper that fill the current registration's ``Sample`` (this thread's
    statements only; the drain runs in its own thread)."""

    current: Sample | None = None
    owner: int = 0
    drains: list[tuple[float, float]] = field(default_factory=list)
    gc_runs: int = 0
    _started: float = 0.0
    _commit_at: float = 0.0

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._on_commit)
        gc.callbacks.append(self._gc)
        original = search.drain_batch

        def timed_drain_batch(session: Any, limit: int = search.DRAIN_BATCH) -> int:
            started = time.perf_counter()
            try:
                return original(session, limit)
            finally:
                self.drains.append((started, time.perf_counter()))

        search.drain_batch = timed_drain_batch  # drain() looks it up each call

    def _mine(self) -> bool:
        return self.current is not None and threading.get_ident() == self.owner

    def _before(self, *_args: Any) -> None:
        if self._mine():
            self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not self._mine() or self.current is None:
            return
        took = time.perf_counter() - self._started
        if statement.startswith("BEGIN"):
            self.current.lock += took
        else:
            self.current.sql += took
            if took > self.current.slowest[0]:
                self.current.slowest = (took, " ".join(statement.split()[:4]))

    def _on_commit(self, _conn: Any) -> None:
        if self._mine():
            self._commit_at = time.perf_counter()

    def _gc(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start" and self._mine():
            self.gc_runs += 1

    @contextmanager
    def measure(self) -> Iterator[Sample]:
        sample = Sample()
        self.current, self.owner, self._commit_at, runs = sample, threading.get_ident(), 0.0, self.gc_runs
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            yield sample
        finally:
            ended = time.perf_counter()
            self.current = None
            sample.total, sample.cpu = ended - started, time.thread_time() - cpu
            if self._commit_at:
                sample.commit = ended - self._commit_at
            sample.gc = self.gc_runs > runs
            sample.drain = any(a < ended and b > started for a, b in self.drains[-20:])


# --- variants --------------------------------------------------------------------------------------------

Variant = Callable[[Database, bool], None]
"""Switches a database (and this process) to a variant's registration path (True) or back (False)."""

VARIANTS: dict[str, Variant] = {}


def variant(name: str) -> Callable[[Variant], Variant]:
    def register(fn: Variant) -> Variant:
        VARIANTS[name] = fn
        return fn
    return register


@variant("after")
def _as_it_is(_db: Database, _on: bool) -> None:
    """The registration path of this checkout."""


_SQLITE_DEFAULT_AUTOCHECKPOINT = 1000
_background_checkpoint = wal._committed
_autocheckpoint = [wal.AUTOCHECKPOINT_PAGES]


_background_drain = search.DRAINS.work


def _drain_at_once(db: Database) -> None:
    search.drain(db)


@variant("before")
def _as_it_was(_db: Database, on: bool) -> None:
    """As before this change (commit 18f1811): SQLite's own checkpoint inside the commit that takes the log past
    1,000 pages, none in the background; the background search drain in transactions of up to 500 rows, one
    after the other."""
    wal._committed = (lambda _ref: None) if on else _background_checkpoint  # type: ignore[assignment]
    _autocheckpoint[0] = _SQLITE_DEFAULT_AUTOCHECKPOINT if on else wal.AUTOCHECKPOINT_PAGES
    search.DRAINS.work = _drain_at_once if on else _background_drain


def _apply_autocheckpoint(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """On each checkout (SQLite): the current variant's checkpoint threshold."""
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {_autocheckpoint[0]}")


# --- running ---------------------------------------------------------------------------------------------

def ms(seconds: float) -> float:
    return seconds * 1000


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_blocks(db: Database, clerk: Actor, names: list[str], total: int, block: int, start: int, probe: Probe
               ) -> dict[str, list[Sample]]:
    samples: dict[str, list[Sample]] = {name: [] for name in names}
    i = start
    rounds = max(1, total // block)
    for r in range(rounds):
        order = names if r % 2 == 0 else list(reversed(names))  # neither always follows the other
        for name in order:
            if db.dialect == "sqlite":
                wal.checkpoint(db)  # each block starts from a checkpointed log
            VARIANTS[name](db, True)
            try:
                for _k in range(block):
                    with probe.measure() as sample:
                        register_complaint(db, clerk, draft(i))
                    samples[name].append(sample)
                    i += 1
            finally:
                VARIANTS[name](db, False)
    return samples


def report(samples: dict[str, list[Sample]]) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"register load average {load} ({os.cpu_count()} CPUs)", flush=True)
    print(f"{'variant':10} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}   CPU p50/p95/p99 ms   "
          f"commits > 20 ms", flush=True)
    for name, values in samples.items():
        totals, cpus = [ms(s.total) for s in values], [ms(s.cpu) for s in values]
        print(f"{name:10} {len(totals):5} {quantile(totals, .5):8.1f} {quantile(totals, .95):8.1f} "
              f"{quantile(totals, .99):8.1f} {max(totals):8.1f}   {quantile(cpus, .5):5.1f} {quantile(cpus, .95):5.1f} "
              f"{quantile(cpus, .99):5.1f}        {sum(s.commit > 0.020 for s in values):5}", flush=True)
    print(f"{'where the time goes':30} {'lock':>6} {'sql':>6} {'commit':>7} {'python':>7} {'drain %':>8} "
          f"{'gc %':>5}  slowest statement", flush=True)
    for name, values in samples.items():
        ordered = sorted(values, key=lambda s: s.total)
        n = max(1, len(ordered) // 100)
        middle = len(ordered) // 2
        for label, part in (("median 1 %", ordered[middle - n // 2: middle - n // 2 + n]),
                            ("slowest 1 %", ordered[-n:])):
            def avg(get: Callable[[Sample], float], part: list[Sample] = part) -> float:
                return statistics.fmean(ms(get(s)) for s in part)
            top = max(part, key=lambda s: s.slowest[0]).slowest
            drained, collected = (100 * sum(getattr(s, flag) for s in part) / len(part) for flag in ("drain", "gc"))
            print(f"{name + ' ' + label:30} {avg(lambda s: s.lock):6.1f} {avg(lambda s: s.sql):6.1f} "
                  f"{avg(lambda s: s.commit):7.1f} {avg(lambda s: s.python):7.1f} {drained:8.0f} {collected:5.0f}"
                  f"  {ms(top[0]):.1f} ms {top[1]}", flush=True)


def run(url: str, registrations: int, block: int, names: list[str], clerk_name: str, password: str,
        fill: int = 0) -> None:
    engine = make_engine(url)
    upgrade_to_head(engine)
    db = Database(engine)
    try:
        with db.unit_of_work() as session:
            have = int(session.scalar(select(func.count()).select_from(Complaint)) or 0)
        if have < fill:
            figures = generate_bulk(db, fill - have, seed=2026)
            print(f"fill    {figures.cases:,} bulk cases in {figures.total_s:.1f} s", flush=True)
            have = fill
        clerk = authenticate(db, clerk_name, password)
        probe = Probe()
        probe.attach(engine)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "checkout", _apply_autocheckpoint)
        print(f"database {engine.dialect.name}, {have:,} cases; {registrations:,} registrations a variant in "
              f"alternating blocks of {block}: {', '.join(names)}", flush=True)
        samples = run_blocks(db, clerk, names, registrations, block, have, probe)
        report(samples)
        search.drain(db)
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="SQLite file holding bulk demo data (it gains the registrations)")
    parser.add_argument("--database-url", help="SQLAlchemy URL holding bulk demo data, e.g. PostgreSQL")
    parser.add_argument("--registrations", type=int, default=1000, help="per variant (default 1,000)")
    parser.add_argument("--block", type=int, default=BLOCK, help=f"registrations per block (default {BLOCK})")
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS),
                        help="variants to compare (repeatable; default: all)")
    parser.add_argument("--clerk", default="sh01.clerk", help="a branch clerk who registers (default sh01.clerk)")
    parser.add_argument("--password", default=demo.DEMO_PASSWORD, help="the clerk's password (default: demo)")
    parser.add_argument("--small", action="store_true", help="CI: 3,000 bulk cases in a temporary SQLite file, "
                        "200 registrations a variant")
    args = parser.parse_args()
    names = args.variant or sorted(VARIANTS)
    with tempfile.TemporaryDirectory(prefix="desk-registration-") as tmp:
        if args.small:
            run(f"sqlite:///{Path(tmp) / 'registration.sqlite3'}", min(args.registrations, 200), min(args.block, 50),
                names, args.clerk, args.password, fill=3000)
        elif args.database_url or args.db:
            run(args.database_url or f"sqlite:///{args.db}", args.registrations, args.block, names, args.clerk,
                args.password)
        else:
            parser.error("give --db, --database-url or --small")
    return 0


if __name__ == "__main__":
    sys.exit(main())
