"""Letter benchmarks: render one decision letter; issue 1,000 decision letters in a batch; write 1,000
stored letters back out. Prints figures (time, letters per second, peak memory); asserts nothing.

    python benchmarks/letters.py [--count 1000] [--small]

Each phase runs in its own process, so its peak memory (max RSS) is its own. Target: 1,000 letters in
under 60 s on a counter PC. The batch renders ahead in one worker process per CPU (at most 4;
``DESK_BENCH_WORKERS=1`` forces the sequential path). Besides wall time it prints the main process's CPU
time (worker processes not included): on a shared, busy machine wall time says little.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _sample_decision() -> Any:
    from datetime import date
    from decimal import Decimal

    from desk_app.documents.content import DecisionInputs, Remedy

    return DecisionInputs(
        verification="我行调取了该笔交易的授权记录、境外收单机构的交易凭证及客户的用卡记录，核对了客户提供的身份证明和账单。"
                     "交易发生时客户本人在境内使用同一张卡片办理业务，可以确认该笔境外交易并非客户本人所为。",
        decision="支持客户的投诉请求，退还该笔被盗刷款项。",
        basis="《中华人民共和国民法典》第五百七十七条、《银行卡业务管理办法》及《信用卡领用合约》第十二条。",
        reasons="该笔交易为伪卡交易，客户已尽到妥善保管卡片和密码的义务，相关损失不应由客户承担。",
        remedy=Remedy("退还被盗刷款项", Decimal("3200"), date(2030, 12, 31)),
        corrective_action="已为客户更换芯片卡，并加强境外交易风险监测。",
    )


class _ChildMemory:
    """Peak memory (VmHWM) of this process's children (the render workers), sampled from /proc on Linux."""

    def __init__(self) -> None:
        import threading

        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = str(os.getpid())
        while not self._stop.wait(0.5):
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    text = status.read_text()
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
                if fields.get("PPid", "").strip() == me and "VmHWM" in fields:
                    self.peak_kib = max(self.peak_kib, int(fields["VmHWM"].split()[0]))

    def stop(self) -> float | None:
        self._stop.set()
        self._thread.join()
        return round(self.peak_kib / 1024, 1) if self.peak_kib else None


# --- phases (each in its own process) ------------------------------------------------------------------

def phase_single(_db: Path, count: int) -> dict[str, Any]:
    """Compose and render one decision letter: the first (font registration included), then warm."""
    from dataclasses import replace
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from desk_app.documents.content import CaseFacts, ExtensionFact, IssuerInfo, compose
    from desk_app.documents.render import render_letter
    from desk_app.documents.summary import IntakeWords
    from desk_app.documents.templates import load_common, load_template
    from desk_app.domain.enums import LetterKind

    facts = CaseFacts(
        case_number="SH01-20261120-0007", received_on=date(2026, 11, 20), channel="counter",
        regime="banking_insurance", customer_name="王芳", due_on=date(2026, 12, 5), handler_name="李明",
        intake=IntakeWords(business=("信用卡", "Credit cards"), cause=("消费者资金安全", "Consumer fund security"),
                           request_kinds=(("退款", "Refund"),), request_text="要求退还被盗刷款项"),
        request_kinds=(("退款", "Refund"),), request_text="要求退还被盗刷款项", claimed_amount=Decimal("3200"),
        extension=ExtensionFact("complex", date(2026, 12, 20), date(2026, 12, 5), "", "需调取境外交易记录",
                                date(2026, 12, 1)))
    issuer = IssuerInfo("SH01", "上海浦东支行", "Shanghai Pudong Sub-branch", "上海市浦东新区世纪大道100号", "95588",
                        "上海分行消费者权益保护部", "上海市黄浦区中山东一路1号，电话021-61234567")
    inputs = _sample_decision()
    timings = []
    cpu = []
    size = pages = 0
    for i in range(count + 1):
        started = time.perf_counter()
        cpu_started = time.process_time()
        template, common = load_template(LetterKind.DECISION), load_common()
        content = compose(LetterKind.DECISION, inputs, facts, issuer, template, common, "zh_CN",
                          datetime(2026, 11, 23, 2, 30, i % 60, tzinfo=UTC), date(2026, 11, 23))
        pdf = render_letter(replace(content, number=f"SH01-JD-2026-{i:04d}"))
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        size = len(pdf)
        pages = pdf.count(b"/Type /Page\n")
    warm = timings[1:]
    return {"first_ms": round(timings[0] * 1000, 1), "warm_median_ms": round(statistics.median(warm) * 1000, 1),
            "warm_p95_ms": round(sorted(warm)[int(len(warm) * 0.95) - 1] * 1000, 1),
            "warm_cpu_median_ms": round(statistics.median(cpu[1:]) * 1000, 1), "renders": len(warm),
            "pdf_kib": round(size / 1024, 1), "pages": pages, "max_rss_mib": _rss_mib()}


def phase_setup(db: Path, count: int) -> dict[str, Any]:
    """A migrated SQLite file with the demo branches and users, and ``count`` cases of SH01 at step 行."""
    from sqlalchemy import update

    from desk_app.db.engine import make_engine
    from desk_app.db.migrate import upgrade_to_head
    from desk_app.db.models import Complaint
    from desk_app.db.uow import Database
    from desk_app.domain.enums import Channel, Severity
    from desk_app.services.accounts import authenticate
    from desk_app.services.complaints import register_complaint
    from desk_app.services.demo import DEMO_PASSWORD, generate_demo_data
    from desk_app.services.dto import ComplaintDraft, CustomerDraft

    engine = make_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    database = Database(engine)
    generate_demo_data(database, 20, seed=2026)
    clerk = authenticate(database, "sh01.clerk", DEMO_PASSWORD)
    started = time.perf_counter()
    ids = []
    for i in range(count):
        ids.append(register_complaint(database, clerk, ComplaintDraft(
            channel=Channel.COUNTER, axis_a="A01", axis_b="B0302", axis_c="C09", severity=Severity.GENERAL,
            facts_what=f"客户反映其信用卡出现一笔未经授权的境外消费{i + 1},200.00元，要求退还。",
            request_kinds=("refund",),
            request_text="要求退还被盗刷款项", claimed_amount=str(1000 + i),
            customer=CustomerDraft(name=f"测试客户{i}", id_type=None, phone=f"139{i:08d}"))).id)
    with database.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id.in_(ids)).values(status="in_progress", stage="act"))
    (db.parent / "ids.json").write_text(json.dumps([str(i) for i in ids]))
    return {"cases": count, "register_s": round(time.perf_counter() - started, 1), "max_rss_mib": _rss_mib()}


def phase_batch(db: Path, count: int) -> dict[str, Any]:
    """Issue ``count`` decision letters through render_batch (one transaction each) and save them."""
    import uuid

    from desk_app.db.engine import make_engine
    from desk_app.db.uow import Database
    from desk_app.domain.enums import LetterKind
    from desk_app.services.accounts import authenticate
    from desk_app.services.demo import DEMO_PASSWORD
    from desk_app.services.letter_ahead import parallel_workers
    from desk_app.services.letters import LetterRequest, render_batch

    database = Database(make_engine(f"sqlite:///{db}"))
    handler = authenticate(database, "sh01.handler", DEMO_PASSWORD)
    ids = [uuid.UUID(i) for i in json.loads((db.parent / "ids.json").read_text())][:count]
    inputs = _sample_decision()
    requests = [LetterRequest(i, LetterKind.DECISION, inputs) for i in ids]
    out = db.parent / "issued"
    watcher = _ChildMemory()
    started = time.perf_counter()
    cpu_started = time.process_time()
    workers = parallel_workers(len(requests)) if os.environ.get("DESK_BENCH_WORKERS") is None \
        else int(os.environ["DESK_BENCH_WORKERS"])
    result = render_batch(database, handler, requests, out, lambda done, total: None, lambda: False,
                          workers=workers)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    assert not result.skipped, result.skipped[:3]
    (db.parent / "letters.json").write_text(json.dumps([str(i.id) for i in result.issued]))
    size = sum(p.stat().st_size for p in result.files)
    return {"letters": len(result.files), "workers": workers, "rendered_ahead": result.rendered_ahead,
            "seconds": round(seconds, 1), "ms_per_letter": round(seconds * 1000 / max(len(result.files), 1), 1),
            "letters_per_s": round(len(result.files) / seconds, 1), "cpu_s": round(cpu_seconds, 1),
            "cpu_ms_per_letter": round(cpu_seconds * 1000 / max(len(result.files), 1), 1),
            "total_mib": round(size / 2**20, 1), "max_rss_mib": _rss_mib(),
            "worker_max_rss_mib": watcher.stop()}


def phase_reprint(db: Path, count: int) -> dict[str, Any]:
    """Write ``count`` stored letters back out (reprint: stored bytes, no rendering)."""
    import uuid

    from desk_app.db.engine import make_engine
    from desk_app.db.uow import Database
    from desk_app.services.accounts import authenticate
    from desk_app.services.demo import DEMO_PASSWORD
    from desk_app.services.letters import render_batch

    database = Database(make_engine(f"sqlite:///{db}"))
    clerk = authenticate(database, "sh01.clerk", DEMO_PASSWORD)
    ids: list[Any] = [uuid.UUID(i) for i in json.loads((db.parent / "letters.json").read_text())][:count]
    started = time.perf_counter()
    result = render_batch(database, clerk, ids, db.parent / "reprinted", None, None)
    seconds = time.perf_counter() - started
    return {"letters": len(result.files), "seconds": round(seconds, 2),
            "ms_per_letter": round(seconds * 1000 / max(len(result.files), 1), 2), "max_rss_mib": _rss_mib()}


PHASES = {"single": phase_single, "setup": phase_setup, "batch": phase_batch, "reprint": phase_reprint}


def _child(phase: str, db: Path, count: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--db", str(db), "--count", str(count)],
                         check=True, capture_output=True, text=True, env=env, cwd=ROOT).stdout
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, help="letters in the batch (default 1000, or 100 with --small)")
    parser.add_argument("--small", action="store_true", help="CI size")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    count = args.count or (100 if args.small else 1000)
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.db, count)), flush=True)
        return 0
    with tempfile.TemporaryDirectory(prefix="desk-letters-bench-") as tmp:
        db = Path(tmp) / "bench.sqlite3"
        for phase, n in (("single", 20 if args.small else 50), ("setup", count), ("batch", count),
                         ("reprint", count)):
            figures = _child(phase, db, n)
            print(f"{phase:8} " + "  ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
