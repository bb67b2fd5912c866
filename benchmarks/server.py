"""Load benchmark through the desk server: a real ``desk-server run --workers W`` on PostgreSQL (as a runtime
login in ``desk_runtime``) and N client processes over HTTPS that register cases and open the case list.

    python benchmarks/server.py --url postgresql+psycopg://desk:desk@127.0.0.1:5432/desk_bench \
        --clients 8 --workers 2 --seconds 30 --cases 1000000 --reuse
    python benchmarks/server.py --small --url "$TEST_DATABASE_URL"        # CI: tiny, about 30 s
    python benchmarks/server.py --url … --reuse --compare /tmp/desk-before --rounds 3   # before/after

``--url`` is the tables' owner (it migrates; it needs CREATEROLE for the runtime login, not CREATEDB). The
benchmark works in its own schema of that database (``--schema``, default ``desk_bench``, on the search
path before ``public``, where pg_trgm lives): it drops and recreates that schema and nothing else, so the
rest of the database is not touched. ``--reuse`` keeps a schema that already holds ``--cases`` filled cases
(filling 1,000,000 took 90 s on a warm machine and 14 minutes on a fresh one here). ``--small`` drops the
schema when done.

The fill is SQL (``INSERT … SELECT`` from ``generate_series``) in eight filler branches over the past year
up to yesterday: valid rows for the case list and its indexes (customers, taxonomy codes, statuses by age,
owners, due dates, flags, number counters). The filled cases have no timeline rows (the list never reads
them). The plain indexes of both tables are dropped during the fill and built again afterwards.

Each client process is a counter PC: it signs in as its own clerk (registers) and its own HQ analyst
(opens the list of all branches), registers one case and opens both lists to warm up, waits for the
start, then for ``--seconds`` registers cases (``complaints.register_complaint``) and after every
``--list-every`` registrations opens a case list as the app does (``case_list.open_list``: the count and
the first page in one request; ``count_cases`` + ``fetch_page`` against a checkout without it),
alternately the HQ list over every case and the clerk's branch list. Prints registrations per second,
errors, p50/p95 of a registration and of opening each list, and checks that the case numbers are distinct
and, per branch and day, contiguous from 1 and equal to the counter. The last line is JSON.

A server's first sign-ins of a day write the day's chain-heads line beside it (``desk_app.services.anchors``):
a first line reads every timeline's head, seconds of CPU at a million cases. A real server pays that once a
morning; each benchmark has a new server folder, so it writes the line before the runs (printed as
``anchor`` with its time) and every run measures a working day's load.

``--compare DIR`` runs the server alternately from another checkout of the code (e.g. a ``git worktree``
of the commit before a change) and from this one, ``--rounds`` times each, on the same database, and
prints both sides' medians. Exit status 1 on any error or failed check.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import multiprocessing.synchronize
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from desk_app.db.engine import make_engine  # noqa: E402
from desk_app.db.uow import Database  # noqa: E402
from desk_app.security import CHAIN_KEY_NAME, use_chain_key_file  # noqa: E402
from desk_app.services import anchors  # noqa: E402

TZ = "Asia/Shanghai"
RUNTIME_LOGIN = "desk_bench_rt"
RUNTIME_PASSWORD = "bench-runtime-2026"
PASSWORD = "bench-counter-2026"
FILL_BRANCHES = tuple(f"FB{i:02d}" for i in range(1, 9))
FILL_DAYS = 365
#: Every load loop stops after this many operations per client, whatever the time.
MAX_OPS_PER_CLIENT = 200_000
#: A client stops after this many errors (each is counted; the run then fails).
MAX_ERRORS_PER_CLIENT = 20


# --- database: schema, fill ---------------------------------------------------------------------------

def schema_url(url: str, schema: str, user: str | None = None, password: str | None = None) -> str:
    """``url`` with ``schema`` first on the search path (then ``public``, for pg_trgm), optionally another login."""
    parsed = make_url(make_engine_url(url)).update_query_dict({"options": f"-csearch_path={schema},public"})
    if user is not None:
        parsed = parsed.set(username=user, password=password)
    return parsed.render_as_string(hide_password=False)


def make_engine_url(url: str) -> str:
    from desk_app.db.engine import normalise_url

    return normalise_url(url)


def count_filled(engine: Engine, schema: str) -> int:
    with engine.connect() as conn:
        exists = conn.scalar(text("SELECT to_regclass(:t)"), {"t": f"{schema}.complaints"})
        if exists is None:
            return 0
        return int(conn.scalar(text(
            f'SELECT count(*) FROM "{schema}".complaints c JOIN "{schema}".branches b ON b.id = c.branch_id '
            "WHERE b.code LIKE 'FB%'")) or 0)


def reset_schema(url: str, schema: str) -> None:
    """A new, empty ``schema`` with an empty ``alembic_version`` table: the migrations then run from the start
    in it and every unqualified name resolves there first, even when ``public`` holds the app's tables (a test
    database), whose ``alembic_version`` they would otherwise find and take for this schema's."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            conn.execute(text(f'CREATE TABLE "{schema}".alembic_version (version_num VARCHAR(32) NOT NULL, '
                              "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
    finally:
        engine.dispose()


def require_own_tables(url: str, schema: str) -> None:
    """Stop before writing a row unless the app's tables are in ``schema`` (never in another schema)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            missing = [t for t in ("alembic_version", "branches", "users", "customers", "complaints",
                                   "number_counters") if conn.scalar(text("SELECT to_regclass(:t)"),
                                                                     {"t": f'"{schema}".{t}'}) is None]
    finally:
        engine.dispose()
    if missing:
        raise SystemExit(f"schema {schema} lacks {', '.join(missing)}: the benchmark writes nothing elsewhere")


def drop_schema(url: str, schema: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


def ensure_runtime_login(engine: Engine) -> None:
    from desk_app.db.privileges import RUNTIME_ROLE

    with engine.begin() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": RUNTIME_LOGIN}):
            conn.execute(text(f"CREATE ROLE {RUNTIME_LOGIN} LOGIN PASSWORD '{RUNTIME_PASSWORD}' "
                              f"IN ROLE {RUNTIME_ROLE}"))


def _leaf_codes(conn: Any, axis: str) -> list[str]:
    rows = conn.execute(text("SELECT code, parent_code FROM taxonomy_codes WHERE axis = :a AND active"),
                        {"a": axis}).all()
    parents = {parent for _code, parent in rows if parent}
    return sorted(code for code, _parent in rows if code not in parents)


def _ensure_fill_branches(engine: Engine) -> tuple[list[str], list[str], list[str], list[str]]:
    """The filler branches, each with a clerk and a handler (who cannot sign in): ids, codes, clerks, handlers."""
    ids, codes, clerks, handlers = [], [], [], []
    with engine.begin() as conn:
        for n, code in enumerate(FILL_BRANCHES, 1):
            branch_id = conn.scalar(text("SELECT id FROM branches WHERE code = :c"), {"c": code})
            if branch_id is None:
                branch_id = uuid.uuid4()
                conn.execute(text(
                    "INSERT INTO branches (id, code, name, name_en, institution_type, regime, is_headquarters, "
                    "address, hotline, superior_institution, superior_contact, logo_path, group_rep_cap, timezone, "
                    "first_contact_hours, active, created_at, updated_at, version) VALUES (:id, :code, :name, '', "
                    "'bank', 'banking_insurance', false, '', '95588', '', '', '', 5, :tz, 24, true, now(), now(), 1)"),
                    {"id": branch_id, "code": code, "name": f"压测第{n}支行", "tz": TZ})
            staff = []
            for login, role, name in (("clerk", "counter_clerk", "柜员"), ("handler", "handler", "经办")):
                username = f"{code.lower()}.{login}"
                user_id = conn.scalar(text("SELECT id FROM users WHERE username = :u"), {"u": username})
                if user_id is None:
                    user_id = uuid.uuid4()
                    conn.execute(text(
                        "INSERT INTO users (id, username, display_name, password_hash, role, branch_id, active, "
                        "must_change_password, failed_logins, created_at, updated_at, version) VALUES (:id, :u, "
                        ":name, '!', :role, :b, true, false, 0, now(), now(), 1)"),
                        {"id": user_id, "u": username, "name": f"{name}{n}", "role": role, "b": branch_id})
                staff.append(str(user_id))
            ids.append(str(branch_id))
            codes.append(code)
            clerks.append(staff[0])
            handlers.append(staff[1])
    return ids, codes, clerks, handlers


_CUSTOMERS_SQL = """
INSERT INTO customers (id, kind, name, id_type, id_number, phone, phone2, email, address, language,
    legal_representative, contact_person, anonymised, created_at, updated_at, version)
SELECT md5('bench-customer-' || j)::uuid, 'person',
       substr(:surnames, (j % :ns)::int + 1, 1) || (@given)[((j / :ns) % :ng)::int + 1]
         || CASE WHEN j % 3 = 0 THEN (@given)[((j / 7) % :ng)::int + 1] ELSE '' END,
       '', '', '1' || substr('3456789', (j % 7)::int + 1, 1) || lpad(((j * 2654435761) % 1000000000)::text, 9, '0'),
       '', '', '', 'zh_CN', '', '', false, now(), now(), 1
FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint) - 1) AS j
"""

# i → branch i % nb, day (i / nb) % days before yesterday, number (i / (nb * days)) + 1 of that branch and day:
# numbers are unique, and 1…n without gaps for each branch and day. Statuses follow the age as in the demo data.
_COMPLAINTS_SQL = """
INSERT INTO complaints (id, case_number, branch_id, customer_id, channel, axis_a, axis_b, axis_c, axis_d, severity,
    flag_irrational, flag_group, flag_media, flag_regulator, flag_litigation, status, stage, received_at, regime,
    complexity, special_extension_approved, due_on, acceptance_due_on, first_contact_due, first_contact_at,
    responded_at, closed_at, paused, escalated, summary, request_kinds, request_text, claimed_amount, facts_what,
    facts_when, facts_where, facts_amount, respondent, owner_id, created_by_id, recusal_declared, language,
    reference_version, stage_records, created_at, updated_at, version)
SELECT gen_random_uuid(), g.code || '-' || to_char(g.day, 'YYYYMMDD') || '-' || lpad(g.s::text, 4, '0'),
       g.branch_id, md5('bench-customer-' || ((g.h1 * 7 + g.i) % :customers))::uuid,
       (@channels)[(g.h2 % cardinality(@channels))::int + 1],
       (@axis_a)[(g.h1 % cardinality(@axis_a))::int + 1], (@story_b)[g.k],
       (@axis_c)[(g.h2 % cardinality(@axis_c))::int + 1], NULL,
       CASE WHEN g.h1 % 100 < 80 THEN 'general' WHEN g.h1 % 100 < 97 THEN 'serious' ELSE 'critical' END,
       g.h3 % 40 = 0, g.h3 % 40 = 1, g.h3 % 40 = 2, g.h3 % 40 = 3, g.h3 % 40 = 4, g.status,
       CASE WHEN g.status = 'in_progress' THEN (ARRAY['listen','investigate','analyse','negotiate','act'])
            [(g.h3 % 5)::int + 1] END,
       g.received_at, 'banking_insurance', CASE WHEN g.h2 % 10 = 0 THEN 'complex' ELSE 'simple' END, false,
       g.day + CASE WHEN g.h2 % 10 = 0 THEN 30 ELSE 15 END, NULL, g.received_at + interval '24 hours',
       CASE WHEN g.status <> 'registered' THEN g.received_at + make_interval(hours => (1 + g.h3 % 40)::int) END,
       CASE WHEN g.status IN ('responded', 'awaiting_callback', 'closed', 'under_review') THEN g.finished END,
       CASE WHEN g.status IN ('closed', 'refused', 'withdrawn') THEN g.finished END,
       false, g.h3 % 40 < 5, left((@story_facts)[g.k], 60), CAST((@story_kinds)[g.k] AS json),
       (@story_request)[g.k], (100 + g.h2 % 20000)::numeric(14, 2), (@story_facts)[g.k], g.day - (g.h3 % 30)::int,
       (@places)[(g.h1 % cardinality(@places))::int + 1], (100 + g.h2 % 20000)::numeric(14, 2),
       '压测支行', CASE WHEN g.status <> 'registered' THEN g.handler_id END, g.clerk_id, true, 'zh_CN', 1,
       CAST('{}' AS json), g.received_at, coalesce(g.finished, g.received_at), 1
FROM (
    SELECT s.*, CASE
             WHEN s.h1 % 100 < 3 THEN 'withdrawn' WHEN s.h1 % 100 < 6 THEN 'refused'
             WHEN s.d > 60 THEN CASE WHEN s.h2 % 100 < 2 THEN 'under_review' ELSE 'closed' END
             WHEN s.d > 25 THEN (ARRAY['closed','closed','awaiting_callback','responded'])[(s.h2 % 4)::int + 1]
             WHEN s.d > 10 THEN (ARRAY['assigned','in_progress','responded','awaiting_callback','closed'])
                                [(s.h2 % 5)::int + 1]
             ELSE (ARRAY['registered','assigned','in_progress','responded'])[(s.h2 % 4)::int + 1] END AS status,
           least(s.received_at + make_interval(days => (1 + s.h3 % 14)::int), now()) AS finished
    FROM (
        SELECT r.*, CAST(:yesterday AS date) - r.d AS day, (@branch_codes)[r.b + 1] AS code,
               CAST((@branch_ids)[r.b + 1] AS uuid) AS branch_id, CAST((@clerk_ids)[r.b + 1] AS uuid) AS clerk_id,
               CAST((@handler_ids)[r.b + 1] AS uuid) AS handler_id,
               ((CAST(:yesterday AS date) - r.d) + time '09:00') AT TIME ZONE :tz
                 + make_interval(secs => (r.h2 % 28800)::int) AS received_at,
               (r.h3 % cardinality(@story_b))::int + 1 AS k
        FROM (
            SELECT i, (i % :nb)::int AS b, ((i / :nb) % :days)::int AS d, i / (:nb * :days) + 1 AS s,
                   (i * 2654435761) % 1000003 AS h1, (i * 40503 + 17) % 999983 AS h2,
                   (i * 69069 + 1) % 1000033 AS h3
            FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint) - 1) AS i
        ) r
    ) s
) g
"""


def _arrays(sql: str) -> str:
    """``@name`` in the fill SQL stands for the text-array parameter ``:name``."""
    return re.sub(r"@(\w+)", r"CAST(:\1 AS text[])", sql)


def _plain_indexes(conn: Any, schema: str) -> list[tuple[str, str]]:
    """Name and definition of the indexes of complaints and customers that back no constraint."""
    return [(name, definition) for name, definition in conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :s AND tablename IN ('complaints', "
        "'customers') AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = "
        "CAST(:s AS regnamespace)) ORDER BY indexname"), {"s": schema})]


def fill(url: str, schema: str, cases: int) -> float:
    """Add ``cases`` valid cases (and 0.6 customers a case) in the filler branches; returns the seconds taken."""
    from desk_app.services.demo_text import GIVEN, PLACES, STORIES, SURNAMES

    started = time.perf_counter()
    engine = make_engine(schema_url(url, schema))
    try:
        ids, codes, clerks, handlers = _ensure_fill_branches(engine)
        with engine.connect() as conn:
            axis_a, axis_c = _leaf_codes(conn, "A"), _leaf_codes(conn, "C")
            known_b = set(_leaf_codes(conn, "B"))
        stories = [s for s in STORIES if s[0] in known_b and not s[0].startswith("B2")] or list(STORIES)
        # each story with a few amounts: the texts vary like the demo data's
        story_b, story_facts, story_request, story_kinds = [], [], [], []
        for n, (code, facts, request, kinds, (low, high)) in enumerate(stories):
            for m in range(7):
                amount = f"{low + (high - low) * ((n * 7 + m) % 11) // 10:,.2f}" if high else ""
                story_b.append(code)
                story_facts.append(facts.format(amount=amount))
                story_request.append(request.format(amount=amount))
                story_kinds.append(json.dumps(list(kinds)))
        customers = max(cases * 6 // 10, 1)
        yesterday = datetime.now(ZoneInfo(TZ)).date() - timedelta(days=1)
        chunk = 200_000
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("SET maintenance_work_mem = '512MB'"))
            conn.execute(text("SET synchronous_commit = off"))
            indexes = _plain_indexes(conn, schema)
            for name, _definition in indexes:
                conn.execute(text(f'DROP INDEX "{schema}"."{name}"'))
            for start in range(0, customers, chunk):
                conn.execute(text(_arrays(_CUSTOMERS_SQL)), {
                    "surnames": SURNAMES, "ns": len(SURNAMES), "given": list(GIVEN), "ng": len(GIVEN),
                    "start": start, "stop": min(start + chunk, customers)})
            print(f"fill    {customers:,} customers … {time.perf_counter() - started:.0f} s", flush=True)
            params: dict[str, Any] = {
                "customers": customers, "channels": ["counter", "hotline", "online", "app_web", "regulator"],
                "axis_a": axis_a, "axis_c": axis_c, "story_b": story_b, "story_facts": story_facts,
                "story_request": story_request, "story_kinds": story_kinds, "places": list(PLACES),
                "yesterday": yesterday, "tz": TZ, "branch_codes": codes, "branch_ids": ids, "clerk_ids": clerks,
                "handler_ids": handlers, "nb": len(codes), "days": FILL_DAYS}
            for start in range(0, cases, chunk):
                conn.execute(text(_arrays(_COMPLAINTS_SQL)),
                             {**params, "start": start, "stop": min(start + chunk, cases)})
                print(f"fill    {min(start + chunk, cases):,} cases … {time.perf_counter() - started:.0f} s",
                      flush=True)
            conn.execute(text(
                "INSERT INTO number_counters (key, value) SELECT 'case:' || split_part(case_number, '-', 1) || ':' "
                "|| split_part(case_number, '-', 2), max(CAST(split_part(case_number, '-', 3) AS int)) "
                "FROM complaints WHERE case_number LIKE 'FB%' GROUP BY 1 "
                "ON CONFLICT (key) DO UPDATE SET value = greatest(number_counters.value, excluded.value)"))
            for name, definition in indexes:
                conn.execute(text(definition))
                print(f"fill    index {name} … {time.perf_counter() - started:.0f} s", flush=True)
            conn.execute(text("VACUUM ANALYZE complaints"))
            conn.execute(text("VACUUM ANALYZE customers"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Accounts:
    clerks: list[str]
    analysts: list[str]
    branch_codes: list[str]


def create_accounts(url: str, schema: str, clients: int, branches: int) -> Accounts:
    """A clerk (in filler branch k mod ``branches``) and an HQ analyst for each client, new for this run."""
    from desk_app.security import hash_password

    run_id = uuid.uuid4().hex[:6]
    password_hash = hash_password(PASSWORD)
    engine = make_engine(schema_url(url, schema))
    clerks, analysts, codes = [], [], []
    try:
        with engine.begin() as conn:
            hq = conn.scalar(text("SELECT id FROM branches WHERE is_headquarters ORDER BY created_at LIMIT 1"))
            for k in range(clients):
                code = FILL_BRANCHES[k % max(1, min(branches, len(FILL_BRANCHES)))]
                branch = conn.scalar(text("SELECT id FROM branches WHERE code = :c"), {"c": code})
                for username, role, branch_id in ((f"b{run_id}.clerk{k}", "counter_clerk", branch),
                                                  (f"b{run_id}.hq{k}", "hq_analyst", hq)):
                    conn.execute(text(
                        "INSERT INTO users (id, username, display_name, password_hash, role, branch_id, active, "
                        "must_change_password, failed_logins, created_at, updated_at, version) VALUES (:id, :u, "
                        ":name, :h, :role, :b, true, false, 0, now(), now(), 1)"),
                        {"id": uuid.uuid4(), "u": username, "name": f"压测{k}", "h": password_hash, "role": role,
                         "b": branch_id})
                clerks.append(f"b{run_id}.clerk{k}")
                analysts.append(f"b{run_id}.hq{k}")
                codes.append(code)
    finally:
        engine.dispose()
    return Accounts(clerks, analysts, codes)


# --- the server -----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_command(code_root: Path) -> tuple[list[str], dict[str, str]]:
    """``desk-server`` (its entry point, ``desk_app.server.cli:main``) run from ``code_root``'s source."""
    env = dict(os.environ, DESK_LANGUAGE="en", PYTHONPATH=str(code_root))
    return [sys.executable, "-c", "import sys; from desk_app.server.cli import main; sys.exit(main())"], env


def init_server(folder: Path, owner_url: str, runtime_url: str, port: int) -> Path:
    """``desk-server init``: migrate as the owner, grants, HQ and its administrator, server.toml and TLS files."""
    config = folder / "server.toml"
    command, env = _server_command(ROOT)
    subprocess.run([*command, "--config", str(config), "init", "--database-url", runtime_url, "--owner-url",
                    owner_url, "--bind", "127.0.0.1", "--port", str(port), "--host-name", "127.0.0.1",
                    "--admin", "bench.admin", "--admin-password", PASSWORD + "-admin", "--force"],
                   check=True, env=env, cwd=folder, stdout=subprocess.DEVNULL, timeout=300)
    return config


def write_days_anchor(folder: Path, runtime_url: str) -> float:
    """The line the server's first sign-ins would write, beside its chain key, as the runtime login."""
    use_chain_key_file(folder / CHAIN_KEY_NAME)
    db = Database(make_engine(runtime_url))
    started = time.perf_counter()
    try:
        anchors.anchor_if_due(db)
    finally:
        db.dispose()
    return time.perf_counter() - started


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    pem: str
    log: Path


def start_server(config: Path, port: int, workers: int, code_root: Path, log: Path, timeout: float = 60) -> Server:
    from desk_app.api.pinning import fetch_certificate
    from desk_app.api.remote import RemoteBackend
    from desk_app.errors import DeskError

    command, env = _server_command(code_root)
    with log.open("ab") as out:
        process = subprocess.Popen([*command, "--config", str(config), "run", "--workers", str(workers)],
                                   env=env, cwd=config.parent, stdout=out, stderr=subprocess.STDOUT)
    url = f"https://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise SystemExit(f"desk-server exited with {process.returncode}; see {log}")
        try:
            certificate = fetch_certificate(url, timeout=2)
            backend = RemoteBackend(url, certificate, timeout=5)
            try:
                backend.health()
            finally:
                backend.close()
            return Server(process, url, certificate.pem, log)
        except DeskError:
            if time.monotonic() > deadline:
                stop_server(Server(process, url, "", log))
                raise SystemExit(f"desk-server did not answer within {timeout:.0f} s; see {log}") from None
            time.sleep(0.2)


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(10)


# --- the clients ----------------------------------------------------------------------------------------

def _draft(client: int, i: int) -> Any:
    from desk_app.domain.enums import Channel, Severity
    from desk_app.domain.validation import resident_id_check_char
    from desk_app.services.dto import ComplaintDraft, CustomerDraft

    serial = client * 1_000_000 + i
    birth = date(1950, 1, 1) + timedelta(days=serial * 37 % (365 * 55))
    first17 = f"310115{birth:%Y%m%d}{serial % 1000:03d}"
    return ComplaintDraft(
        channel=Channel.COUNTER, axis_a="A01", axis_b="B0302", axis_c="C09", severity=Severity.GENERAL,
        facts_what=f"客户反映信用卡出现一笔未授权境外消费{100 + serial % 9000:,}.00元（压测 {client}-{i}）",
        request_kinds=("refund",), request_text="要求退还被盗刷款项", claimed_amount=str(100 + serial % 9000),
        customer=CustomerDraft(name=f"压测客户{client}-{i}", id_number=first17 + resident_id_check_char(first17),
                               phone=f"139{serial % 10**8:08d}"))


@dataclass
class ClientResult:
    client: int
    numbers: list[str] = field(default_factory=list)
    register_s: list[float] = field(default_factory=list)
    list_hq_s: list[float] = field(default_factory=list)
    list_branch_s: list[float] = field(default_factory=list)
    list_rows: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    finished: float = 0.0
    cpu_s: float = 0.0


def opens_in_one_call(code_root: Path) -> bool:
    """Whether that checkout's server offers ``case_list.open_list`` (count and first page in one request);
    older ones are asked as their app asked them, ``count_cases`` then ``fetch_page``."""
    return '"open_list"' in (code_root / "desk_app" / "api" / "registry.py").read_text(encoding="utf-8")


def client(k: int, url: str, pem: str, clerk_name: str, analyst_name: str, seconds: float, list_every: int,
           one_call: bool, ready: multiprocessing.Queue, go: multiprocessing.synchronize.Event,
           results: multiprocessing.Queue) -> None:
    """One counter PC over HTTPS: sign in twice, warm up, wait for the start, then work for ``seconds``."""
    from desk_app.api.pinning import ServerCertificate
    from desk_app.api.remote import RemoteBackend
    from desk_app.services import case_list
    from desk_app.services.complaints import register_complaint

    result = ClientResult(k)
    backend = RemoteBackend(url, ServerCertificate(pem), timeout=60)
    flt = case_list.CaseFilter(office_tz=TZ)

    def open_list(actor: Any) -> int:
        today = datetime.now(ZoneInfo(TZ)).date()
        if one_call:
            return int(backend.call(actor, case_list.open_list, flt, today).count)
        n = backend.call(actor, case_list.count_cases, flt, today)
        backend.call(actor, case_list.fetch_page, flt, today, offset=0, limit=case_list.PAGE_SIZE, matches=n)
        return int(n)

    try:
        clerk = backend.sign_in(clerk_name, PASSWORD)
        analyst = backend.sign_in(analyst_name, PASSWORD)
        result.numbers.append(backend.call(clerk, register_complaint, _draft(k, 0)).case_number)
        result.list_rows = {"hq": open_list(analyst), "branch": open_list(clerk)}
    except Exception as exc:  # the run fails: reported with the others
        result.errors.append(f"warm-up: {type(exc).__name__}: {exc}")
        result.error_count += 1
        ready.put(k)
        results.put(result)
        backend.close()
        return
    ready.put(k)
    go.wait(300)
    cpu_started = time.process_time()
    stop = time.perf_counter() + seconds
    ops = 0
    lists = 0
    while time.perf_counter() < stop and ops < MAX_OPS_PER_CLIENT and result.error_count < MAX_ERRORS_PER_CLIENT:
        ops += 1
        started = time.perf_counter()
        try:
            if list_every and ops % (list_every + 1) == 0:
                lists += 1
                hq = lists % 2 == 1
                open_list(analyst if hq else clerk)
                (result.list_hq_s if hq else result.list_branch_s).append(time.perf_counter() - started)
            else:
                result.numbers.append(backend.call(clerk, register_complaint, _draft(k, ops)).case_number)
                result.register_s.append(time.perf_counter() - started)
        except Exception as exc:  # counted; the run fails
            result.error_count += 1
            if len(result.errors) < 5:
                result.errors.append(f"{type(exc).__name__}: {exc}")
    result.finished = time.perf_counter()
    result.cpu_s = time.process_time() - cpu_started
    try:
        backend.sign_out(clerk)
        backend.sign_out(analyst)
    except Exception as exc:
        result.errors.append(f"sign-out: {type(exc).__name__}: {exc}")
        result.error_count += 1
    backend.close()
    results.put(result)


# --- where the CPU goes ----------------------------------------------------------------------------------

def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (Linux ``/proc``; 0 when it is gone or elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (the server's uvicorn workers)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found.extend(frontier)
    return found


def _backend_pids(url: str) -> list[int]:
    """The PostgreSQL server processes serving the desk server's runtime login (same machine)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [int(pid) for pid in conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE usename = :u"),
                                                      {"u": RUNTIME_LOGIN})]
    finally:
        engine.dispose()


class CpuMeter:
    """CPU seconds the server's processes and its PostgreSQL backends use between ``start`` and ``stop``."""

    def __init__(self, url: str, server_pid: int) -> None:
        self.url, self.server_pid = url, server_pid
        self.server: dict[int, float] = {}
        self.database: dict[int, float] = {}

    def _sample(self) -> tuple[dict[int, float], dict[int, float]]:
        return ({pid: _cpu_seconds(pid) for pid in _descendants(self.server_pid)},
                {pid: _cpu_seconds(pid) for pid in _backend_pids(self.url)})

    def start(self) -> None:
        self.server, self.database = self._sample()

    def stop(self) -> tuple[float, float]:
        server, database = self._sample()
        return (sum(v - self.server.get(pid, 0.0) for pid, v in server.items()),
                sum(v - self.database.get(pid, 0.0) for pid, v in database.items()))


def start_profiles(folder: Path | None, pids: dict[str, int], seconds: float) -> list[subprocess.Popen[bytes]]:
    """``py-spy record`` of each named process for ``seconds`` into ``folder``: raw collapsed stacks of the
    thread holding the GIL (where the Python CPU goes; waits on the network or the database are left out)."""
    if folder is None:
        return []
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    folder.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))),
                              "--rate", "200", "--format", "raw", "--nonblocking", "--gil", "--output",
                              str(folder / f"{name}.txt")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in pids.items()]


# --- one run ---------------------------------------------------------------------------------------------

def _ms(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def verify_numbers(url: str, schema: str, numbers: list[str]) -> dict[str, Any]:
    """Distinct; every one stored; for each branch and day touched, the stored numbers are 1…n without a gap
    and the counter stands at n."""
    keys = sorted({n.rsplit("-", 1)[0] for n in numbers})
    engine = make_engine(schema_url(url, schema))
    contiguous = True
    stored = 0
    try:
        with engine.connect() as conn:
            for key in keys:
                found = [row[0] for row in conn.execute(
                    text("SELECT case_number FROM complaints WHERE case_number LIKE :p"), {"p": key + "-%"})]
                seqs = sorted(int(n.rsplit("-", 1)[1]) for n in found)
                code, day = key.split("-", 1)
                counter = conn.scalar(text("SELECT value FROM number_counters WHERE key = :k"),
                                      {"k": f"case:{code}:{day}"})
                if seqs != list(range(1, len(seqs) + 1)) or counter != len(seqs):
                    contiguous = False
            wanted = list(set(numbers))
            for start in range(0, len(wanted), 5000):
                stored += int(conn.scalar(text("SELECT count(*) FROM complaints WHERE case_number = ANY(:n)"),
                                          {"n": wanted[start:start + 5000]}) or 0)
    finally:
        engine.dispose()
    return {"distinct": len(set(numbers)) == len(numbers), "contiguous": contiguous,
            "all_stored": stored == len(set(numbers)), "keys": keys}


@dataclass(frozen=True)
class RunOptions:
    url: str
    schema: str
    clients: int
    workers: int
    seconds: float
    list_every: int
    branches: int
    config: Path
    port: int
    profile: Path | None = None


def run_once(options: RunOptions, code_root: Path, label: str, log: Path) -> dict[str, Any]:
    accounts = create_accounts(options.url, options.schema, options.clients, options.branches)
    server_started = time.perf_counter()
    server = start_server(options.config, options.port, options.workers, code_root, log)
    start_s = time.perf_counter() - server_started
    ctx = multiprocessing.get_context("spawn")
    ready: multiprocessing.Queue = ctx.Queue()
    results: multiprocessing.Queue = ctx.Queue()
    go = ctx.Event()
    procs = [ctx.Process(target=client, args=(k, server.url, server.pem, accounts.clerks[k], accounts.analysts[k],
                                              options.seconds, options.list_every, opens_in_one_call(code_root),
                                              ready, go, results))
             for k in range(options.clients)]
    try:
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=300)
        load_before = os.getloadavg()[0]
        meter = CpuMeter(options.url, server.process.pid)
        meter.start()
        profile = options.profile / label if options.profile else None
        workers = [pid for pid in _descendants(server.process.pid) if pid != server.process.pid]
        spies = start_profiles(profile, {**{f"worker-{pid}": pid for pid in workers},
                                         "client-0": procs[0].pid or 0}, options.seconds)
        started = time.perf_counter()
        go.set()
        outcomes: list[ClientResult] = [results.get(timeout=options.seconds + 300) for _ in procs]
        load_after = os.getloadavg()[0]
        server_cpu, database_cpu = meter.stop()
        for spy in spies:
            spy.wait(60)
        for p in procs:
            p.join(30)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        stop_server(server)
    ends = [o.finished for o in outcomes if o.finished]
    elapsed = (max(ends) - started) if ends else 0.0
    register = [x for o in outcomes for x in o.register_s]
    hq = [x for o in outcomes for x in o.list_hq_s]
    branch = [x for o in outcomes for x in o.list_branch_s]
    numbers = [n for o in outcomes for n in o.numbers]
    rows = next((o.list_rows for o in outcomes if o.list_rows), {})
    figures: dict[str, Any] = {
        "label": label, "clients": options.clients, "workers": options.workers, "server_start_s": round(start_s, 1),
        "seconds": round(elapsed, 2), "registrations": len(register),
        "registrations_per_s": round(len(register) / elapsed, 1) if elapsed > 0 else 0.0,
        "register_p50_ms": _ms(register, 0.5), "register_p95_ms": _ms(register, 0.95),
        "lists": len(hq) + len(branch), "list_hq_rows": rows.get("hq", 0), "list_branch_rows": rows.get("branch", 0),
        "list_hq_p50_ms": _ms(hq, 0.5), "list_hq_p95_ms": _ms(hq, 0.95),
        "list_branch_p50_ms": _ms(branch, 0.5), "list_branch_p95_ms": _ms(branch, 0.95),
        "list_p95_ms": _ms(hq + branch, 0.95),
        "errors": sum(o.error_count for o in outcomes), "error_samples": [
            f"client {o.client}: {e}" for o in outcomes for e in o.errors][:10],
        "load_average_at_start": round(load_before, 2), "load_average_at_end": round(load_after, 2),
        "cpu_client_s": round(sum(o.cpu_s for o in outcomes), 1), "cpu_server_s": round(server_cpu, 1),
        "cpu_database_s": round(database_cpu, 1),
    }
    operations = len(register) + len(hq) + len(branch)
    for tier in ("client", "server", "database"):
        figures[f"cpu_{tier}_ms_per_op"] = round(figures[f"cpu_{tier}_s"] * 1000 / operations, 1) if operations else 0.0
    figures.update({k: v for k, v in verify_numbers(options.url, options.schema, numbers).items() if k != "keys"})
    return figures


def print_run(f: dict[str, Any]) -> None:
    print(f"{f['label']:7} {f['clients']} clients, {f['workers']} workers: {f['registrations']} registrations in "
          f"{f['seconds']} s = {f['registrations_per_s']}/s, register p50 {f['register_p50_ms']} ms p95 "
          f"{f['register_p95_ms']} ms; list HQ ({f['list_hq_rows']:,} cases) p50 {f['list_hq_p50_ms']} ms p95 "
          f"{f['list_hq_p95_ms']} ms, branch ({f['list_branch_rows']:,}) p50 {f['list_branch_p50_ms']} ms p95 "
          f"{f['list_branch_p95_ms']} ms ({f['lists']} lists); errors {f['errors']}; numbers distinct "
          f"{f['distinct']}, contiguous {f['contiguous']}, stored {f['all_stored']}; load average "
          f"{f['load_average_at_start']} -> {f['load_average_at_end']}; CPU ms per operation: clients "
          f"{f['cpu_client_ms_per_op']}, server {f['cpu_server_ms_per_op']}, PostgreSQL "
          f"{f['cpu_database_ms_per_op']}", flush=True)
    for sample in f["error_samples"]:
        print(f"        {sample}", file=sys.stderr)


SUMMARY_KEYS = ("registrations_per_s", "errors", "register_p50_ms", "register_p95_ms", "list_hq_p50_ms",
                "list_hq_p95_ms", "list_branch_p50_ms", "list_branch_p95_ms", "load_average_at_start",
                "cpu_server_ms_per_op", "cpu_database_ms_per_op")


def compare_table(runs: list[dict[str, Any]], labels: list[str], rounds: int) -> str:
    """Each figure's median over the rounds, a row per figure and a column per side."""
    lines = [f"{'median of ' + str(rounds) + ' runs':26}" + "".join(f"{label:>12}" for label in labels)]
    for key in SUMMARY_KEYS:
        cells = [statistics.median(f[key] for f in runs if f["label"] == label) for label in labels]
        lines.append(f"{key:26}" + "".join(f"{round(cell, 1):>12}" for cell in cells))
    return "\n".join(lines)


def ok(f: dict[str, Any]) -> bool:
    return bool(f["errors"] == 0 and f["distinct"] and f["contiguous"] and f["all_stored"] and f["registrations"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("TEST_DATABASE_URL", ""),
                        help="PostgreSQL URL of the tables' owner (default: $TEST_DATABASE_URL)")
    parser.add_argument("--schema", default="desk_bench", help="the benchmark's own schema (dropped and recreated)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="desk-server worker processes")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the clients work")
    parser.add_argument("--cases", type=int, default=1_000_000, help="filled cases for the case list")
    parser.add_argument("--list-every", type=int, default=4, help="open a list after this many registrations "
                        "(0: only register)")
    parser.add_argument("--branches", type=int, default=1, help="clerks spread over this many branches (1: all "
                        "take numbers from one branch-and-day counter, the worst case)")
    parser.add_argument("--reuse", action="store_true", help="keep the schema if it holds the filled cases")
    parser.add_argument("--small", action="store_true", help="CI: 2,000 cases, 3 s, schema dropped afterwards")
    parser.add_argument("--compare", type=Path, help="another checkout: run its server and this one's alternately")
    parser.add_argument("--rounds", type=int, default=1, help="with --compare: runs of each side")
    parser.add_argument("--profile", type=Path, help="record py-spy profiles (raw collapsed stacks) of each server "
                        "worker and one client into this folder, one subfolder per side")
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url or set TEST_DATABASE_URL")
    if not args.url.startswith(("postgresql", "postgres")):
        parser.error("the desk server benchmark needs PostgreSQL")
    if not args.schema.isidentifier() or args.schema.lower() == "public":
        parser.error("--schema must be a plain name other than public")
    if args.small:
        args.cases, args.seconds = min(args.cases, 2000), min(args.seconds, 3.0)
    total_started = time.perf_counter()
    owner_url = schema_url(args.url, args.schema)
    runtime_url = schema_url(args.url, args.schema, RUNTIME_LOGIN, RUNTIME_PASSWORD)
    engine = make_engine(args.url)
    try:
        have = count_filled(engine, args.schema) if args.reuse else 0
    finally:
        engine.dispose()
    reused = have >= args.cases
    if not reused:
        reset_schema(args.url, args.schema)
    folder = Path(tempfile.mkdtemp(prefix="desk-server-bench-"))
    clean = False  # a failed or interrupted run keeps its server logs to read
    try:
        port = free_port()
        owner = make_engine(owner_url)
        try:
            config = init_server(folder, owner_url, runtime_url, port)
            require_own_tables(args.url, args.schema)
            ensure_runtime_login(owner)
        finally:
            owner.dispose()
        if not reused:
            seconds = fill(args.url, args.schema, args.cases)
            print(f"fill    {args.cases:,} cases in {seconds:.0f} s", flush=True)
        else:
            print(f"reuse   {have:,} filled cases in schema {args.schema}", flush=True)
        print(f"anchor  the day's chain-heads line in {write_days_anchor(config.parent, runtime_url):.1f} s "
              "(a server's first sign-ins write it once a day)", flush=True)
        options = RunOptions(args.url, args.schema, args.clients, args.workers, args.seconds, args.list_every,
                             args.branches, config, port, args.profile)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"machine {os.cpu_count()} CPUs, load average {load}; PostgreSQL on 127.0.0.1; {args.clients} client "
              f"processes, {args.workers} server workers, {args.seconds:.0f} s each run", flush=True)
        sides = [("after", ROOT)]
        if args.compare:
            sides = [("before", args.compare.resolve()), ("after", ROOT)]
        runs: list[dict[str, Any]] = []
        for r in range(max(1, args.rounds)):
            order = sides if r % 2 == 0 else list(reversed(sides))
            for label, code_root in order:
                figures = run_once(options, code_root, label if args.compare else "run",
                                   folder / f"server-{label}-{r + 1}.log")
                print_run(figures)
                runs.append(figures)
        if args.compare:
            print(compare_table(runs, [label for label, _root in sides], args.rounds))
        failed = [f for f in runs if not ok(f)]
        clean = not failed
        if failed:
            print(f"server logs (kept): {folder}", file=sys.stderr)
        summary = {"cases": args.cases, "reused": reused, "total_s": round(time.perf_counter() - total_started, 1),
                   "runs": runs}
        print(f"total   {summary['total_s']} s", flush=True)
        print(json.dumps(summary, ensure_ascii=False))
        return 1 if failed else 0
    finally:
        if args.small:
            drop_schema(args.url, args.schema)
        if clean and not os.environ.get("DESK_BENCH_KEEP_LOGS"):
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
