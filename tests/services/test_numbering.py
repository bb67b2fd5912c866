"""Case numbers never collide, even when many clients register at the same moment."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from desk_app.db.engine import make_engine
from desk_app.db.uow import Database
from desk_app.services.complaints import register_complaint
from tests.services.conftest import Staff, draft

THREADS = 6
PER_THREAD = 15


def test_concurrent_registrations_get_distinct_numbers(database: Database, staff: Staff) -> None:
    received = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        db = Database(make_engine(str(database.engine.url.render_as_string(hide_password=False))))
        try:
            for _ in range(PER_THREAD):
                case = register_complaint(db, staff.clerk, draft(received_at=received))
                with lock:
                    numbers.append(case.case_number)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == THREADS * PER_THREAD
    assert sorted(numbers) == [f"SH01-20261102-{i:04d}" for i in range(1, THREADS * PER_THREAD + 1)]
