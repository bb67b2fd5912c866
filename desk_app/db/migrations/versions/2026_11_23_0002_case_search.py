"""case search: SQLite FTS5 trigram index, PostgreSQL pg_trgm indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:20:00

SQLite: an FTS5 table with the trigram tokenizer, rowid = the complaint row's rowid, kept current
by triggers on complaints and customers (so every writer, bulk demo inserts included, is covered).
PostgreSQL: GIN trigram indexes on the searchable expressions (pg_trgm needs a UTF-8 LC_CTYPE to
treat Chinese characters as word characters; ``desk-cli check`` verifies it).
Queries of 1–2 characters cannot use trigrams; they use the plain indexes on case number, customer
name and phone (see desk_app.services.case_list).
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE complaint_search USING fts5(
        case_number, customer, body, tokenize = 'trigram')""",
    """CREATE TRIGGER complaint_search_ai AFTER INSERT ON complaints BEGIN
        INSERT INTO complaint_search (rowid, case_number, customer, body)
        SELECT NEW.rowid, NEW.case_number, c.name || ' ' || c.phone,
               NEW.summary || ' ' || NEW.facts_what || ' ' || NEW.request_text
        FROM customers c WHERE c.id = NEW.customer_id;
    END""",
    """CREATE TRIGGER complaint_search_au AFTER UPDATE OF case_number, customer_id, summary, facts_what,
        request_text ON complaints BEGIN
        DELETE FROM complaint_search WHERE rowid = OLD.rowid;
        INSERT INTO complaint_search (rowid, case_number, customer, body)
        SELECT NEW.rowid, NEW.case_number, c.name || ' ' || c.phone,
               NEW.summary || ' ' || NEW.facts_what || ' ' || NEW.request_text
        FROM customers c WHERE c.id = NEW.customer_id;
    END""",
    """CREATE TRIGGER complaint_search_ad AFTER DELETE ON complaints BEGIN
        DELETE FROM complaint_search WHERE rowid = OLD.rowid;
    END""",
    """CREATE TRIGGER complaint_search_cu AFTER UPDATE OF name, phone ON customers BEGIN
        UPDATE complaint_search SET customer = NEW.name || ' ' || NEW.phone
        WHERE rowid IN (SELECT rowid FROM complaints WHERE customer_id = NEW.id);
    END""",
    """INSERT INTO complaint_search (rowid, case_number, customer, body)
        SELECT k.rowid, k.case_number, c.name || ' ' || c.phone,
               k.summary || ' ' || k.facts_what || ' ' || k.request_text
        FROM complaints k JOIN customers c ON c.id = k.customer_id""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS complaint_search_cu",
    "DROP TRIGGER IF EXISTS complaint_search_ad",
    "DROP TRIGGER IF EXISTS complaint_search_au",
    "DROP TRIGGER IF EXISTS complaint_search_ai",
    "DROP TABLE IF EXISTS complaint_search",
]
PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE INDEX complaint_search_text_trgm ON complaints
        USING gin ((summary || ' ' || facts_what || ' ' || request_text) gin_trgm_ops)""",
    "CREATE INDEX complaint_search_case_trgm ON complaints USING gin (case_number gin_trgm_ops)",
    "CREATE INDEX complaint_search_customer_trgm ON customers USING gin ((name || ' ' || phone) gin_trgm_ops)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS complaint_search_customer_trgm",
    "DROP INDEX IF EXISTS complaint_search_case_trgm",
    "DROP INDEX IF EXISTS complaint_search_text_trgm",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_UP if dialect == "sqlite" else PG_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else PG_DOWN)
