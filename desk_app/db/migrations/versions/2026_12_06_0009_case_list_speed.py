"""Case-list filters and sorts at a million cases: case counter table, flag indexes

``case_counts`` (cases per branch, status and severity), kept exact by triggers on complaints and filled
here from the existing cases; the case list counts its plain, status and severity lists from it. Partial
indexes per special flag and for "any flag", one index per sort with its tie-break, and status with the
default order (see desk_app.db.models.case_counts).
PostgreSQL: the trigger function updates the two counter rows of a status change in key order, so two
transactions moving cases in opposite directions cannot deadlock on them; the runtime role's grants are
applied again for the new table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.privileges import apply_runtime_grants

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = ("irrational", "group", "media", "regulator", "litigation")

_KEY = "branch_id = {r}.branch_id AND status = {r}.status AND severity = {r}.severity"
_ADD = ("INSERT INTO case_counts (branch_id, status, severity, n) VALUES (NEW.branch_id, NEW.status, NEW.severity, 1) "
        "ON CONFLICT (branch_id, status, severity) DO UPDATE SET n = case_counts.n + 1")
_TAKE = "UPDATE case_counts SET n = n - 1 WHERE " + _KEY.format(r="OLD")

SQLITE_UP = [
    f"CREATE TRIGGER case_counts_ai AFTER INSERT ON complaints BEGIN {_ADD}; END",
    f"CREATE TRIGGER case_counts_ad AFTER DELETE ON complaints BEGIN {_TAKE}; END",
    f"""CREATE TRIGGER case_counts_au AFTER UPDATE OF branch_id, status, severity ON complaints
        WHEN OLD.branch_id IS NOT NEW.branch_id OR OLD.status IS NOT NEW.status OR OLD.severity IS NOT NEW.severity
        BEGIN {_TAKE}; {_ADD}; END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS case_counts_au", "DROP TRIGGER IF EXISTS case_counts_ad",
               "DROP TRIGGER IF EXISTS case_counts_ai"]
PG_UP = [
    f"""CREATE FUNCTION case_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_ADD};
        ELSIF TG_OP = 'DELETE' THEN
            {_TAKE};
        ELSIF (OLD.branch_id, OLD.status, OLD.severity) < (NEW.branch_id, NEW.status, NEW.severity) THEN
            {_TAKE};
            {_ADD};
        ELSIF (OLD.branch_id, OLD.status, OLD.severity) > (NEW.branch_id, NEW.status, NEW.severity) THEN
            {_ADD};
            {_TAKE};
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER case_counts_track AFTER INSERT OR DELETE OR UPDATE OF branch_id, status, severity
        ON complaints FOR EACH ROW EXECUTE FUNCTION case_counts_track()""",
]
PG_DOWN = ["DROP TRIGGER IF EXISTS case_counts_track ON complaints", "DROP FUNCTION IF EXISTS case_counts_track()"]


def _flag_where(dialect: str, names: Sequence[str]) -> sa.TextClause:
    value = "1" if dialect == "sqlite" else "true"
    return sa.text(" OR ".join(f"flag_{name} = {value}" for name in names))


def _partial_indexes(dialect: str) -> list[tuple[str, list[str], sa.TextClause]]:
    everywhere, one_branch = ['received_at', 'case_number', 'branch_id'], ['branch_id', 'received_at', 'case_number']
    found = []
    for name, flags in [*((name, [name]) for name in FLAGS), ("any", list(FLAGS))]:
        stem = f'ix_complaints_flag_{name}' if name != "any" else 'ix_complaints_any_flag'
        found.append((stem, everywhere, _flag_where(dialect, flags)))
        found.append((stem + '_branch', one_branch, _flag_where(dialect, flags)))
    return found


SORT_INDEXES = [
    ('ix_complaints_severity_number', ['severity', 'case_number']),
    ('ix_complaints_status_number', ['status', 'case_number']),
    ('ix_complaints_axis_b_number', ['axis_b', 'case_number']),
    ('ix_complaints_axis_c_number', ['axis_c', 'case_number']),
    ('ix_complaints_due_number', ['due_on', 'case_number']),
    ('ix_complaints_status_received', ['status', 'received_at', 'case_number']),
    ('ix_complaints_owner_status_due', ['owner_id', 'status', 'due_on']),
    ('ix_complaints_owner_number', ['owner_id', 'case_number']),
    ('ix_complaints_branch_owner_number', ['branch_id', 'owner_id', 'case_number']),
]


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.create_table(
        'case_counts',
        sa.Column('branch_id', sa.Uuid(), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('severity', sa.String(length=12), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('branch_id', 'status', 'severity', name=op.f('pk_case_counts')),
    )
    for statement in SQLITE_UP if dialect == "sqlite" else PG_UP:
        op.execute(statement)
    op.execute("INSERT INTO case_counts (branch_id, status, severity, n) "
               "SELECT branch_id, status, severity, count(*) FROM complaints GROUP BY branch_id, status, severity")
    for index, columns, where in _partial_indexes(dialect):
        op.create_index(index, 'complaints', columns, sqlite_where=where, postgresql_where=where)
    for index, columns in SORT_INDEXES:
        op.create_index(index, 'complaints', columns)
    if dialect == "postgresql":
        apply_runtime_grants(bind)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for index, _columns in reversed(SORT_INDEXES):
        op.drop_index(index, table_name='complaints')
    for index, _columns, _where in reversed(_partial_indexes(dialect)):
        op.drop_index(index, table_name='complaints')
    for statement in SQLITE_DOWN if dialect == "sqlite" else PG_DOWN:
        op.execute(statement)
    op.drop_table('case_counts')
