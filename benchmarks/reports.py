"""Report benchmarks: the statistics workbook over a million cases, the detail export of 100,000 cases,
the migration import of 100,000 rows, and consolidating the detail export at HQ. Prints figures
(wall seconds, CPU seconds of the process — telling on a busy machine —, rows per second, peak memory
of each scenario's own process); asserts nothing.

    python benchmarks/reports.py                 # full size: 1,000,000 / 100,000 / 100,000
    python benchmarks/reports.py --small         # CI size: 20,000 / 5,000 / 5,000
    python benchmarks/reports.py --cases 300000 --detail 50000 --import-rows 50000 --keep /tmp/bench
    python benchmarks/reports.py --reuse /tmp/bench     # again on the databases kept there (no generating)

Data: ``--detail`` demo cases are generated with the demo generator (real timelines); for the
statistics the database is then grown to ``--cases`` by cloning those cases in SQL with new ids
and numbers (same dates and codes), and outcomes are added (resolutions, callbacks, root causes).
The search-index triggers (FTS5 trigram, migration 0002) are dropped in the benchmark copies so that
growing the database stays quick (reports never read that index); "import" is measured without them
and "import-search" (a fifth of the rows) with them, to show their cost, which grows faster than the
number of rows inside one transaction. SQLite only (the default database of a branch and a small HQ).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 6, 30, 8, 0, tzinfo=UTC)
TODAY = date(2026, 6, 30)
PERIOD = (date(2026, 1, 1), date(2026, 6, 30))
YEAR = (date(2025, 7, 1), date(2026, 6, 30))


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _db(path: Path) -> Any:
    from desk_app.db.engine import make_engine
    from desk_app.db.uow import Database

    return Database(make_engine(f"sqlite:///{path}"))


def _actor(db: Any, username: str) -> Any:
    from desk_app.services.accounts import authenticate
    from desk_app.services.demo import DEMO_PASSWORD

    return authenticate(db, username, DEMO_PASSWORD)


# ---- data set-up (in child processes too) --------------------------------------------------------

def scenario_generate(base: Path, count: int) -> dict[str, Any]:
    from sqlalchemy import text

    from desk_app.db.migrate import upgrade_to_head
    from desk_app.services.demo import generate_demo_data

    db = _db(base)
    upgrade_to_head(db.engine)
    started = time.perf_counter()
    generate_demo_data(db, count, seed=2026, now=NOW, with_outcomes=False)  # outcomes added below
    with db.engine.begin() as conn:  # outcomes: resolutions, callbacks, root causes
        _add_outcomes(conn, text)
    db.dispose()
    return {"demo_cases": count, "seconds": round(time.perf_counter() - started, 1)}


def _add_outcomes(conn: Any, text: Any, clones_only: bool = False) -> None:
    user = conn.execute(text("SELECT id FROM users ORDER BY username LIMIT 1")).scalar_one()
    only = " AND case_number LIKE '%/%'" if clones_only else ""
    conn.execute(text(
        "INSERT INTO resolutions (id, complaint_id, resolution_type, amount, description, basis, upheld, "
        "approval_state, proposed_by_id, created_at, updated_at, version) "
        "SELECT lower(hex(randomblob(16))), id, 'refund', CASE WHEN abs(random()) % 3 = 0 THEN "
        "(abs(random()) % 500000) / 100.0 END, '', '', abs(random()) % 2, 'approved', :user, responded_at, "
        "responded_at, 1 FROM complaints WHERE responded_at IS NOT NULL AND abs(random()) % 10 < 6" + only),
        {"user": user})
    conn.execute(text(
        "INSERT INTO callbacks (id, complaint_id, called_at, called_by_id, method, reached, satisfaction, note) "
        "SELECT lower(hex(randomblob(16))), id, closed_at, :user, 'phone', 1, abs(random()) % 5 + 1, '' "
        "FROM complaints WHERE status = 'closed' AND abs(random()) % 10 < 7" + only), {"user": user})
    conn.execute(text(
        "INSERT INTO root_causes (id, complaint_id, level, cause_code, description, recorded_by_id, recorded_at) "
        "SELECT lower(hex(randomblob(16))), id, CASE abs(random()) % 3 WHEN 0 THEN 'data' WHEN 1 THEN 'rules' "
        "ELSE 'process' END, axis_c, '', :user, closed_at FROM complaints WHERE status = 'closed' "
        "AND abs(random()) % 2 = 0" + only), {"user": user})


def scenario_grow(path: Path, target: int) -> dict[str, Any]:
    """Clone the cases (with their outcomes) until the database holds ``target`` cases."""
    from sqlalchemy import text

    from desk_app.db.models import Complaint

    db = _db(path)
    started = time.perf_counter()
    columns = [c.name for c in Complaint.__table__.columns]
    _drop_search_triggers(db, text)
    with db.engine.begin() as conn:
        base = conn.execute(text("SELECT count(*) FROM complaints")).scalar_one()
        copy = 0
        while base * (copy + 1) < target:
            copy += 1
            limit = min(base, target - base * copy)
            chosen = ", ".join("lower(hex(randomblob(16)))" if c == "id" else
                               f"case_number || '/{copy}'" if c == "case_number" else c for c in columns)
            conn.execute(text(f"INSERT INTO complaints ({', '.join(columns)}) SELECT {chosen} FROM complaints "
                              f"WHERE case_number NOT LIKE '%/%' LIMIT {limit}"))
        _add_outcomes(conn, text, clones_only=True)
        total = conn.execute(text("SELECT count(*) FROM complaints")).scalar_one()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    db.dispose()
    return {"cases": total, "seconds": round(time.perf_counter() - started, 1)}


# ---- timed scenarios ------------------------------------------------------------------------------

def scenario_statistics(path: Path, _n: int) -> dict[str, Any]:
    from desk_app.services.report_scope import ReportScope
    from desk_app.services.statistics import export_statistics

    db = _db(path)
    actor = _actor(db, "hq.analyst")
    out = path.with_name("statistics.xlsx")
    started, cpu = time.perf_counter(), time.process_time()
    stats = export_statistics(db, actor, ReportScope(*PERIOD), out, today=TODAY, now=NOW)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with db.engine.connect() as conn:
        from sqlalchemy import text

        total = conn.execute(text("SELECT count(*) FROM complaints")).scalar_one()
    return {"cases_in_db": total, "cases_in_period": stats.summary.total,
            "previous_period": stats.summary.previous_total, "seconds": round(seconds, 2), "cpu_s": round(cpu, 2),
            "file_kib": out.stat().st_size // 1024}


def scenario_detail(path: Path, _n: int) -> dict[str, Any]:
    from desk_app.services.detail_export import export_detail
    from desk_app.services.report_scope import ReportScope

    db = _db(path)
    actor = _actor(db, "admin")
    out = path.with_name("detail.xlsx")
    started, cpu = time.perf_counter(), time.process_time()
    result = export_detail(db, actor, ReportScope(*YEAR), out, reveal_personal_data=True, today=TODAY, now=NOW)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    plain = path.with_name("detail-plain.xlsx")
    started2, cpu2 = time.perf_counter(), time.process_time()
    export_detail(db, actor, ReportScope(*YEAR), plain, include_records=False, today=TODAY, now=NOW)
    seconds2, cpu2 = time.perf_counter() - started2, time.process_time() - cpu2
    return {"cases": result.cases, "records": sum(result.records.values()), "seconds": round(seconds, 2),
            "cpu_s": round(cpu, 2), "cases_per_s": round(result.cases / seconds),
            "file_mib": round(out.stat().st_size / 2**20, 1), "readable_sheet_only_s": round(seconds2, 2),
            "readable_sheet_only_cpu_s": round(cpu2, 2), **_with_timeline(db, actor, path, seconds2)}


def _with_timeline(db: Any, actor: Any, path: Path, readable_s: float) -> dict[str, Any]:
    """The readable sheet plus the timeline sheet (every event described): its time beyond the readable sheet's."""
    from sqlalchemy import func, select

    from desk_app.db.models import ComplaintEvent
    from desk_app.services.detail_export import export_detail
    from desk_app.services.report_scope import ReportScope

    with db.unit_of_work() as session:
        events = session.scalar(select(func.count()).select_from(ComplaintEvent)) or 0
    started = time.perf_counter()
    export_detail(db, actor, ReportScope(*YEAR), path.with_name("detail-timeline.xlsx"), include_records=False,
                  include_timeline=True, today=TODAY, now=NOW)
    seconds = time.perf_counter() - started
    return {"with_timeline_s": round(seconds, 2), "events_in_db": events,
            "timeline_events_per_s": round(events / max(seconds - readable_s, 1e-9))}


def scenario_consolidate(path: Path, _n: int) -> dict[str, Any]:
    from desk_app.db.migrate import upgrade_to_head
    from desk_app.domain.enums import InstitutionType, Role
    from desk_app.services.accounts import authenticate, create_user
    from desk_app.services.branch_keys import register_signing_key
    from desk_app.services.consolidation import consolidate
    from desk_app.services.setup import SetupRequest, initialise
    from desk_app.signing import branch_key, public_key_text

    hq_path = path.with_name("hq.sqlite3")
    hq_path.unlink(missing_ok=True)
    hq = _db(hq_path)
    upgrade_to_head(hq.engine)
    admin = initialise(hq, SetupRequest("HQ", "总行", InstitutionType.BANK, "hqadmin", "管理员", "hqadmin2026",
                                        is_headquarters=True))
    create_user(hq, admin, username="analyst", display_name="分析员", password="quarterly2026",
                role=Role.HQ_ANALYST, branch_id=admin.branch_id, must_change_password=False)
    analyst = authenticate(hq, "analyst", "quarterly2026")
    # The export was signed by the demo database's headquarters "HQ"; its administrator registers that key
    # here once, as HQ does with each branch's (the key file is on this machine).
    register_signing_key(hq, admin, "HQ", public_key_text(branch_key("HQ")))
    started, cpu = time.perf_counter(), time.process_time()
    report = consolidate(hq, analyst, path.with_name("detail.xlsx"))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"inserted": report.inserted, "problems": len(report.problems), "seconds": round(seconds, 2),
            "cpu_s": round(cpu, 2),
            "cases_per_s": round(report.inserted / seconds) if seconds else 0}


def _write_register(path: Path, rows: int) -> None:
    """A branch register as CSV in GB18030 with mixed date formats, amounts and channel words."""
    rng = random.Random(7)
    channels = ["柜面", "电话", "热线", "网点", "监管转办", "12315", "手机银行APP", "信函", "微博"]
    business = ["信用卡", "借记卡", "个人贷款", "理财", "人民币储蓄", "支付结算", "B0302", "征信"]
    causes = ["C01 服务态度及服务质量", "消费者资金安全", "C05", "债务催收", "营销方式", "合同条款", "C11"]
    lines = ["序号,投诉日期,客户姓名,联系电话,投诉渠道,业务类别,投诉原因,投诉内容,客户诉求,涉及金额,完成时间"]
    for i in range(rows):
        day = date(2025, 7, 1).toordinal() + rng.randrange(360)
        d = date.fromordinal(day)
        text = rng.choice([d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日",
                           d.strftime("%Y%m%d")])
        done = date.fromordinal(day + rng.randrange(1, 20)) if rng.random() < 0.6 and day + 20 < TODAY.toordinal() \
            else None
        amount = rng.choice(["", f"{rng.randrange(1, 99999)}.{rng.randrange(100):02d}", f"¥{rng.randrange(1, 9999)}",
                             f"{rng.randrange(1, 50)}万"])
        lines.append(",".join([str(i + 1), text, f"客户{i}", f"13{rng.randrange(10**9):09d}", rng.choice(channels),
                               rng.choice(business), rng.choice(causes), f"客户反映第{i}号问题，要求尽快处理",
                               "要求退款", amount, done.isoformat() if done else ""]))
    path.write_bytes("\r\n".join(lines).encode("gb18030"))


def scenario_upgrade(path: Path, _n: int) -> dict[str, Any]:
    """Bring a kept database to the current schema (new report indexes are built here, timed)."""
    from desk_app.db.migrate import schema_state, upgrade_to_head

    db = _db(path)
    before = schema_state(db.engine).current
    started = time.perf_counter()
    upgrade_to_head(db.engine)
    return {"from": before, "to": schema_state(db.engine).current, "seconds": round(time.perf_counter() - started, 1)}


def scenario_import(path: Path, rows: int, keep_search_index: bool = False) -> dict[str, Any]:
    from sqlalchemy import text

    from desk_app.db.migrate import upgrade_to_head
    from desk_app.domain.enums import InstitutionType
    from desk_app.services import imports
    from desk_app.services.setup import SetupRequest, initialise

    path.unlink(missing_ok=True)
    db = _db(path)
    upgrade_to_head(db.engine)
    admin = initialise(db, SetupRequest("SH01", "上海浦东支行", InstitutionType.BANK, "admin", "管理员",
                                        "admin2026", is_headquarters=True))
    if not keep_search_index:
        _drop_search_triggers(db, text)
    register = path.with_name("register.csv")
    _write_register(register, rows)
    started = time.perf_counter()
    preview = imports.dry_run(db, admin, register)
    mapping = preview.mapping
    mapping.defaults["axis_a"] = "A01"
    options = imports.ImportOptions(now=NOW)
    preview = imports.dry_run(db, admin, register, mapping, options)
    dry = time.perf_counter() - started
    assert preview.ok, (preview.file_problems, preview.problem_rows[:3])
    started, cpu = time.perf_counter(), time.process_time()
    result = imports.import_file(db, admin, register, mapping, options)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"rows": result.imported, "search_index": keep_search_index, "dry_run_s": round(dry / 2, 2),
            "import_s": round(seconds, 2),
            "import_cpu_s": round(cpu, 2),
            "rows_per_s": round(result.imported / seconds), "file_mib": round(register.stat().st_size / 2**20, 1)}


def scenario_import_search(path: Path, rows: int) -> dict[str, Any]:
    """The same import with the case-search triggers (FTS5 trigram index, migration 0002) in place."""
    return scenario_import(path, rows, keep_search_index=True)


def _drop_search_triggers(db: Any, text: Any) -> None:
    with db.engine.begin() as conn:
        for trigger in conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger' AND sql LIKE "
                                         "'%complaint_search%'")).scalars().all():
            conn.execute(text(f'DROP TRIGGER "{trigger}"'))


SCENARIOS = {"generate": scenario_generate, "grow": scenario_grow, "upgrade": scenario_upgrade,
             "statistics": scenario_statistics,
             "detail": scenario_detail, "consolidate": scenario_consolidate, "import": scenario_import,
             "import-search": scenario_import_search}


def _child(scenario: str, path: Path, n: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--scenario", scenario, "--path", str(path), "--n", str(n)],
                         check=True, capture_output=True, text=True, env=env, cwd=ROOT).stdout
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    figures["process_wall_s"] = round(time.perf_counter() - started, 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="CI size")
    parser.add_argument("--cases", type=int, help="cases for the statistics workbook (default 1,000,000)")
    parser.add_argument("--detail", type=int, help="cases for the detail export (default 100,000)")
    parser.add_argument("--import-rows", type=int, help="rows for the migration import (default 100,000)")
    parser.add_argument("--keep", type=Path, help="keep the databases and files in this folder")
    parser.add_argument("--reuse", type=Path, help="run the timed scenarios on the databases kept in this folder "
                        "(detail.sqlite3, statistics.sqlite3), upgraded to the current schema first")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        figures = SCENARIOS[args.scenario](args.path, args.n)
        figures["peak_rss_mib"] = _peak_mib()
        print(json.dumps(figures))
        return 0
    if args.reuse is not None:
        return _reuse(args.reuse, args.import_rows or (5_000 if args.small else 100_000))
    cases = args.cases or (20_000 if args.small else 1_000_000)
    detail = args.detail or (5_000 if args.small else 100_000)
    rows = args.import_rows or (5_000 if args.small else 100_000)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="desk-report-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        base = folder / "detail.sqlite3"
        big = folder / "statistics.sqlite3"
        for path in (base, big):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        steps: list[tuple[str, Path, int]] = [("generate", base, detail), ("detail", base, 0),
                                              ("consolidate", base, 0)]
        for name, path, n in steps:
            print(f"{name:12} " + "  ".join(f"{k}={v}" for k, v in _child(name, path, n).items()), flush=True)
        shutil.copyfile(base, big)
        for name, path, n in (("grow", big, cases), ("statistics", big, 0), ("import", folder / "import.sqlite3", rows),
                              ("import-search", folder / "import-search.sqlite3", max(rows // 5, 1000))):
            print(f"{name:12} " + "  ".join(f"{k}={v}" for k, v in _child(name, path, n).items()), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def _reuse(folder: Path, rows: int) -> int:
    detail, big = folder / "detail.sqlite3", folder / "statistics.sqlite3"
    for path in (detail, big):
        if not path.exists():
            raise SystemExit(f"{path} is missing: run with --keep {folder} first")
    for name, path, n in (("upgrade", detail, 0), ("upgrade", big, 0), ("detail", detail, 0),
                          ("statistics", big, 0), ("import", folder / "import.sqlite3", rows)):
        print(f"{name:12} " + "  ".join(f"{k}={v}" for k, v in _child(name, path, n).items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
