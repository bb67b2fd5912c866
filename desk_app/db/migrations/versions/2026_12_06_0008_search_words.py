"""Chinese word search (one- and two-character terms); search upkeep off the registration's time

SQLite: an FTS5 word table ``complaint_search_words`` (contentless, no positions, 1-character prefix
index) whose tokens are the bigrams of the complaint text (see desk_app.db.search.grams), filled here for
the existing cases; the insert, update and delete triggers on complaints no longer index the row
themselves (38 % of a registration's time, and its p95 spikes) but queue it in ``complaint_search_queue``;
the application drains the queue into both FTS tables shortly after the commit.
PostgreSQL: ``complaint_search_grams(text)``, every 1- and 2-character substring (lower case), and a GIN
index on it over the same text expression as the trigram index (its high COST tells the planner that
computing it row by row is no alternative to the index).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:50:00
"""
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from desk_app.db.search import BODY_SQL, index_words

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "OLD.summary || ' ' || OLD.facts_what || ' ' || OLD.request_text"
SQLITE_UP = [
    # indexed_body: the text now in the word index for this row (NULL: not in it), to take it out again
    "CREATE TABLE complaint_search_queue (complaint_rowid INTEGER PRIMARY KEY, indexed_body TEXT)",
    """CREATE VIRTUAL TABLE complaint_search_words USING fts5(
        grams, content = '', detail = none, prefix = '1', tokenize = 'unicode61 remove_diacritics 0')""",
    "DROP TRIGGER complaint_search_ai",
    "DROP TRIGGER complaint_search_au",
    "DROP TRIGGER complaint_search_ad",
    """CREATE TRIGGER complaint_search_ai AFTER INSERT ON complaints BEGIN
        INSERT OR IGNORE INTO complaint_search_queue (complaint_rowid, indexed_body) VALUES (NEW.rowid, NULL);
    END""",
    f"""CREATE TRIGGER complaint_search_au AFTER UPDATE OF case_number, customer_id, summary, facts_what,
        request_text ON complaints BEGIN
        INSERT OR IGNORE INTO complaint_search_queue (complaint_rowid, indexed_body) VALUES (NEW.rowid, {_OLD});
    END""",
    f"""CREATE TRIGGER complaint_search_ad AFTER DELETE ON complaints BEGIN
        INSERT OR IGNORE INTO complaint_search_queue (complaint_rowid, indexed_body) VALUES (OLD.rowid, {_OLD});
    END""",
]
_NEW_TRIGRAM_ROW = """INSERT INTO complaint_search (rowid, case_number, customer, body)
        SELECT NEW.rowid, NEW.case_number, c.name || ' ' || c.phone,
               NEW.summary || ' ' || NEW.facts_what || ' ' || NEW.request_text
        FROM customers c WHERE c.id = NEW.customer_id;"""
SQLITE_DOWN = [
    # what the queue still holds goes into the trigram table the old triggers keep
    "DELETE FROM complaint_search WHERE rowid IN (SELECT complaint_rowid FROM complaint_search_queue)",
    """INSERT INTO complaint_search (rowid, case_number, customer, body)
        SELECT k.rowid, k.case_number, c.name || ' ' || c.phone,
               k.summary || ' ' || k.facts_what || ' ' || k.request_text
        FROM complaints k JOIN customers c ON c.id = k.customer_id
        WHERE k.rowid IN (SELECT complaint_rowid FROM complaint_search_queue)""",
    "DROP TRIGGER complaint_search_ai",
    "DROP TRIGGER complaint_search_au",
    "DROP TRIGGER complaint_search_ad",
    f"CREATE TRIGGER complaint_search_ai AFTER INSERT ON complaints BEGIN {_NEW_TRIGRAM_ROW} END",
    f"""CREATE TRIGGER complaint_search_au AFTER UPDATE OF case_number, customer_id, summary, facts_what,
        request_text ON complaints BEGIN
        DELETE FROM complaint_search WHERE rowid = OLD.rowid;
        {_NEW_TRIGRAM_ROW}
    END""",
    """CREATE TRIGGER complaint_search_ad AFTER DELETE ON complaints BEGIN
        DELETE FROM complaint_search WHERE rowid = OLD.rowid;
    END""",
    "DROP TABLE complaint_search_words",
    "DROP TABLE complaint_search_queue",
]
PG_UP = [
    """CREATE OR REPLACE FUNCTION complaint_search_grams(body text) RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
        SELECT coalesce(array_agg(DISTINCT g), '{}')
        FROM (SELECT lower(body) AS t) s
        CROSS JOIN LATERAL generate_series(1, char_length(s.t)) AS i
        CROSS JOIN LATERAL (VALUES (substr(s.t, i, 1)), (substr(s.t, i, 2))) AS v(g)
    $$""",
    f"CREATE INDEX complaint_search_words_gin ON complaints USING gin (complaint_search_grams({BODY_SQL}))",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS complaint_search_words_gin",
    "DROP FUNCTION IF EXISTS complaint_search_grams(text)",
]
BACKFILL_BATCH = 5000


def _backfill_sqlite() -> None:
    conn = op.get_bind()
    last = -1 << 62
    while True:
        rows = conn.execute(text(f"SELECT rowid, {BODY_SQL} FROM complaints WHERE rowid > :last "
                                 "ORDER BY rowid LIMIT :n"), {"last": last, "n": BACKFILL_BATCH}).all()
        if not rows:
            return
        index_words(conn, ((rowid, body) for rowid, body in rows))
        last = rows[-1][0]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
        _backfill_sqlite()
    else:
        for statement in PG_UP:
            op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else PG_DOWN:
        op.execute(statement)
