"""Case list timings at two sizes side by side: every filter and sort the filter bar offers and their common
combinations (count + first page, as the list opens), deep pages and searches, with how each grows.

    python benchmarks/case_list.py --sqlite-dir /tmp/cases                 # SQLite, 100,000 and 1,000,000
    python benchmarks/case_list.py --database-url postgresql+psycopg://desk:desk@host/db   # one schema a size
    python benchmarks/case_list.py --at 1000000=sqlite:////tmp/cases-1m.sqlite3 --at 100000=…   # given databases
    python benchmarks/case_list.py --small                                  # CI: 2,000 and 20,000 on SQLite

A database short of its size gets the missing cases from the bulk generator (``desk_app.services.demo_bulk``,
the demo data's cases; 1,000,000 take minutes); one that holds them is used as it is, migrated to head. On
PostgreSQL each size lives in its own schema (``cases_<size>``) of ``--database-url``. The users are found
by role (an HQ administrator or analyst, the clerk of the busiest branch, the handler with most open cases),
so databases filled by ``benchmarks/server.py`` serve as well. Each figure is the median of ``--repeat`` runs
after one warm-up. Target: under 100 ms on SQLite and 150 ms on PostgreSQL at the largest size. Prints a table;
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
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

from sqlalchemy import ColumnElement, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from desk_app.db.engine import make_engine, normalise_url  # noqa: E402
from desk_app.db.migrate import upgrade_to_head  # noqa: E402
from desk_app.db.models import Branch, CaseCount, Complaint, Customer, User  # noqa: E402
from desk_app.db.uow import Database  # noqa: E402
from desk_app.domain.actor import Actor  # noqa: E402
from desk_app.domain.enums import Role, Severity, SpecialFlag, Status  # noqa: E402
from desk_app.domain.workflow import FINISHED_STATES  # noqa: E402
from desk_app.services.case_list import PAGE_SIZE, CaseFilter, SortKey, count_cases, fetch_page  # noqa: E402
from desk_app.services.demo_bulk import generate_bulk  # noqa: E402

TARGET_MS = {"sqlite": 100.0, "postgresql": 150.0}
TZ = "Asia/Shanghai"


@dataclass(frozen=True)
class Staff:
    hq: Actor
    clerk: Actor
    handler: Actor


@dataclass(frozen=True)
class Scenario:
    group: str
    name: str
    run: Callable[[Database, Staff], int]  # returns the rows found


def _actor(user: User, branch: Branch) -> Actor:
    return Actor(user.id, user.username, user.display_name, Role(user.role), branch.id, branch.code,
                 branch.is_headquarters)


def find_staff(db: Database) -> Staff:
    """An HQ user who sees every branch, the clerk of the branch with most cases, the handler with most open
    cases (from the counter table and the owner index: quick at a million cases)."""
    open_values = [s.value for s in Status if s not in FINISHED_STATES]
    with db.unit_of_work() as session:
        def first(*where: ColumnElement[bool]) -> tuple[User, Branch]:
            row = session.execute(select(User, Branch).join(Branch, Branch.id == User.branch_id)
                                  .where(User.active.is_(True), *where).order_by(User.username).limit(1)).one()
            return row[0], row[1]

        hq = first(User.role.in_([Role.ADMINISTRATOR.value, Role.HQ_ANALYST.value]), Branch.is_headquarters.is_(True))
        busiest = session.scalar(select(CaseCount.branch_id).group_by(CaseCount.branch_id)
                                 .order_by(func.sum(CaseCount.n).desc()).limit(1))
        clerk = first(User.role == Role.COUNTER_CLERK.value, User.branch_id == busiest)
        owner = session.scalar(select(Complaint.owner_id).where(Complaint.owner_id.is_not(None),
                                                                Complaint.status.in_(open_values))
                               .group_by(Complaint.owner_id).order_by(func.count().desc()).limit(1))
        handler = first(User.id == owner)
        return Staff(_actor(*hq), _actor(*clerk), _actor(*handler))


def scenarios(db: Database, today: date, search: bool) -> list[Scenario]:
    base = CaseFilter(office_tz=TZ)

    def open_list(who: str, flt: CaseFilter, sort: SortKey = SortKey.RECEIVED,
                  descending: bool = True) -> Callable[[Database, Staff], int]:
        def run(d: Database, staff: Staff) -> int:
            actor = getattr(staff, who)
            n = count_cases(d, actor, flt, today)  # then the first page, as the list's model asks for them
            fetch_page(d, actor, flt, today, sort=sort, descending=descending, offset=0, limit=PAGE_SIZE, matches=n)
            return n
        return run

    with db.unit_of_work() as session:
        two_branches = frozenset(session.scalars(select(CaseCount.branch_id).group_by(CaseCount.branch_id)
                                                 .order_by(CaseCount.branch_id).limit(2)))
        cause = session.scalar(select(Complaint.axis_c).order_by(Complaint.received_at.desc()).limit(1)) or "C09"
        name = session.scalar(select(Customer.name).where(func.length(Customer.name) == 3).limit(1)) or "王小明"
    one_branch = frozenset(sorted(two_branches)[:1])
    last_30 = replace(base, received_from=today - timedelta(days=30), received_to=today)
    old_month = replace(base, received_from=today - timedelta(days=200), received_to=today - timedelta(days=170))
    open_states = frozenset(s for s in Status if s not in FINISHED_STATES)
    filters: list[tuple[str, str, CaseFilter]] = [
        ("hq", "all branches", base),
        ("clerk", "own branch", base),
        ("handler", "my cases", replace(base, mine=True)),
        ("hq", "open (every unfinished status)", replace(base, statuses=open_states)),
        ("hq", "status in progress", replace(base, statuses=frozenset({Status.IN_PROGRESS}))),
        ("hq", "status registered + assigned", replace(base, statuses=frozenset({Status.REGISTERED, Status.ASSIGNED}))),
        ("hq", "status closed", replace(base, statuses=frozenset({Status.CLOSED}))),
        ("hq", "awaiting callback", replace(base, awaiting_callback=True)),
        ("hq", "severity critical", replace(base, severities=frozenset({Severity.CRITICAL}))),
        ("hq", "severity general", replace(base, severities=frozenset({Severity.GENERAL}))),
        ("hq", "one branch", replace(base, branch_ids=one_branch)),
        ("hq", "two branches", replace(base, branch_ids=two_branches)),
        ("hq", "overdue", replace(base, overdue=True)),
        ("clerk", "overdue", replace(base, overdue=True)),
        ("handler", "my cases, overdue", replace(base, mine=True, overdue=True)),
        ("hq", "due within 2 days", replace(base, due_soon=True)),
        ("clerk", "due within 2 days", replace(base, due_soon=True)),
        *(("hq", f"flag {flag.value}", replace(base, flags=frozenset({flag}))) for flag in SpecialFlag),
        ("hq", "flags media + regulator", replace(base, flags=frozenset({SpecialFlag.MEDIA, SpecialFlag.REGULATOR}))),
        ("hq", "any special flag", replace(base, any_flag=True)),
        ("clerk", "flag media", replace(base, flags=frozenset({SpecialFlag.MEDIA}))),
        ("clerk", "any special flag", replace(base, any_flag=True)),
        ("hq", "received last 30 days", last_30),
        ("hq", "received a month 200 days ago", old_month),
        ("clerk", "received last 30 days", last_30),
        ("hq", "one cause (axis C)", replace(base, axis_c=cause)),
        ("hq", "overdue + critical", replace(base, overdue=True, severities=frozenset({Severity.CRITICAL}))),
        ("hq", "overdue + any flag", replace(base, overdue=True, any_flag=True)),
        ("hq", "in progress + serious", replace(base, statuses=frozenset({Status.IN_PROGRESS}),
                                                severities=frozenset({Severity.SERIOUS}))),
        ("hq", "one branch + overdue", replace(base, branch_ids=one_branch, overdue=True)),
        ("hq", "one branch + media flag", replace(base, branch_ids=one_branch, flags=frozenset({SpecialFlag.MEDIA}))),
        ("hq", "last 30 days + in progress", replace(last_30, statuses=frozenset({Status.IN_PROGRESS}))),
        ("clerk", "open + last 30 days", replace(last_30, statuses=open_states)),
    ]
    found = [Scenario("filter", f"{who}: {label}", open_list(who, flt)) for who, label, flt in filters]
    for key in SortKey:
        found.append(Scenario("sort", f"hq: by {key.value} ascending", open_list("hq", base, key, False)))
        found.append(Scenario("sort", f"hq: by {key.value} descending", open_list("hq", base, key, True)))
    found += [
        Scenario("sort", "clerk: by owner", open_list("clerk", base, SortKey.OWNER, False)),
        Scenario("sort", "clerk: by customer", open_list("clerk", base, SortKey.CUSTOMER, False)),
        Scenario("sort", "hq: overdue by due", open_list("hq", replace(base, overdue=True), SortKey.DUE, False)),
        Scenario("sort", "hq: overdue by owner", open_list("hq", replace(base, overdue=True), SortKey.OWNER, False)),
        Scenario("sort", "hq: open by severity", open_list("hq", replace(base, statuses=open_states),
                                                             SortKey.SEVERITY, True)),
        Scenario("sort", "hq: any flag by owner", open_list("hq", replace(base, any_flag=True), SortKey.OWNER, False)),
        Scenario("sort", "clerk: in progress by due", open_list(
            "clerk", replace(base, statuses=frozenset({Status.IN_PROGRESS})), SortKey.DUE, False)),
    ]

    def page(at: str) -> Callable[[Database, Staff], int]:
        def run(d: Database, staff: Staff) -> int:
            total = count_cases(d, staff.hq, base, today)
            offset = total // 2 if at == "middle" else max(total - PAGE_SIZE, 0)
            return len(fetch_page(d, staff.hq, base, today, offset=offset, limit=PAGE_SIZE, matches=total))
        return run

    found += [Scenario("page", "hq: page in the middle", page("middle")),
              Scenario("page", "hq: last page", page("end"))]
    if search:
        for who, label, words in (("hq", "2 chars, name prefix", name[:2]), ("hq", "3 chars, customer name", name),
                                  ("hq", "3 chars, common text 信用卡", "信用卡"),
                                  ("hq", "6 chars, text 未授权境外消费", "未授权境外消费"),
                                  ("clerk", "3 chars, common text 信用卡", "信用卡")):
            found.append(Scenario("search", f"{who}: {label}", open_list(who, replace(base, text=words))))
    return found


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    rows = fn()  # warm-up
    times = []
    for _i in range(repeat):
        started = time.perf_counter()
        rows = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), rows


def prepare(url: str, size: int) -> Database:
    """``url`` migrated to head and holding at least ``size`` cases (the missing ones bulk-generated)."""
    engine = make_engine(url)
    upgrade_to_head(engine)
    db = Database(engine)
    with db.unit_of_work() as session:
        have = int(session.scalar(select(func.coalesce(func.sum(CaseCount.n), 0))) or 0)
    if have < size:
        print(f"bulk    {size - have:,} cases into {make_url(url).render_as_string()} …", flush=True)
        f = generate_bulk(db, size - have, seed=2026)
        print(f"bulk    {f.cases:,} cases in {f.total_s:.0f} s", flush=True)
    return db


def schema_url(url: str, schema: str) -> str:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            # its own alembic_version first: else the migrations find public's (a test database's) on the path
            conn.execute(text(f'CREATE TABLE IF NOT EXISTS "{schema}".alembic_version (version_num VARCHAR(32) '
                              "NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
    finally:
        engine.dispose()
    return make_url(normalise_url(url)).update_query_dict(
        {"options": f"-csearch_path={schema},public"}).render_as_string(hide_password=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="case counts, comma-separated")
    parser.add_argument("--sqlite-dir", type=Path, help="SQLite files cases-<size>.sqlite3 here (kept; reused)")
    parser.add_argument("--database-url", help="PostgreSQL: one schema cases_<size> a size in this database")
    parser.add_argument("--at", action="append", default=[], metavar="SIZE=URL",
                        help="use this database for that size (e.g. one filled by benchmarks/server.py)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each scenario (median reported)")
    parser.add_argument("--no-search", action="store_true", help="leave out the text searches")
    parser.add_argument("--only", default="", help="only scenarios whose name contains this")
    parser.add_argument("--small", action="store_true", help="CI: 2,000 and 20,000 cases in temporary SQLite files")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")] if not args.small else [2000, 20000]
    given = {int(k): v for k, v in (a.split("=", 1) for a in args.at)}
    tmp = tempfile.TemporaryDirectory(prefix="desk-case-list-")
    folder = args.sqlite_dir or Path(tmp.name)
    if args.sqlite_dir:
        folder.mkdir(parents=True, exist_ok=True)
    today = datetime.now(ZoneInfo(TZ)).date()
    results: dict[str, dict[int, tuple[float, int]]] = {}
    names: list[tuple[str, str]] = []
    dialect = "sqlite"
    try:
        for size in sizes:
            if size in given:
                url = given[size]
            elif args.database_url:
                url = schema_url(args.database_url, f"cases_{size}")
            else:
                url = f"sqlite:///{folder / f'cases-{size}.sqlite3'}"
            db = prepare(url, size)
            dialect = db.engine.dialect.name
            try:
                staff = find_staff(db)
                with db.unit_of_work() as session:
                    total = int(session.scalar(select(func.sum(CaseCount.n))) or 0)
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                print(f"size    {size:,}: {dialect}, {total:,} cases; median of {args.repeat}; {os.cpu_count()} CPUs, "
                      f"load average {load}", flush=True)
                for sc in scenarios(db, today, not args.no_search):
                    if args.only and args.only not in sc.name:
                        continue
                    median, rows = timed(partial(sc.run, db, staff), args.repeat)
                    if sc.name not in results:
                        names.append((sc.group, sc.name))
                    results.setdefault(sc.name, {})[size] = (median, rows)
                    print(f"  {sc.group:6} {sc.name:44} {median:8.1f} ms {rows:>10,} rows", flush=True)
            finally:
                db.dispose()
        print_table(names, results, sizes, TARGET_MS[dialect], dialect)
    finally:
        tmp.cleanup()
    return 0


def print_table(names: list[tuple[str, str]], results: dict[str, dict[int, tuple[float, int]]], sizes: list[int],
                target: float, dialect: str) -> None:
    largest = sizes[-1]
    head = "".join(f"{f'{s:,} ms':>14}" for s in sizes)
    print(f"\n{dialect}: median ms of count + first page; target < {target:.0f} ms at {largest:,}")
    print(f"{'group':7}{'scenario':46}{head}{'growth':>9}{'rows at ' + f'{largest:,}':>18}")
    missed = []
    for group, name in names:
        row = results[name]
        cells = "".join(f"{row[s][0]:14.1f}" if s in row else f"{'-':>14}" for s in sizes)
        first, last = row.get(sizes[0]), row.get(largest)
        growth = f"{last[0] / first[0]:8.1f}x" if first and last and first[0] > 0 else f"{'-':>9}"
        rows = f"{last[1]:>18,}" if last else f"{'-':>18}"
        flag = "  > target" if last and last[0] >= target and group != "search" else ""
        if flag:
            missed.append(name)
        print(f"{group:7}{name:46}{cells}{growth}{rows}{flag}")
    counted = [name for group, name in names if group != "search"]
    searches = [f"{name} {results[name][largest][0]:.0f} ms" for group, name in names
                if group == "search" and largest in results[name]]
    print(f"summary {len(counted) - len(missed)} of {len(counted)} filters, sorts and pages under {target:.0f} ms at "
          f"{largest:,}; missed: {', '.join(missed) or 'none'}; searches (no target): {', '.join(searches) or 'none'}")


if __name__ == "__main__":
    sys.exit(main())
