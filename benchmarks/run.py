"""Benchmarks, run on demand (full size) and in CI (``--small``). Prints figures; asserts nothing on time.

Scenarios:
- demo-data: generate N demo cases into a fresh SQLite file (N = 100,000 full, 2,000 small);
- register: register cases one by one through the service (one transaction each);
- check: verify every timeline hash chain of the generated database;
- gui-first-paint: cold start of a Python process that opens the main window offscreen, to its first paint;
- concurrency (only when ``TEST_DATABASE_URL`` names a PostgreSQL server, as in CI): 8 client processes
  registering cases at once for 20 s (3 s small), see ``benchmarks/concurrency.py``.
Each scenario runs in its own process so peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
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
    args = parser.parse_args()
    count = args.count or (2000 if args.small else 100_000)
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        db = Path(tmp) / "bench.sqlite3"
        for scenario, n in (("demo-data", count), ("register", 200 if args.small else 1000), ("check", 0),
                            ("gui-first-paint", 0)):
            figures = _child(scenario, db, n)
            print(f"{scenario:16} " + "  ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    pg_url = os.environ.get("TEST_DATABASE_URL", "")
    if pg_url:
        load = _concurrency(pg_url, 3 if args.small else 20)
        print("concurrency      " + "  ".join(f"{k}={load[k]}" for k in (
            "clients", "cases", "seconds", "cases_per_s", "p50_ms", "p95_ms", "distinct", "contiguous")), flush=True)
    return 0


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
