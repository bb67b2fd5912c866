"""Case numbers never collide, even when many clients register at the same moment."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from desk_app.db.engine import make_engine
from desk_app.db.uow import Database
from desk_app.services.complaints import register_complaint
from tests.support.staff import Staff, draft

# PostgreSQL is the shared multi-client database: hundreds of registrations at once. A SQLite file has
# one counter PC, so a smaller burst checks its BEGIN IMMEDIATE serialisation.
LOAD = {"postgresql": (8, 40), "sqlite": (4, 10)}


def test_concurrent_registrations_get_distinct_numbers(database: Database, staff: Staff) -> None:
    threads_n, per_thread = LOAD[database.dialect]
    received = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        db = Database(make_engine(str(database.engine.url.render_as_string(hide_password=False))))
        try:
            for _ in range(per_thread):
                case = register_complaint(db, staff.clerk, draft(received_at=received))
                with lock:
                    numbers.append(case.case_number)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == threads_n * per_thread
    assert sorted(numbers) == [f"SH01-20261102-{i:04d}" for i in range(1, threads_n * per_thread + 1)]


def test_concurrent_edits_one_wins_the_other_is_told(database: Database, staff: Staff) -> None:
    """Two clients edit the same version of a case at the same time: no lost update."""
    from desk_app.errors import StaleVersionError
    from desk_app.services.complaints import get_complaint, update_complaint

    case = register_complaint(database, staff.clerk, draft())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(where: str) -> None:
        db = Database(make_engine(str(database.engine.url.render_as_string(hide_password=False))))
        try:
            barrier.wait()
            update_complaint(db, staff.handler, case.id, case.version, {"facts_where": where})
            outcomes.append("saved:" + where)
        except StaleVersionError as exc:
            outcomes.append("stale:" + str(exc))
        finally:
            db.dispose()

    threads = [threading.Thread(target=edit, args=(w,)) for w in ("手机银行", "营业厅")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = [o for o in outcomes if o.startswith("saved:")]
    stale = [o for o in outcomes if o.startswith("stale:")]
    assert len(saved) == 1 and len(stale) == 1
    assert "changed by" in stale[0] or "changed by someone else" in stale[0]
    final = get_complaint(database, staff.handler, case.id)
    assert final.facts_where == saved[0].removeprefix("saved:") and final.version == case.version + 1


def test_unreachable_server_gives_a_clear_error() -> None:
    from desk_app.db.migrate import schema_state
    from desk_app.errors import DatabaseUnavailableError

    engine = make_engine("postgresql://nobody:secret@127.0.0.1:1/none")
    try:
        schema_state(engine)
    except DatabaseUnavailableError as exc:
        assert "cannot be opened" in str(exc) and "secret" not in str(exc)
    else:
        raise AssertionError("no error for an unreachable server")
