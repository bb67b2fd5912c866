"""The case search index: its shape, its upkeep off the registration's time, and the search queries.

Three ways in, each exact:
- 3+ characters: SQLite's FTS5 trigram table ``complaint_search`` (number, customer, text); PostgreSQL's
  pg_trgm GIN indexes (migration 0002).
- 1–2 characters in the complaint text (summary, facts, request): on SQLite the FTS5 table
  ``complaint_search_words`` (contentless, no positions) holds every bigram of each run of word characters
  plus the run's last character as its tokens, so a 2-character word is one token and a single character
  is a 1-character prefix (``prefix='1'`` keeps that index); on PostgreSQL a GIN index on
  ``complaint_search_grams(text)``, the array of every 1- and 2-character substring (migration 0008).
  Measured against a bigram table and a scan: ``benchmarks/search.py``.
- 1–2 characters also find case numbers and customer names from their start (plain indexes).

Upkeep on SQLite: the triggers on ``complaints`` only queue the row (``complaint_search_queue``, with the
text that is in the word index when the row is already indexed, so it can be taken out again); ``drain``
moves queued rows into both FTS tables in batches, run by a background thread shortly after a write
(``index_soon``) in short transactions that let waiting writers in between. Registration therefore writes
one small row instead of a few hundred index entries and FTS segment merges. A search stays exact meanwhile:
it reads indexed rows from the FTS tables except the queued ones, and scans the few queued rows directly.
PostgreSQL keeps its GIN indexes current itself.
"""

from __future__ import annotations

import operator
import re
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    Text,
    and_,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import array as pg_array
from sqlalchemy.orm import Session

from desk_app.db.background import Upkeep
from desk_app.db.models import Complaint, Customer
from desk_app.db.uow import Database

QUEUE = "complaint_search_queue"
WORDS = "complaint_search_words"
TRIGRAMS = "complaint_search"
#: The searched text of a complaint, as the indexes see it (same expression in 0002 and 0008).
BODY_SQL = "summary || ' ' || facts_what || ' ' || request_text"
K_BODY_SQL = "k.summary || ' ' || k.facts_what || ' ' || k.request_text"
#: Rows moved from the queue into the FTS tables per transaction (each one holds SQLite's write lock).
DRAIN_BATCH = 500
#: The background drain's transactions are smaller: a registration waiting for the write lock waits for one of
#: them (a few milliseconds), not for a whole backlog (hundreds of rows took 30-400 ms: the registrations' p99).
BACKGROUND_BATCH = 50
#: Between two of them the drain pauses this long, so that a writer that waited for one of them gets the lock:
#: SQLite's busy handler polls, sleeping 1, 2, 5, 10, 15, 20 ms … (a writer held up by one batch is at 10-15 ms).
#: A pause only when a write had been seen since the last batch let a writer blocked all along wait for the
#: whole backlog (it cannot say so before its write is done).
YIELD_S = 0.03
#: The background drain waits for this long a quiet spell after a write ...
QUIET_S = 0.3
#: ... but never longer than this after the first write it has not indexed yet.
MAX_DELAY_S = 5.0

#: A run of word characters: letters and digits (``str.isalnum``) and private-use characters, which is what
#: FTS5's unicode61 tokenizer keeps together in a token (categories L*, N*, Co).
_RUN = re.compile(r"(?:[^\W_]|[\ue000-\uf8ff])+")


# --- tokens --------------------------------------------------------------------------------------------

def is_word_char(ch: str) -> bool:
    return _RUN.fullmatch(ch) is not None


def grams(body: str) -> str:
    """The word index's tokens for ``body``: each bigram inside a run of word characters and each run's last
    character, once each, space-separated (the tokenizer folds case). Deterministic: the queue takes an
    indexed row out again by recomputing them from its old text."""
    tokens: set[str] = set()
    for run in _RUN.findall(body):
        tokens.update(map(operator.add, run, run[1:]))
        tokens.add(run[-1])
    return " ".join(sorted(tokens))


def words_query(query: str) -> str | None:
    """The FTS5 query for a 1–2 character ``query`` made of word characters; None when it holds another
    character (such a query is answered by a scan)."""
    if not 1 <= len(query) <= 2 or not all(is_word_char(ch) for ch in query):
        return None
    return f'"{query}"' + ("*" if len(query) == 1 else "")


# --- upkeep (SQLite) -------------------------------------------------------------------------------------

def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def index_words(conn: Any, rows: Iterable[tuple[int, str]]) -> None:
    """Add rows ``(rowid, body)`` to the word index (migration backfill and ``drain``)."""
    params = [{"r": rowid, "g": grams(body or "")} for rowid, body in rows]
    if params:
        conn.execute(text(f"INSERT INTO {WORDS} (rowid, grams) VALUES (:r, :g)"), params)


def drain_batch(session: Session, limit: int = DRAIN_BATCH) -> int:
    """Index up to ``limit`` queued rows in the caller's transaction; returns how many were taken."""
    conn = session.connection()
    queued = conn.execute(text(
        f"SELECT q.complaint_rowid, q.indexed_body, {K_BODY_SQL}, k.rowid "
        f"FROM {QUEUE} q LEFT JOIN complaints k ON k.rowid = q.complaint_rowid "
        "ORDER BY q.complaint_rowid LIMIT :n"), {"n": limit}).all()
    if not queued:
        return 0
    ids = [row[0] for row in queued]
    for part in _chunks(ids, 500):
        marks = ",".join(str(int(i)) for i in part)
        conn.exec_driver_sql(f"DELETE FROM {TRIGRAMS} WHERE rowid IN ({marks})")
    old = [{"r": rowid, "g": grams(indexed)} for rowid, indexed, _body, _k in queued if indexed is not None]
    if old:
        conn.execute(text(f"INSERT INTO {WORDS} ({WORDS}, rowid, grams) VALUES ('delete', :r, :g)"), old)
    present = [(rowid, body) for rowid, _indexed, body, k in queued if k is not None]
    for part in _chunks([rowid for rowid, _body in present], 500):
        marks = ",".join(str(int(i)) for i in part)
        conn.exec_driver_sql(
            f"INSERT INTO {TRIGRAMS} (rowid, case_number, customer, body) "
            f"SELECT k.rowid, k.case_number, c.name || ' ' || c.phone, "
            f"{K_BODY_SQL} FROM complaints k JOIN customers c ON c.id = k.customer_id WHERE k.rowid IN ({marks})")
    index_words(conn, present)
    for part in _chunks(ids, 500):
        marks = ",".join(str(int(i)) for i in part)
        conn.exec_driver_sql(f"DELETE FROM {QUEUE} WHERE complaint_rowid IN ({marks})")
    return len(queued)


def drain(db: Database, limit: int | None = None) -> int:
    """Index queued rows (all of them, or about ``limit``), one short transaction per batch; returns the count.
    A no-op on PostgreSQL, whose indexes are kept current by the server."""
    if db.dialect != "sqlite":
        return 0
    done = 0
    while limit is None or done < limit:
        with db.unit_of_work() as session:
            taken = drain_batch(session, DRAIN_BATCH if limit is None else min(DRAIN_BATCH, limit - done))
        done += taken
        if taken == 0:
            break
    return done


def pending(db: Database) -> int:
    """Rows written but not yet in the FTS tables (always 0 on PostgreSQL); reads without a write lock."""
    if db.dialect != "sqlite":
        return 0
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {QUEUE}").scalar() or 0)


def _drain_in_background(db: Database) -> None:
    """Everything queued, in short transactions with a pause between them for waiting writers."""
    if not pending(db):
        return
    while drain(db, BACKGROUND_BATCH) >= BACKGROUND_BATCH:
        time.sleep(YIELD_S)


#: Drains a database's queue shortly after writes; on failure the queue stays and the next write or search
#: tries again.
DRAINS = Upkeep("search-index", _drain_in_background, quiet_s=QUIET_S, max_delay_s=MAX_DELAY_S)


def index_soon(db: Database) -> None:
    """Have the queued rows indexed in the background soon (SQLite; nothing to do on PostgreSQL)."""
    if db.dialect == "sqlite":
        DRAINS.nudge(db)


# --- queries -----------------------------------------------------------------------------------------------

_queue = table(QUEUE, column("complaint_rowid", Integer))


def _queued_rowids() -> Select[Any]:
    """The queued rows, as an IN list: SQLite then reads the (small) queue and looks each row up by rowid; as a
    join it may scan every complaint instead when the queue has no statistics (7 s at 1M cases, measured)."""
    return select(_queue.c.complaint_rowid)


def _escaped_like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts(name: str, match: str, unqueued: bool = True) -> Select[Any]:
    rowid = column("rowid", Integer)
    stmt = select(rowid).select_from(table(name)).where(text(f"{name} MATCH :m").bindparams(m=match))
    if unqueued:
        stmt = stmt.where(rowid.not_in(select(_queue.c.complaint_rowid)))
    return stmt


def _parts(session: Session, query: str) -> tuple[list[Select[Any]], bool]:
    """Key queries whose union is the set of matching cases, and whether they are disjoint (then their counts
    add up). SQLite keys are rowids, PostgreSQL keys ids."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    k = Complaint.__table__.alias("search_k")  # aliases: the subqueries must not correlate with the outer query
    c = Customer.__table__.alias("search_c")
    key = column("rowid", Integer, _selectable=k) if sqlite else k.c.id
    space: ColumnElement[str] = literal_column("' '", Text)  # a constant, as in the indexes' expression
    body = k.c.summary + space + k.c.facts_what + space + k.c.request_text
    by_customer = select(key).select_from(k).join(c, c.c.id == k.c.customer_id)
    pattern = _escaped_like(query)
    if len(query) < 3:
        prefix_end = query + "\uffff"
        parts = [select(key).select_from(k).where(k.c.case_number >= query, k.c.case_number < prefix_end),
                 by_customer.where(c.c.name >= query, c.c.name < prefix_end)]
        if not sqlite:
            found = func.complaint_search_grams(body).op("@>")(pg_array([func.lower(literal(query, Text))]))
            return [*parts, select(key).select_from(k).where(found)], False
        match = words_query(query)
        if match is None:  # a character no token holds (punctuation, a space): read the texts
            return [*parts, select(key).select_from(k).where(body.like(pattern, escape="\\"))], False
        queued = select(key).select_from(k).where(key.in_(_queued_rowids()), body.like(pattern, escape="\\"))
        return [*parts, _fts(WORDS, match), queued], False
    if not sqlite:
        # backslash is PostgreSQL's LIKE escape already; an ESCAPE clause would hide the pattern from pg_trgm
        return [select(key).where(body.ilike(pattern)),
                select(key).where(func.lower(k.c.case_number).ilike(pattern)),  # the index's expression (0023)
                by_customer.where((c.c.name + " " + c.c.phone).ilike(pattern))], False
    phrase = '"' + query.replace('"', '""') + '"'  # one FTS5 string: no query syntax from the user
    queued = by_customer.where(key.in_(_queued_rowids())).where(
        (k.c.case_number + " " + c.c.name + " " + c.c.phone + " " + body).like(pattern, escape="\\"))
    return [_fts(TRIGRAMS, phrase), queued], True


def search_condition(session: Session, query: str, outer_key: Any, *, walk_order: bool = False
                     ) -> ColumnElement[bool]:
    """Cases (``outer_key``: the outer query's rowid on SQLite, id elsewhere) whose number or customer name
    starts with, or whose customer, number or text contains ``query``.

    The alternatives are a UNION of key queries, each able to use its own index (an OR across the complaint
    and customer tables makes PostgreSQL scan every complaint). ``walk_order``: there are many matches, so
    SQLite should walk the order's index and test each row against the matches (``rowid + 0`` cannot drive a
    lookup) instead of looking every match up and sorting them all.
    """
    q = query.strip()
    if not q:
        return true()
    sqlite = session.get_bind().dialect.name == "sqlite"
    if walk_order and not sqlite:
        return _row_test(q)
    parts, _disjoint = _parts(session, q)
    probe = outer_key + 0 if sqlite and walk_order else outer_key
    test: ColumnElement[bool] = probe.in_(union_all(*parts) if len(parts) > 1 else parts[0])
    return test


def _row_test(q: str) -> ColumnElement[bool]:
    """PostgreSQL, many matches: the same test on each row of the outer query, so the planner can walk the
    order's index and stop at the page's end instead of collecting and sorting every match (measured: 0.5 s
    for the first page of a word in 30 % of 100,000 cases, against 60 ms for a walk)."""
    pattern = _escaped_like(q)
    space: ColumnElement[str] = literal_column("' '", Text)
    body = Complaint.summary + space + Complaint.facts_what + space + Complaint.request_text
    c = Customer.__table__.alias("search_c")
    if len(q) < 3:
        end = q + "\uffff"
        return or_(body.ilike(pattern), and_(Complaint.case_number >= q, Complaint.case_number < end),
                   Complaint.customer_id.in_(select(c.c.id).where(c.c.name >= q, c.c.name < end)))
    return or_(body.ilike(pattern), func.lower(Complaint.case_number).ilike(pattern),
               Complaint.customer_id.in_(select(c.c.id).where((c.c.name + " " + c.c.phone).ilike(pattern))))


def count_matches(session: Session, query: str) -> int:
    """How many cases match ``query`` at all (no other filter, every branch), without reading the cases."""
    q = query.strip()
    parts, disjoint = _parts(session, q)
    if disjoint:
        return sum(int(session.scalar(select(func.count()).select_from(p.subquery())) or 0) for p in parts)
    whole: CompoundSelect[tuple[uuid.UUID]] = union(*parts)
    return int(session.scalar(select(func.count()).select_from(whole.subquery())) or 0)
