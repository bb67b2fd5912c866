"""Benchmarks, run on demand (full size) and in CI (``--small``). Prints figures; asserts nothing on time.

Scenarios:
- demo-data: generate N demo cases into a fresh SQLite file (N = 100,000 full, 2,000 small);
- register: register cases one by one through the service (one transaction each);
- check: verify every timeline hash chain of the generated database;
- first paint: cold starts of a Python process, offscreen, next to an empty QMainWindow started the same way, all
  alternating (the order turns each round), medians of wall and CPU time: ``desk-app --database-url`` to the first
  paint of its first window (the sign-in dialog); the same signing in the moment the dialog is painted, to the main
  window's first paint (and the longest the GUI thread stalled while the password was checked); and the main window
  opened directly as the demo administrator (the figure of earlier runs). With bytecode, and without (no .pyc to
  read, none written: the first window only). ``--baseline DIR`` times another checkout (e.g. a worktree of the
  commit before a change) in the same rounds; the load average is printed before and after;
- concurrency (only when ``TEST_DATABASE_URL`` names a PostgreSQL server, as in CI): 8 client processes
  registering cases at once for 20 s (3 s small), see ``benchmarks/concurrency.py``.
Each scenario runs in its own process so peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV_DATABASE_URL = "DESK_DATABASE_URL"


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
    parser.add_argument("--baseline", type=Path, help="another checkout timed alternately in the first-paint rounds")
    parser.add_argument("--rounds", type=int, help="first-paint rounds with bytecode (default 9, or 3 with --small)")
    args = parser.parse_args()
    count = args.count or (2000 if args.small else 100_000)
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        db = Path(tmp) / "bench.sqlite3"
        scenarios = (("demo-data", count), ("register", 200 if args.small else 1000), ("check", 0))
        for scenario, n in scenarios[:1] if args.first_paint else scenarios:
            figures = _child(scenario, db, n)
            print(f"{scenario:16} " + "  ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
        trees = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
        rounds = args.rounds or (3 if args.small else 9)
        print(f"{'first paint':16} load average before: {_load()}", flush=True)
        for bytecode, n in ((True, rounds), (False, 1 if args.small else max(1, rounds // 3))):
            for row in first_paint(db, n, trees, bytecode=bytecode):
                print(f"{'first paint':16} " + "  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
        print(f"{'first paint':16} load average after: {_load()}", flush=True)
    pg_url = os.environ.get("TEST_DATABASE_URL", "")
    if pg_url:
        load = _concurrency(pg_url, 3 if args.small else 20)
        print("concurrency      " + "  ".join(f"{k}={load[k]}" for k in (
            "clients", "cases", "seconds", "cases_per_s", "p50_ms", "p95_ms", "distinct", "contiguous")), flush=True)
    return 0


#: What a first-paint start measures (a scenario of scenarios.py): its label, and the figures that end it.
PAINTS = {"first-window-paint": ("sign-in dialog", "painted_at", "cpu_s"),
          "sign-in-paint": ("signed in: main window", "main_painted_at", "main_cpu_s"),
          "gui-first-paint": ("main window, direct", "painted_at", "cpu_s")}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def first_paint(db: Path, rounds: int, trees: dict[str, Path], *, bytecode: bool) -> list[dict[str, object]]:
    """Seconds from starting a process to a first paint, for each scenario of ``PAINTS`` (without bytecode only the
    first window) in each checkout of ``trees``, and for an empty QMainWindow (bare); every start of a round runs
    once, in an order that turns each round, so that all meet the same load on the machine. Medians of ``rounds``
    of the wall time and of the CPU time the process had used (all its threads; steadier on a shared machine)."""
    kinds = [(name, root, scenario) for name, root in trees.items()
             for scenario in (PAINTS if bytecode else ("first-window-paint",))]
    starts: list[tuple[str, Path, str]] = [("bare", ROOT, "bare-first-paint"), *kinds]
    runs: dict[tuple[str, str], list[dict[str, float]]] = {(name, scenario): [] for name, _r, scenario in starts}
    if bytecode:  # the .pyc files written (and the files cached) by a first start that is not counted
        for _name, root, scenario in starts:
            _paint_figures(scenario, db, root, bytecode=True)
    for i in range(rounds):
        for name, root, scenario in starts[i % len(starts):] + starts[:i % len(starts)]:
            runs[name, scenario].append(_paint_figures(scenario, db, root, bytecode=bytecode))
    bare_wall = statistics.median(r["wall_s"] for r in runs["bare", "bare-first-paint"])
    bare_cpu = statistics.median(r["cpu_s"] for r in runs["bare", "bare-first-paint"])
    rows: list[dict[str, object]] = [{"bytecode": "yes" if bytecode else "no", "tree": "bare", "window": "QMainWindow",
                                      "wall_s": round(bare_wall, 3), "cpu_s": round(bare_cpu, 3), "rounds": rounds,
                                      "runs": [round(r["wall_s"], 2) for r in runs["bare", "bare-first-paint"]]}]
    for name, _root, scenario in kinds:
        label, at_key, cpu_key = PAINTS[scenario]
        measured = runs[name, scenario]
        wall = statistics.median(r[at_key] for r in measured)
        cpu = statistics.median(r[cpu_key] for r in measured)
        row: dict[str, object] = {"bytecode": "yes" if bytecode else "no", "tree": name, "window": f"'{label}'",
                                  "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                                  "ratio": round(wall / bare_wall, 1), "cpu_ratio": round(cpu / bare_cpu, 1)}
        if scenario == "sign-in-paint":
            row["stall_ms_max"] = max(int(r["stall_ms"]) for r in measured)
        row["runs"] = [round(r[at_key], 2) for r in measured]
        rows.append(row)
    return rows


def _paint_figures(scenario: str, db: Path, root: Path, *, bytecode: bool) -> dict[str, float]:
    """One start of ``scenario`` with ``root``'s code (on PYTHONPATH; the scenario script is this checkout's): its
    figures, the times of day made seconds since before the process was created. Without bytecode the process
    looks for .pyc files in an empty folder and writes none, so it compiles every module it imports from source."""
    from desk_app.services.demo import DEMO_PASSWORD

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(root), DESK_BENCH_PASSWORD=DEMO_PASSWORD)
    home = Path(tempfile.mkdtemp(prefix="desk-bench-home-"))
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"))  # no user's settings
    env.pop(ENV_DATABASE_URL, None)
    with tempfile.TemporaryDirectory(prefix="desk-no-pyc-") as empty:
        if bytecode:  # .pyc files are read, and written where missing (by the first start, not counted)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env.pop("PYTHONPYCACHEPREFIX", None)
        else:
            env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=empty)
        started = time.time()
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scenarios.py"), scenario, str(db), "0"],
                             stdout=subprocess.PIPE, text=True, env=env, cwd=home)
    shutil.rmtree(home, ignore_errors=True)
    if out.returncode != 0:
        raise SystemExit(f"benchmark {scenario} ({root}) failed with exit code {out.returncode}")
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("painted_at", "main_painted_at"):
        if key in figures:
            figures[key] -= started
    figures["wall_s"] = figures["painted_at"]
    return figures


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
