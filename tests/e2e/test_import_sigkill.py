"""A migration import killed with SIGKILL half-way leaves the database exactly as it was.

``desk-cli import`` of a 20,000-row register runs in a child process; once it has written its first
rows inside the import's single transaction (the SQLite WAL grows / the PostgreSQL backend holds a
transaction id), the process is killed without any chance to clean up. Afterwards: every table's
content is unchanged (cases, customers, events, number counters, import batches), SQLite's
``integrity_check`` says ok, ``desk-cli check`` passes (timelines and audit chain intact), the same
file is not taken for "already imported", and a new import works and numbers on from the counters.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from desk_app.__main__ import main
from desk_app.db.engine import sqlite_path
from desk_app.db.models import Complaint, NumberCounter
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType
from desk_app.services import imports
from desk_app.services.setup import SetupRequest, initialise
from tests.db_digest import database_digest

ROOT = Path(__file__).resolve().parents[2]
BIG = 20_000
HEADER = "投诉日期,客户姓名,联系电话,投诉渠道,业务类别,投诉原因,投诉内容,客户诉求,涉及金额"


def write_register(path: Path, rows: int, seed: int) -> Path:
    """A branch register in the migration-import format (UTF-8 CSV, the words branches use)."""
    rng = random.Random(seed)
    channels = ["柜面", "电话", "热线", "网点", "监管转办", "12315", "手机银行APP", "信函", "微博"]
    business = ["信用卡", "借记卡", "个人贷款", "理财", "人民币储蓄", "支付结算", "B0302", "征信"]
    causes = ["C01 服务态度及服务质量", "消费者资金安全", "C05", "债务催收", "营销方式", "合同条款", "C11"]
    lines = [HEADER]
    for i in range(rows):
        day = date.fromordinal(date(2025, 7, 1).toordinal() + rng.randrange(300))
        lines.append(",".join([day.isoformat(), f"客户{seed}-{i}", f"13{rng.randrange(10**9):09d}",
                               rng.choice(channels), rng.choice(business), rng.choice(causes),
                               f"客户反映第{i}号问题，要求尽快处理", "要求退款",
                               f"{rng.randrange(1, 9999)}.{rng.randrange(100):02d}"]))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path




def counts(db: Database) -> tuple[int, int]:
    with db.unit_of_work() as s:
        return (s.scalar(select(func.count()).select_from(Complaint)) or 0,
                s.scalar(select(func.coalesce(func.sum(NumberCounter.value), 0))) or 0)


def open_write_transaction(db: Database, url: str) -> bool:
    """Has the child written inside its (uncommitted) transaction yet?"""
    path = sqlite_path(url)
    if path is not None:
        wal = path.with_name(path.name + "-wal")
        return wal.exists() and wal.stat().st_size > 256 * 1024
    with db.engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")))


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def cli(url: str, *args: str) -> int:
    return main(["--language", "en", "--database-url", url, *args])


def test_sigkill_in_the_middle_of_a_large_import_changes_nothing(database: Database, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    admin = initialise(database, SetupRequest("SH01", "上海浦东支行", InstitutionType.BANK, "admin", "管理员",
                                              "admin2026", is_headquarters=True))
    sample = write_register(tmp_path / "sample.csv", 40, seed=1)
    mapping = imports.dry_run(database, admin, sample).mapping
    mapping.defaults["axis_a"] = "A01"
    assert imports.import_file(database, admin, sample, mapping).imported == 40  # data that must survive
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(mapping.to_json(), "utf-8")
    big = write_register(tmp_path / "big.csv", BIG, seed=2)
    before, before_counts = database_digest(database), counts(database)
    database.dispose()  # SQLite: the last connection closing checkpoints the WAL away

    child = subprocess.Popen(
        [sys.executable, "-m", "desk_app", "--language", "en", "--database-url", url, "import", str(big),
         "--mapping-file", str(mapping_file), "--user", "admin"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    stderr = child.stderr
    assert stderr is not None

    def read() -> None:
        for line in stderr:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        progress = lines.get(timeout=180)
        assert progress.startswith("Importing: ") and f"/ {BIG}" in progress, progress
        wait_until(lambda: open_write_transaction(database, url), 30, "the import's first writes")
        time.sleep(0.3)  # land inside a batch rather than at its edge
        assert child.poll() is None, "the import finished before it could be killed: make the file bigger"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        reader.join(10)
        stderr.close()
    if database.dialect == "postgresql":  # the server rolls back when it notices the client is gone
        wait_until(lambda: not open_write_transaction(database, url), 30, "the server to roll back")

    path = sqlite_path(url)
    if path is not None:
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    assert counts(database) == before_counts
    assert database_digest(database) == before
    capsys.readouterr()
    assert cli(url, "check") == 0
    report = capsys.readouterr().out
    assert "all case timelines intact" in report and "audit log intact" in report and "FAIL" not in report

    # The killed import left no trace: the same file is importable, and a new import numbers on.
    preview = imports.dry_run(database, admin, big, mapping)
    assert preview.ok and preview.importable == BIG, preview.file_problems
    again = write_register(tmp_path / "again.csv", 60, seed=3)
    result = imports.import_file(database, admin, again, mapping)
    assert result.imported == 60
    assert counts(database) == (before_counts[0] + 60, before_counts[1] + 60)
    assert cli(url, "check") == 0
