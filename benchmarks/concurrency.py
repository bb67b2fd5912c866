"""Load benchmark: N client processes registering cases at once on a shared PostgreSQL database.

    python benchmarks/concurrency.py --url postgresql+psycopg://desk:desk@host:5432/desk --clients 8 --seconds 20
    (the URL defaults to $TEST_DATABASE_URL; ``--cases M`` registers M cases per client instead of a time;
    ``--branches K`` spreads the clients over K branches, default 1: every client takes numbers from the
    same branch-and-day counter, the worst case)

Each client is its own process (spawned, like separate counter PCs) with its own connection and its
own clerk account; all start at the same moment and register cases through the service, one
transaction each, for T seconds. Prints the total rate (cases per second), each client's median and
95th-percentile latency, and checks the numbers: distinct, and contiguous for the branch and day.

The database is migrated to head if needed and set up if empty; the benchmark then adds its own
branches (code ``LD`` + 4 hex digits + a letter) and clerks, so run it on a throwaway or test database.
The last line is a JSON object of the figures (read by ``benchmarks/run.py``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import multiprocessing.synchronize
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desk_app.db.engine import make_engine
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel, Severity
from desk_app.services.dto import ComplaintDraft, CustomerDraft


def _draft(client: int, i: int, received_at: datetime) -> ComplaintDraft:
    phone = f"139{(client * 10_000_000 + i) % 10**8:08d}"
    return ComplaintDraft(
        channel=Channel.COUNTER, axis_a="A01", axis_b="B0302", axis_c="C09", severity=Severity.GENERAL,
        facts_what=f"客户反映信用卡出现一笔未授权消费（负载测试 {client}-{i}）", request_kinds=("refund",),
        request_text="要求退还款项", claimed_amount="3200", received_at=received_at,
        customer=CustomerDraft(name=f"负载客户{client}-{i}", phone=phone))


def client(url: str, actor: Actor, number: int, seconds: float, cases: int, received_at: datetime,
           ready: multiprocessing.Queue, go: multiprocessing.synchronize.Event,
           results: multiprocessing.Queue) -> None:
    """One counter PC: connect, register a warm-up case (received the day before: its own counter), report
    ready, wait for the start, register until time or count is up."""
    from desk_app.services.complaints import register_complaint

    db = Database(make_engine(url))
    numbers: list[str] = []
    latencies: list[float] = []
    error = ""
    try:
        warm_up = register_complaint(db, actor, _draft(number, -1, received_at - timedelta(days=1)))
        numbers.append(warm_up.case_number)
        ready.put(number)
        go.wait(120)
        stop = time.perf_counter() + seconds
        i = 0
        while (cases and i < cases) or (not cases and time.perf_counter() < stop):
            started = time.perf_counter()
            numbers.append(register_complaint(db, actor, _draft(number, i, received_at)).case_number)
            latencies.append(time.perf_counter() - started)
            i += 1
    except Exception as exc:  # reported, and the benchmark fails
        error = f"{type(exc).__name__}: {exc}"
    finally:
        db.dispose()
    results.put((number, numbers, latencies, error, time.perf_counter()))


def prepare(url: str, clients: int, branches: int = 1) -> tuple[list[str], list[Actor]]:
    """Schema at head, reference data present, fresh branches and one clerk per client (client k works
    at branch k mod ``branches``)."""
    from sqlalchemy import func, select

    from desk_app.cli.reports import actor_for_username
    from desk_app.db.migrate import upgrade_to_head
    from desk_app.db.models import Branch, User
    from desk_app.domain.enums import InstitutionType, Role
    from desk_app.services.setup import SetupRequest, initialise

    db = Database(make_engine(url))
    try:
        upgrade_to_head(db.engine)
        with db.unit_of_work() as session:
            empty = not session.scalar(select(func.count()).select_from(User))
        if empty:
            initialise(db, SetupRequest("HQ", "负载测试总部", InstitutionType.BANK, "bench.admin", "负载测试管理员",
                                        uuid.uuid4().hex, is_headquarters=True))
        run_id = uuid.uuid4().hex[:4].upper()
        codes = [f"LD{run_id}{chr(ord('A') + b)}" for b in range(branches)]
        with db.unit_of_work() as session:
            ids = []
            for code in codes:
                branch = Branch(code=code, name=f"负载测试网点{code}", institution_type="bank",
                                regime="banking_insurance")
                session.add(branch)
                session.flush()
                ids.append(branch.id)
            for k in range(clients):
                session.add(User(username=f"ld{run_id.lower()}.clerk{k}", display_name=f"柜员{k}",
                                 password_hash="!", role=Role.COUNTER_CLERK.value, branch_id=ids[k % branches],
                                 must_change_password=False))
        actors = [actor_for_username(db, f"ld{run_id.lower()}.clerk{k}") for k in range(clients)]
        return codes, actors
    finally:
        db.dispose()


def verify(url: str, codes: list[str], numbers: list[str]) -> dict[str, Any]:
    """Distinct, contiguous per branch and day, and all in the database."""
    from sqlalchemy import func, select

    from desk_app.db.models import Branch, Complaint

    db = Database(make_engine(url))
    try:
        with db.unit_of_work() as session:
            stored = session.scalar(select(func.count()).select_from(Complaint).join(
                Branch, Branch.id == Complaint.branch_id).where(Branch.code.in_(codes))) or 0
    finally:
        db.dispose()
    by_key: dict[str, list[str]] = {}
    for n in numbers:
        by_key.setdefault(n.rsplit("-", 1)[0], []).append(n)
    contiguous = all(sorted(mine) == [f"{key}-{i:04d}" for i in range(1, len(mine) + 1)]
                     for key, mine in by_key.items())
    return {"distinct": len(set(numbers)) == len(numbers), "contiguous": contiguous, "stored": stored}


def _ms(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def run(url: str, clients: int, seconds: float, cases: int, branches: int = 1) -> dict[str, Any]:
    codes, actors = prepare(url, clients, branches)
    received_at = datetime.now(UTC) - timedelta(minutes=5)
    ctx = multiprocessing.get_context("spawn")
    ready: multiprocessing.Queue = ctx.Queue()
    results: multiprocessing.Queue = ctx.Queue()
    go = ctx.Event()
    procs = [ctx.Process(target=client, args=(url, actors[k], k, seconds, cases, received_at, ready, go, results))
             for k in range(clients)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=300)
    started = time.perf_counter()
    go.set()
    outcomes = [results.get(timeout=seconds + 600) for _ in procs]
    for p in procs:
        p.join()
    finished = max(o[4] for o in outcomes)
    elapsed = finished - started
    errors = [f"client {o[0]}: {o[3]}" for o in outcomes if o[3]]
    numbers = [n for o in outcomes for n in o[1]]  # the warm-up cases too, for the checks
    measured = sum(len(o[2]) for o in outcomes)
    all_latencies = [x for o in outcomes for x in o[2]]
    figures: dict[str, Any] = {
        "clients": clients, "branches": branches, "cases": measured, "seconds": round(elapsed, 2),
        "cases_per_s": round(measured / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": _ms(all_latencies, 0.5), "p95_ms": _ms(all_latencies, 0.95),
        "per_client": {str(o[0]): {"cases": len(o[2]), "p50_ms": _ms(o[2], 0.5), "p95_ms": _ms(o[2], 0.95),
                                   "mean_ms": round(statistics.fmean(o[2]) * 1000, 1) if o[2] else 0.0}
                       for o in sorted(outcomes)},
        "branch_codes": codes, "errors": errors,
    }
    figures.update(verify(url, codes, numbers))
    figures["stored"] -= clients  # the warm-up cases
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", default=os.environ.get("TEST_DATABASE_URL", ""),
                        help="PostgreSQL URL (default: $TEST_DATABASE_URL)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each client registers")
    parser.add_argument("--cases", type=int, default=0, help="cases per client instead of a duration")
    parser.add_argument("--branches", type=int, default=1, help="spread the clients over this many branches")
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url or set TEST_DATABASE_URL")
    if not args.url.startswith(("postgresql", "postgres")):
        parser.error("this benchmark is for a shared PostgreSQL database")
    figures = run(args.url, args.clients, args.seconds, args.cases, max(1, args.branches))
    print(f"{figures['clients']} clients, {figures['branches']} branch(es): {figures['cases']} cases in "
          f"{figures['seconds']} s = {figures['cases_per_s']} cases/s; latency p50 {figures['p50_ms']} ms, "
          f"p95 {figures['p95_ms']} ms")
    for name, per in figures["per_client"].items():
        print(f"  client {name}: {per['cases']} cases, p50 {per['p50_ms']} ms, p95 {per['p95_ms']} ms")
    print(f"numbers distinct: {figures['distinct']}, contiguous: {figures['contiguous']}, "
          f"stored: {figures['stored']}")
    for error in figures["errors"]:
        print(error, file=sys.stderr)
    print(json.dumps(figures, ensure_ascii=False))
    ok = not figures["errors"] and figures["distinct"] and figures["contiguous"] and \
        figures["stored"] == figures["cases"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
