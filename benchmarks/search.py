"""Search and registration timings: the word index (migration 0008) side by side with the old shape.

    python benchmarks/search.py --db /tmp/cases-1m.sqlite3 --count 1000000
    python benchmarks/search.py --database-url postgresql+psycopg://desk:desk@host/db --count 1000000  # own schema
    python benchmarks/search.py --small [--database-url …]   # CI: 3,000 cases, 200 registrations

A database short of ``--count`` cases is filled by the bulk generator (``desk_app.services.demo_bulk``) and
its search queue drained (timed). Then, for 1-, 2- and 3-character text searches and name / number
searches at headquarters: the exact count and the first page (200 rows, newest first), each the median of
``--repeat`` runs, next to the old shape's answer for 1–2 characters (number and name prefixes only: fast,
but blind to the text) and a plain scan of the text (``LIKE``, the exact answer without a word index).
Registration: ``--registrations`` cases by a branch clerk, p50/p95/p99, in alternating blocks of the new
shape (SQLite: the trigger queues the row, the background drain indexes it) and the old one (SQLite: the
trigger writes the trigram table in the registration's transaction; PostgreSQL: no word index), and how
long after the last registration the queue was empty. Goals (issues 16 and 21): first page < 200 ms,
count < 1 s at 1M; registration p95 < 15 ms, p99 < 30 ms on SQLite at 1M. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from case_list import schema_url  # noqa: E402  (a sibling script: benchmarks/ is on sys.path)
from sqlalchemy import Engine, func, select, text  # noqa: E402

from desk_app.db import search  # noqa: E402
from desk_app.db.engine import make_engine  # noqa: E402
from desk_app.db.migrate import upgrade_to_head  # noqa: E402
from desk_app.db.models import Complaint, Customer  # noqa: E402
from desk_app.db.uow import Database  # noqa: E402
from desk_app.domain.actor import Actor  # noqa: E402
from desk_app.domain.enums import Channel, Severity  # noqa: E402
from desk_app.domain.validation import resident_id_check_char  # noqa: E402
from desk_app.services import demo  # noqa: E402
from desk_app.services.accounts import authenticate  # noqa: E402
from desk_app.services.case_list import PAGE_SIZE, CaseFilter, count_cases, fetch_page  # noqa: E402
from desk_app.services.complaints import register_complaint  # noqa: E402
from desk_app.services.demo_bulk import generate_bulk  # noqa: E402
from desk_app.services.dto import ComplaintDraft, CustomerDraft  # noqa: E402

TZ = "Asia/Shanghai"
SCHEMA = "search_bench"  # PostgreSQL: the benchmark's own schema (see own_schema)
BLOCK = 100  # registrations per block; blocks of the two shapes alternate
#: SQLite's triggers before migration 0008: the registration's own transaction writes the trigram table.
OLD_SQLITE_INSERT_TRIGGER = """CREATE TRIGGER complaint_search_ai AFTER INSERT ON complaints BEGIN
    INSERT INTO complaint_search (rowid, case_number, customer, body)
    SELECT NEW.rowid, NEW.case_number, c.name || ' ' || c.phone,
           NEW.summary || ' ' || NEW.facts_what || ' ' || NEW.request_text
    FROM customers c WHERE c.id = NEW.customer_id;
END"""
NEW_SQLITE_INSERT_TRIGGER = """CREATE TRIGGER complaint_search_ai AFTER INSERT ON complaints BEGIN
    INSERT OR IGNORE INTO complaint_search_queue (complaint_rowid, indexed_body) VALUES (NEW.rowid, NULL);
END"""


def ms(seconds: float) -> float:
    return seconds * 1000


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _i in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return ms(statistics.median(times)), result


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --- database ---------------------------------------------------------------------------------------------

def prepare(db: Database, count: int) -> int:
    with db.unit_of_work() as session:
        have = int(session.scalar(select(func.count()).select_from(Complaint)) or 0)
    if have < count:
        print(f"fill    {count - have:,} bulk cases (have {have:,}) …", flush=True)
        started = time.perf_counter()
        generate_bulk(db, count - have, seed=2026)
        print(f"fill    done in {time.perf_counter() - started:.0f} s", flush=True)
    if db.dialect == "postgresql":  # as autovacuum would: the GIN indexes' pending lists merged, statistics
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) complaints")
    queued = search.pending(db)
    if queued:
        started = time.perf_counter()
        search.drain(db)
        took = time.perf_counter() - started
        print(f"drain   {queued:,} queued cases indexed in {took:.1f} s ({queued / took:,.0f} cases/s)", flush=True)
    return max(have, count)


def sizes(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            try:
                rows = conn.execute(text("SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'complaint_search%' "
                                         "GROUP BY name")).all()
            except Exception:  # dbstat is compiled in most builds, not all
                return "n/a"
            words = sum(size for name, size in rows if name.startswith(search.WORDS))
            trigrams = sum(size for name, size in rows if name.startswith(search.TRIGRAMS + "_"))
            return f"word index {words / 2**20:,.0f} MiB, trigram index {trigrams / 2**20:,.0f} MiB"
        words, trigram = conn.execute(text(
            "SELECT pg_relation_size('complaint_search_words_gin'), "
            "pg_relation_size('complaint_search_text_trgm')")).one()
        return f"word index {words / 2**20:,.0f} MiB, trigram text index {trigram / 2**20:,.0f} MiB"


# --- searches ---------------------------------------------------------------------------------------------

def sample_words(db: Database) -> dict[str, str]:
    with db.unit_of_work() as session:
        name, phone = session.execute(
            select(Customer.name, Customer.phone).where(func.length(Customer.name) == 3).limit(1)).one()
        number = session.scalar(select(Complaint.case_number).order_by(Complaint.case_number.desc()).limit(1))
    return {"name3": name, "name2": name[:2], "phone": phone[-8:], "number": str(number)[-13:]}


def scan(db: Database, word: str, today: date) -> tuple[int, int]:
    """The exact answer without a word index: count and first page by a LIKE over the text."""
    body = Complaint.summary + " " + Complaint.facts_what + " " + Complaint.request_text
    pattern = "%" + word + "%"
    with db.unit_of_work() as session:
        n = int(session.scalar(select(func.count()).where(body.like(pattern))) or 0)
        page = session.execute(select(Complaint.id).where(body.like(pattern))
                               .order_by(Complaint.received_at.desc()).limit(PAGE_SIZE)).all()
    return n, len(page)


def old_shape(db: Database, word: str) -> int:
    """What 1–2 characters found before 0008: case numbers and customer names starting with ``word``."""
    end = word + "\uffff"
    with db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Complaint).join(
            Customer, Customer.id == Complaint.customer_id).where(
            ((Complaint.case_number >= word) & (Complaint.case_number < end))
            | ((Customer.name >= word) & (Customer.name < end)))) or 0)


def run_searches(db: Database, admin: Actor, repeat: int, scans: bool) -> None:
    today = date.today()
    words = sample_words(db)
    cases = [("1 char", "赔"), ("1 char", "卡"), ("2 chars", "催收"), ("2 chars", "理赔"), ("2 chars", "收益"),
             ("2 chars", "利息"), ("2 chars", words["name2"]), ("3 chars", "信用卡"), ("4 chars", "吞卡未还"),
             ("name", words["name3"]), ("phone", words["phone"]), ("number", words["number"])]
    print(f"{'search':8} {'query':16} {'count ms':>9} {'page ms':>8} {'matches':>9} | {'old shape':>9} "
          f"{'scan count ms':>13} {'scan page ms':>12} {'scan matches':>12}")
    for kind, word in cases:
        flt = CaseFilter(text=word, office_tz=TZ)
        count_ms, n = timed(lambda flt=flt: count_cases(db, admin, flt, today), repeat)
        page_ms, rows = timed(lambda flt=flt, n=n: fetch_page(db, admin, flt, today, matches=n), repeat)
        line = f"{kind:8} {word:16} {count_ms:9.1f} {page_ms:8.1f} {n:9,} |"
        if len(word) <= 2:
            line += f" {old_shape(db, word):9,}"
        else:
            line += f" {'(same)':>9}"
        if scans and kind not in ("phone", "number", "name"):
            started = time.perf_counter()
            scan_n, _page = scan(db, word, today)
            scan_count = ms(time.perf_counter() - started)
            started = time.perf_counter()
            scan(db, word, today)
            line += f" {scan_count:13.1f} {ms(time.perf_counter() - started) / 2:12.1f} {scan_n:12,}"
        print(line, flush=True)
        assert len(rows) == min(n, PAGE_SIZE)


# --- registrations ------------------------------------------------------------------------------------------

def draft(i: int) -> ComplaintDraft:
    birth = date(1950, 1, 1) + timedelta(days=i * 37 % (365 * 55))
    first17 = f"310115{birth:%Y%m%d}{i % 1000:03d}"
    return ComplaintDraft(
        channel=Channel.COUNTER, axis_a="A01", axis_b="B0302", axis_c="C09", severity=Severity.GENERAL,
        facts_what=f"客户反映信用卡账单出现一笔未经本人授权的境外消费，金额{100 + i % 9000:,}.00元，"
                   f"已致电挂失但未获处理，催收电话不断（测压 {i}）",
        request_kinds=("refund",), request_text="要求撤销该笔交易并退还被扣款项，同时书面说明原因。",
        claimed_amount=str(100 + i % 9000),
        customer=CustomerDraft(name=f"测压客户{i}", id_number=first17 + resident_id_check_char(first17),
                               phone=f"137{i % 10**8:08d}"))


def set_shape(db: Database, new: bool, since_rowid: int) -> None:
    """SQLite: swap the insert trigger; rows the old trigger indexed get queued so the word index has them."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER complaint_search_ai")
        conn.exec_driver_sql(NEW_SQLITE_INSERT_TRIGGER if new else OLD_SQLITE_INSERT_TRIGGER)
        if new:
            conn.exec_driver_sql("INSERT OR IGNORE INTO complaint_search_queue (complaint_rowid, indexed_body) "
                                 f"SELECT rowid, NULL FROM complaints WHERE rowid > {int(since_rowid)}")


def run_registrations(db: Database, clerk: Actor, total: int, start: int) -> None:
    sqlite = db.dialect == "sqlite"
    times: dict[str, list[float]] = {"new": [], "old": []}
    lags: list[float] = []
    i = start
    blocks = max(1, total // BLOCK)
    if not sqlite:
        order = ["new"] * blocks + ["old"] * blocks  # PostgreSQL: dropping and building a GIN index is slow
    else:
        order = [shape for _b in range(blocks) for shape in ("new", "old")]
    old_from = 0  # SQLite: the last rowid before the old shape's block
    if sqlite:
        with db.engine.connect() as conn:
            old_from = int(conn.exec_driver_sql("SELECT max(rowid) FROM complaints").scalar() or 0)
    for shape in order:
        if sqlite:
            with db.engine.connect() as conn:
                last_rowid = int(conn.exec_driver_sql("SELECT max(rowid) FROM complaints").scalar() or 0)
            if shape == "old":
                old_from = last_rowid
            set_shape(db, shape == "new", old_from)
        elif shape == "old" and times["old"] == []:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP INDEX complaint_search_words_gin")
        for _k in range(BLOCK if total >= BLOCK else total):
            started = time.perf_counter()
            register_complaint(db, clerk, draft(i))
            times[shape].append(time.perf_counter() - started)
            i += 1
        if sqlite and shape == "new":
            started = time.perf_counter()
            while search.pending(db):  # the background drain empties the queue
                time.sleep(0.01)
            lags.append(time.perf_counter() - started)
    if sqlite:
        set_shape(db, True, old_from)
        search.drain(db)
    else:
        started = time.perf_counter()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE INDEX complaint_search_words_gin ON complaints "
                                 f"USING gin (complaint_search_grams({search.BODY_SQL}))")
        print(f"rebuild PostgreSQL word index rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
    old_label = "old (trigger writes FTS)" if sqlite else "old (no word index)"
    for shape, label in (("new", "new (queue + background drain)" if sqlite else "new (word GIN index)"),
                         ("old", old_label)):
        values = [ms(v) for v in times[shape]]
        print(f"register {label:32} n={len(values):5} p50 {quantile(values, .5):7.1f} ms  p95 "
              f"{quantile(values, .95):7.1f} ms  p99 {quantile(values, .99):7.1f} ms  max {max(values):7.1f} ms",
              flush=True)
    if lags:
        print(f"register queue empty after a block: median {ms(statistics.median(lags)):.0f} ms, "
              f"max {ms(max(lags)):.0f} ms after its last registration (searches are exact meanwhile)", flush=True)


def own_schema(url: str, schema: str = SCHEMA) -> str:
    """``url`` with the benchmark's own schema first on the search path: the database may be a test database
    whose public schema holds another run's users and rows (CI runs this after the test suite)."""
    return schema_url(url, schema)


@dataclass(frozen=True)
class Options:
    url: str
    count: int
    registrations: int
    repeat: int
    scans: bool
    admin: str = "admin"
    clerk: str = "sh01.clerk"
    password: str = demo.DEMO_PASSWORD


def run(options: Options) -> None:
    engine = make_engine(options.url)
    upgrade_to_head(engine)
    db = Database(engine)
    try:
        have = prepare(db, options.count)
        admin = authenticate(db, options.admin, options.password)
        clerk = authenticate(db, options.clerk, options.password)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"database {engine.dialect.name}, {have:,} cases; {sizes(engine)}; median of {options.repeat}; "
              f"{os.cpu_count()} CPUs, load average {load}", flush=True)
        run_searches(db, admin, options.repeat, options.scans)
        if options.registrations:
            run_registrations(db, clerk, options.registrations, start=have)
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="cases in the database (filled when short)")
    parser.add_argument("--db", type=Path, help="SQLite file to use (created and filled when short of cases)")
    parser.add_argument("--database-url", help="SQLAlchemy URL of a PostgreSQL database (changes it: adds cases)")
    parser.add_argument("--registrations", type=int, default=1000, help="per shape (default 1,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each search timing (median reported)")
    parser.add_argument("--no-scan", action="store_true", help="skip the LIKE scans (slow at 1M)")
    parser.add_argument("--schema", default=SCHEMA, help=f"PostgreSQL schema to use (default {SCHEMA}), e.g. the "
                        "1M-case schema benchmarks/server.py filled, with --admin/--clerk/--password of its users")
    parser.add_argument("--admin", default="admin", help="a head-office user who searches (default admin)")
    parser.add_argument("--clerk", default="sh01.clerk", help="a branch clerk who registers (default sh01.clerk)")
    parser.add_argument("--password", default=demo.DEMO_PASSWORD, help="their password (default: the demo one)")
    parser.add_argument("--small", action="store_true", help="CI: 3,000 cases and 200 registrations a shape, "
                        "in a temporary SQLite file, and in --database-url when given")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-search-") as tmp:
        if args.small:
            args.count, args.registrations = min(args.count, 3000), min(args.registrations, 200)
            urls = [f"sqlite:///{Path(tmp) / 'search.sqlite3'}"] + ([own_schema(args.database_url, args.schema)]
                                                                     if args.database_url else [])
        else:
            urls = [own_schema(args.database_url, args.schema) if args.database_url
                    else f"sqlite:///{args.db or Path(tmp) / 'search.sqlite3'}"]
        for url in urls:
            run(Options(url, args.count, args.registrations, args.repeat, not args.no_scan, args.admin, args.clerk,
                        args.password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
