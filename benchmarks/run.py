"""Benchmarks, run on demand (full size) and in CI (``--small``). Prints figures; asserts nothing on time.

Scenarios:
- demo-data: generate N demo cases into a fresh SQLite file (N = 100,000 full, 2,000 small);
- register: register cases one by one through the service (one transaction each);
- check: verify every timeline hash chain of the generated database;
- first paint: cold start of a Python process that opens the main window offscreen (as ``desk-app`` does, signed
  in as the demo administrator), to its first paint, next to an empty QMainWindow started the same way; the two
  alternate, medians are printed, with bytecode and without (no .pyc to read, none written);
- concurrency (only when ``TEST_DATABASE_URL`` names a PostgreSQL server, as in CI): 8 client processes
  registering cases at once for 20 s (3 s small), see ``benchmarks/concurrency.py``.
Each scenario runs in its own process so peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(scenario: str, db: Path, count: int) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    with subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "scenarios.py"), scenario, str(db), str(count)],
                          stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT) as child:
        assert child.stdout is not None
        out = child.stdout.read()
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"benchmark {scenario} failed with exit code {child.returncode}")
    figures = json.loads(out.strip().splitlines()[-1])
    figures["process_wall_s"] = round(time.perf_counter() - started, 3)
    figures["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)  # this child only (Linux: KiB)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="CI size")
    parser.add_argument("--count", type=int, help="demo cases (default 100000, or 2000 with --small)")
    parser.add_argument("--first-paint", action="store_true", help="only the first-paint comparison")
    args = parser.parse_args()
    count = args.count or (2000 if args.small else 100_000)
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        db = Path(tmp) / "bench.sqlite3"
        scenarios = (("demo-data", count), ("register", 200 if args.small else 1000), ("check", 0))
        for scenario, n in scenarios[:1] if args.first_paint else scenarios:
            figures = _child(scenario, db, n)
            print(f"{scenario:16} " + "  ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
        for bytecode, rounds in ((True, 3 if args.small else 9), (False, 1 if args.small else 3)):
            paint = first_paint(db, rounds, bytecode=bytecode)
            print(f"{'first paint':16} " + "  ".join(f"{k}={v}" for k, v in paint.items()), flush=True)
    pg_url = os.environ.get("TEST_DATABASE_URL", "")
    if pg_url:
        load = _concurrency(pg_url, 3 if args.small else 20)
        print("concurrency      " + "  ".join(f"{k}={load[k]}" for k in (
            "clients", "cases", "seconds", "cases_per_s", "p50_ms", "p95_ms", "distinct", "contiguous")), flush=True)
    return 0


def first_paint(db: Path, rounds: int, *, bytecode: bool) -> dict[str, object]:
    """Seconds from starting a process to the first paint of the main window (app) and of an empty QMainWindow
    (bare), started alternately so that both meet the same load on the machine; medians of ``rounds`` each, of
    the wall time and of the CPU time the process used until then (steadier on a shared machine)."""
    bare: list[tuple[float, float]] = []
    app: list[tuple[float, float]] = []
    if bytecode:  # the .pyc files written (and the files cached) by a first start that is not counted
        _paint_seconds("bare-first-paint", db, bytecode=True)
        _paint_seconds("gui-first-paint", db, bytecode=True)
    for _ in range(rounds):
        bare.append(_paint_seconds("bare-first-paint", db, bytecode=bytecode))
        app.append(_paint_seconds("gui-first-paint", db, bytecode=bytecode))
    app_s, bare_s = statistics.median(w for w, _c in app), statistics.median(w for w, _c in bare)
    app_cpu, bare_cpu = statistics.median(c for _w, c in app), statistics.median(c for _w, c in bare)
    return {"bytecode": "yes" if bytecode else "no", "app_s": round(app_s, 3), "bare_s": round(bare_s, 3),
            "ratio": round(app_s / bare_s, 1), "app_cpu_s": round(app_cpu, 3), "bare_cpu_s": round(bare_cpu, 3),
            "cpu_ratio": round(app_cpu / bare_cpu, 1), "rounds": rounds,
            "app_runs": [round(w, 2) for w, _c in app], "bare_runs": [round(w, 2) for w, _c in bare]}


def _paint_seconds(scenario: str, db: Path, *, bytecode: bool) -> tuple[float, float]:
    """One start: from before the process is created to its first paint, and the CPU time it used until then.
    Without bytecode the process looks for .pyc files in an empty folder and writes none, so it compiles every
    module it imports from source."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory(prefix="desk-no-pyc-") as empty:
        if bytecode:  # .pyc files are read, and written where missing (by the first start, not counted)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env.pop("PYTHONPYCACHEPREFIX", None)
        else:
            env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=empty)
        started = time.time()
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scenarios.py"), scenario, str(db), "0"],
                             stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"benchmark {scenario} failed with exit code {out.returncode}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return float(figures["painted_at"]) - started, float(figures["cpu_s"])


def _concurrency(url: str, seconds: int) -> dict[str, object]:
    """8 clients on the PostgreSQL test server (it adds its own branch and cases there)."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "concurrency.py"), "--url", url, "--clients", "8",
                          "--seconds", str(seconds)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if out.returncode != 0:
        raise SystemExit(f"benchmark concurrency failed with exit code {out.returncode}")
    figures: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


if __name__ == "__main__":
    sys.exit(main())
