"""Case library timings: adding a closed case (the anonymised copy), searching and ranking similar cases.

    python benchmarks/case_library.py                 # 400 demo cases, the library filled to 2,000 entries
    python benchmarks/case_library.py --entries 5000 --database-url postgresql+psycopg://desk:desk@host/db

Demo cases are generated and closed; each closed case is added with ``mark_case`` (timed: the copy reads the
portrait, checklists, events and resolutions and scrubs every text). The library is then filled to
``--entries`` with copies of those rows under other causes, types and flags, and each search (no filter, by
cause, type, flag, one and two words) and ``similar_to`` for an open case is the median of ``--repeat`` runs.
The library is searched with LIKE and ranked in Python (desk_app.services.case_library): this shows how far
that goes. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, update  # noqa: E402

from desk_app.db.engine import make_engine  # noqa: E402
from desk_app.db.migrate import upgrade_to_head  # noqa: E402
from desk_app.db.models import Complaint, LibraryCase  # noqa: E402
from desk_app.db.uow import Database  # noqa: E402
from desk_app.domain.enums import PsychType, SpecialFlag, Status  # noqa: E402
from desk_app.services import case_library, demo  # noqa: E402
from desk_app.services.accounts import authenticate  # noqa: E402
from desk_app.services.case_library import LibraryFilter  # noqa: E402


def _median_ms(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'library.sqlite3'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    db = Database(engine)
    demo.generate_demo_data(db, args.cases, seed=19)
    supervisor = authenticate(db, "sh01.supervisor", demo.DEMO_PASSWORD)
    handler = authenticate(db, "sh01.handler", demo.DEMO_PASSWORD)
    with db.unit_of_work() as session:
        ids = list(session.scalars(select(Complaint.id).where(Complaint.branch_id == supervisor.branch_id)))
    rng = random.Random(19)
    to_close = ids[: len(ids) // 2]
    open_case = next(i for i in ids[len(ids) // 2:])
    with db.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id.in_(to_close)).values(status=Status.CLOSED.value))
    marks = []
    for case_id in to_close:
        start = time.perf_counter()
        case_library.mark_case(db, supervisor, case_id, "先共情再给方案，必要时主管出面")
        marks.append((time.perf_counter() - start) * 1000)
    with db.unit_of_work() as session:
        rows = list(session.scalars(select(LibraryCase)))
        columns = [c.key for c in LibraryCase.__table__.columns if c.key not in ("id", "source_complaint_id")]
        for n in range(max(0, args.entries - len(rows))):
            source = rows[n % len(rows)]
            copy = LibraryCase(**{c: getattr(source, c) for c in columns})
            copy.axis_c = f"C{rng.randint(1, 13):02d}"
            copy.primary_type = rng.choice(list(PsychType)).value
            copy.flag_media = rng.random() < 0.2
            session.add(copy)
    filters = {
        "no filter (newest 200)": LibraryFilter(),
        "cause C09": LibraryFilter(cause="C09"),
        "type compensation": LibraryFilter(psych_type=PsychType.COMPENSATION),
        "flag media": LibraryFilter(flag=SpecialFlag.MEDIA),
        "one word 信用卡": LibraryFilter(text="信用卡"),
        "two words 信用卡 手续费": LibraryFilter(text="信用卡 手续费"),
    }
    print(f"{engine.dialect.name}: {len(to_close)} cases added, library of {args.entries} entries")
    print(f"  mark_case: p50 {statistics.median(marks):.1f} ms, max {max(marks):.1f} ms")
    for name, flt in filters.items():
        found = len(case_library.search_library(db, handler, flt))
        ms = _median_ms(lambda f=flt: case_library.search_library(db, handler, f), args.repeat)
        print(f"  search {name:<24} {found:>4} rows  {ms:8.1f} ms")
    similar = case_library.similar_to(db, handler, open_case)
    ms = _median_ms(lambda: case_library.similar_to(db, handler, open_case), args.repeat)
    print(f"  similar_to (top {len(similar)})             {ms:8.1f} ms")
    db.dispose()


if __name__ == "__main__":
    main()
