"""Many clients at once: several processes and threads registering cases on one PostgreSQL server,
letters issued concurrently, and two people saving the same case (on PostgreSQL and on a SQLite file).

What must hold: every case and letter number is distinct and the numbers of a branch and day are
contiguous (no gaps, no duplicates); a stale save is refused with a message that names who changed
the case and when (office time); no update is ever lost, and every timeline stays intact.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from desk_app.db.engine import make_engine
from desk_app.db.models import Branch, Complaint, ComplaintEvent, Letter, NumberCounter
from desk_app.db.uow import Database
from desk_app.documents.content import ReceiptInputs
from desk_app.domain.actor import Actor
from desk_app.domain.enums import LetterKind
from desk_app.domain.timeline import EventKind
from desk_app.errors import StaleVersionError
from desk_app.services import letters
from desk_app.services.complaints import get_complaint, load_for, register_complaint, update_complaint
from desk_app.services.dto import ComplaintDraft, CustomerDraft
from desk_app.services.timeline import append_event, check_all_chains
from tests.support.staff import Staff, draft

RECEIVED = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 November 2026 in Shanghai
DAY = "20261102"
PROCESSES, PER_PROCESS = 4, 50
THREADS, PER_THREAD = 8, 25


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _draft(client: str, i: int) -> ComplaintDraft:
    """A registration by one client: its own customer (a distinct phone), received on DAY."""
    digits = uuid.uuid5(uuid.NAMESPACE_OID, f"{client}/{i}").int % 10**8
    return draft(received_at=RECEIVED,
                 customer=CustomerDraft(name=f"客户{client}-{i}", phone=f"139{digits:08d}"))


def register_in_process(url: str, actor: Actor, client: str, count: int, ready: multiprocessing.Queue,
                        go: multiprocessing.synchronize.Event, results: multiprocessing.Queue) -> None:
    """Run in a spawned process: connect, say ready, wait for the start signal, register ``count`` cases."""
    db = Database(make_engine(url))
    try:
        with db.unit_of_work():  # connect before the start signal
            pass
        ready.put(client)
        go.wait(60)
        numbers = [register_complaint(db, actor, _draft(client, i)).case_number for i in range(count)]
        results.put((client, numbers, ""))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.put((client, [], f"{type(exc).__name__}: {exc}"))
    finally:
        db.dispose()


def _run_threads(n: int, work: Callable[[int], list[str]], start: threading.Barrier | None = None
                 ) -> tuple[list[str], list[BaseException]]:
    out: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = start or threading.Barrier(n)

    def run(k: int) -> None:
        try:
            barrier.wait(60)
            got = work(k)
            with lock:
                out.extend(got)
        except BaseException as exc:  # asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return out, errors


def _table_counts(db: Database) -> tuple[int, int]:
    with db.unit_of_work() as s:
        cases = s.scalar(select(func.count()).select_from(Complaint)) or 0
        counter = s.scalar(select(NumberCounter.value).where(NumberCounter.key == f"case:SH01:{DAY}")) or 0
        return cases, counter


# ---- PostgreSQL: processes and threads registering at the same moment -------------------------------

def test_processes_and_threads_register_at_once_on_postgresql(database: Database, staff: Staff) -> None:
    """4 processes × 50 and 8 threads × 25 registrations, all released at the same moment: 400 cases,
    numbers SH01-20261102-0001 … 0400 without a gap or a duplicate, every timeline intact."""
    if database.dialect != "postgresql":
        pytest.skip("many client processes share a PostgreSQL server; a SQLite file has one counter PC")
    url = _url(database)
    ctx = multiprocessing.get_context("spawn")
    ready: multiprocessing.Queue = ctx.Queue()
    results: multiprocessing.Queue = ctx.Queue()
    go = ctx.Event()
    procs = [ctx.Process(target=register_in_process,
                         args=(url, staff.clerk, f"p{k}", PER_PROCESS, ready, go, results), daemon=True)
             for k in range(PROCESSES)]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            ready.get(timeout=120)
        thread_db = Database(make_engine(url, pool_size=THREADS))
        start = threading.Barrier(THREADS + 1)

        def work(k: int) -> list[str]:
            return [register_complaint(thread_db, staff.handler, _draft(f"t{k}", i)).case_number
                    for i in range(PER_THREAD)]

        outcome: dict[str, tuple[list[str], list[BaseException]]] = {}
        runner = threading.Thread(target=lambda: outcome.setdefault("threads", _run_threads(THREADS, work, start)))
        runner.start()
        started = time.perf_counter()
        go.set()
        start.wait(60)
        process_numbers: list[str] = []
        failures = []
        for _ in procs:
            _client, numbers, error = results.get(timeout=300)
            process_numbers += numbers
            if error:
                failures.append(error)
        runner.join(300)
        elapsed = time.perf_counter() - started
        thread_db.dispose()
    finally:
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    thread_numbers, thread_errors = outcome["threads"]
    assert failures == [] and thread_errors == []
    total = PROCESSES * PER_PROCESS + THREADS * PER_THREAD
    numbers = process_numbers + thread_numbers
    assert len(numbers) == total == len(set(numbers))
    assert sorted(numbers) == [f"SH01-{DAY}-{i:04d}" for i in range(1, total + 1)]  # contiguous
    assert _table_counts(database) == (total, total)
    with database.unit_of_work() as s:
        assert check_all_chains(s) == []
        registered = s.scalar(select(func.count()).select_from(ComplaintEvent)
                              .where(ComplaintEvent.kind == EventKind.REGISTERED.value))
    assert registered == total
    print(f"\n{total} registrations from {PROCESSES} processes and {THREADS} threads in {elapsed:.1f} s")


def test_letters_issued_at_once_get_distinct_contiguous_numbers(database: Database, staff: Staff) -> None:
    """Receipts issued by 4 threads at the same moment (two of them on the same case): letter numbers
    distinct and contiguous, each case's timeline intact."""
    if database.dialect != "postgresql":
        pytest.skip("concurrent clients: PostgreSQL")
    with database.unit_of_work() as s:
        s.execute(update(Branch).where(Branch.code == "SH01").values(hotline="95588"))
    cases = [register_complaint(database, staff.clerk, _draft("letters", i)) for i in range(3)]
    targets = [cases[0].id, cases[0].id, cases[1].id, cases[2].id]
    db = Database(make_engine(_url(database), pool_size=4))
    try:
        numbers, errors = _run_threads(4, lambda k: [
            letters.issue_letter(db, staff.clerk, targets[k], LetterKind.RECEIPT, ReceiptInputs()).number
            for _ in range(4)])
    finally:
        db.dispose()
    assert errors == []
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    assert sorted(numbers) == [f"SH01-SL-{year}-{i:04d}" for i in range(1, 17)]
    with database.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == 16
        assert check_all_chains(s) == []


# ---- two people saving the same case: both backends --------------------------------------------------

def test_second_save_waits_then_is_told_who_changed_the_case(database: Database, staff: Staff) -> None:
    """The handler's save is still open when the supervisor saves the same version: the supervisor's
    save waits (row lock on PostgreSQL, BEGIN IMMEDIATE and busy_timeout on SQLite), then is refused
    with "changed by Handler at <office time>"; the handler's edit is kept."""
    case = register_complaint(database, staff.clerk, draft(received_at=RECEIVED))
    other = Database(make_engine(_url(database)))
    outcome: dict[str, object] = {}
    entered = threading.Event()

    def supervisor_saves() -> None:
        started = time.perf_counter()
        entered.set()
        try:
            update_complaint(other, staff.supervisor, case.id, case.version, {"facts_where": "营业厅"})
            outcome["result"] = "saved"
        except StaleVersionError as exc:
            outcome["result"] = exc
        outcome["waited"] = time.perf_counter() - started

    try:
        with database.unit_of_work() as s:  # the handler's save, held open
            complaint = load_for(s, staff.handler, case.id, case.version)
            complaint.facts_where = "手机银行"
            s.flush()
            event = append_event(s, case.id, EventKind.UPDATED.value, staff.handler.user_id,
                                 {"changes": {"facts_where": ["", "手机银行"]}})
            saved_at = event.occurred_at
            rival = threading.Thread(target=supervisor_saves)
            rival.start()
            entered.wait(10)
            time.sleep(0.5)  # the rival is now waiting for the lock
            assert "result" not in outcome
        rival.join(30)
    finally:
        other.dispose()
    error = outcome["result"]
    assert isinstance(error, StaleVersionError), error
    local = saved_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert str(error) == (f"Case {case.case_number} was changed by Handler at {local} since you opened it. "
                          "Reload and try again.")
    assert float(outcome["waited"]) >= 0.4  # type: ignore[arg-type]
    final = get_complaint(database, staff.handler, case.id)
    assert final.facts_where == "手机银行" and final.version == case.version + 1


def test_two_sessions_one_stale_save(database: Database, staff: Staff) -> None:
    """Two people open the same version; the first saves, the second is refused and sees who and when."""
    case = register_complaint(database, staff.clerk, draft(received_at=RECEIVED))
    handler_view = get_complaint(database, staff.handler, case.id)
    supervisor_view = get_complaint(database, staff.supervisor, case.id)
    saved = update_complaint(database, staff.handler, case.id, handler_view.version, {"respondent": "信用卡中心"})
    with pytest.raises(StaleVersionError, match=r"changed by Handler at \d{4}-\d\d-\d\d \d\d:\d\d .*Reload"):
        update_complaint(database, staff.supervisor, case.id, supervisor_view.version, {"respondent": "营业部"})
    final = get_complaint(database, staff.supervisor, case.id)
    assert final.respondent == "信用卡中心" and final.version == saved.version
    # After reloading, the supervisor's save goes through.
    update_complaint(database, staff.supervisor, case.id, final.version, {"respondent": "营业部"})


@pytest.mark.parametrize("clients", [6])
def test_no_lost_update_under_contention(database: Database, staff: Staff, clients: int) -> None:
    """Each client adds 1 yuan to the claimed amount 5 times, reloading after a refused save: the
    total is exact (30 increments, none lost), the version moved 30 times, the timeline is intact."""
    case = register_complaint(database, staff.clerk, draft(received_at=RECEIVED, claimed_amount="100"))
    db = Database(make_engine(_url(database), **({"pool_size": clients} if database.dialect == "postgresql"
                                                   else {})))
    refused = [0]

    def work(_k: int) -> list[str]:
        done = []
        for _ in range(5):
            while True:
                current = get_complaint(db, staff.handler, case.id, with_events=False)
                amount = (current.claimed_amount or Decimal(0)) + 1
                try:
                    update_complaint(db, staff.handler, case.id, current.version, {"claimed_amount": str(amount)})
                    done.append(str(amount))
                    break
                except StaleVersionError:
                    refused[0] += 1
        return done

    try:
        saves, errors = _run_threads(clients, work)
    finally:
        db.dispose()
    assert errors == []
    final = get_complaint(database, staff.handler, case.id)
    assert final.claimed_amount == Decimal(100 + 5 * clients)
    assert final.version == case.version + 5 * clients
    assert sorted(Decimal(s) for s in saves) == [Decimal(100 + k) for k in range(1, 5 * clients + 1)]
    with database.unit_of_work() as s:
        updates = s.scalar(select(func.count()).select_from(ComplaintEvent).where(
            ComplaintEvent.complaint_id == case.id, ComplaintEvent.kind == EventKind.UPDATED.value))
        assert updates == 5 * clients
        assert check_all_chains(s) == []


def test_sqlite_threads_register_and_edit_without_busy_errors(database: Database, staff: Staff) -> None:
    """On a SQLite file, 4 threads registering while 2 others edit one case: BEGIN IMMEDIATE and the
    busy timeout serialise them (no "database is locked"); numbers contiguous, the edit race decided."""
    if database.dialect != "sqlite":
        pytest.skip("SQLite locking")
    case = register_complaint(database, staff.clerk, draft(received_at=RECEIVED))
    db = Database(make_engine(_url(database)))

    def work(k: int) -> list[str]:
        if k < 4:
            return [register_complaint(db, staff.clerk, _draft(f"s{k}", i)).case_number for i in range(10)]
        try:
            update_complaint(db, staff.handler, case.id, case.version, {"facts_where": f"窗口{k}"})
            return [f"saved:{k}"]
        except StaleVersionError as exc:
            return [f"stale:{exc}"]

    try:
        out, errors = _run_threads(6, work)
    finally:
        db.dispose()
    assert errors == []
    numbers = sorted(o for o in out if o.startswith("SH01-"))
    assert numbers == [f"SH01-{DAY}-{i:04d}" for i in range(2, 42)]  # 0001 is the edited case
    saved = [o for o in out if o.startswith("saved:")]
    stale = [o for o in out if o.startswith("stale:")]
    assert len(saved) == 1 and len(stale) == 1 and "changed by Handler at" in stale[0]
    assert get_complaint(database, staff.handler, case.id).facts_where == "窗口" + saved[0][-1]

