"""SQLite write-ahead log checkpoints off the writers' time.

By default SQLite checkpoints inside the commit that takes the log past 1,000 pages: that commit copies the
pages into the database file and syncs both files. A registration at a million cases writes about 63 pages
(the case row and its ~50 index entries, its customer, its first events, counters, the search queue), so
every 16th registration paid a checkpoint: that was the registrations' 95th percentile (measured with
``benchmarks/registration.py``).

Here each connection checkpoints itself only past ``AUTOCHECKPOINT_PAGES`` (a safety net for long bulk
transactions), and after commits a background thread per database runs a passive checkpoint (it waits for
no reader or writer, and writers go on appending to the log meanwhile) at most every ``EVERY_S``.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

from desk_app.db.background import Upkeep

if TYPE_CHECKING:
    from desk_app.db.uow import Database

#: A connection's own checkpoint threshold (pages): only a transaction this large pays one in its commit.
AUTOCHECKPOINT_PAGES = 16_000
#: The background checkpoint runs this long after the first commit it has not seen yet.
EVERY_S = 0.25


def checkpoint(db: Database) -> tuple[int, int]:
    """A passive checkpoint now: the log's pages and how many of them are in the database file."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    return int(row[1]), int(row[2])


#: The commits within ``EVERY_S`` of the first share one checkpoint.
CHECKPOINTS = Upkeep("wal-checkpoint", checkpoint, quiet_s=EVERY_S, max_delay_s=EVERY_S)


def _committed(db_ref: weakref.ref[Database]) -> None:
    db = db_ref()
    if db is not None:
        CHECKPOINTS.nudge(db)


def checkpoint_in_background(db: Database) -> None:
    """Checkpoint ``db``'s log (a SQLite file) in the background after its commits; see the module."""
    db_ref = weakref.ref(db)

    def on_commit(_conn: Any) -> None:
        _committed(db_ref)

    event.listen(db.engine, "commit", on_commit)
