"""Change tokens: a random token per kind of reference data, set anew by a trigger at every change

A registration needs the working calendar and checks the draft's taxonomy codes and list items. It read a
digest over the ~800 calendar days (0.4 ms of PostgreSQL's CPU) and the codes (a round trip) every time.
Now each process keeps the calendar and the active codes under the token it read with the branch, and
rebuilds them when the token differs. Triggers set the token on every INSERT, UPDATE, DELETE (and, on
PostgreSQL, TRUNCATE) of the tables, so a change made by any writer (the app, ``desk-cli``, a console)
reaches every process at its next registration. The tokens are random, never counters: two databases
(tests, a restored backup) never share a token for different contents.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.privileges import apply_runtime_grants

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: token kind → the tables whose changes renew it
WATCHED = {"calendar": ("calendar_entries", "calendar_years"), "taxonomy": ("taxonomy_codes", "reference_items")}
_SQLITE_RENEW = ("INSERT INTO change_tokens (kind, token) VALUES ('{kind}', lower(hex(randomblob(16)))) "
                 "ON CONFLICT (kind) DO UPDATE SET token = excluded.token")
PG_FUNCTION = """CREATE FUNCTION change_tokens_renew() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO change_tokens (kind, token) VALUES (TG_ARGV[0], replace(gen_random_uuid()::text, '-', ''))
        ON CONFLICT (kind) DO UPDATE SET token = EXCLUDED.token;
        RETURN NULL;
    END $$"""


def _triggers() -> list[tuple[str, str, str]]:
    return [(f"{table}_renews_{kind}", table, kind) for kind, tables in WATCHED.items() for table in tables]


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.create_table(
        'change_tokens',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_change_tokens')),
    )
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
    for name, table, kind in _triggers():
        if dialect == "postgresql":
            op.execute(f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION change_tokens_renew('{kind}')")
        else:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {name}_{event.lower()} AFTER {event} ON {table} "
                           f"BEGIN {_SQLITE_RENEW.format(kind=kind)}; END")
    for kind in WATCHED:
        if dialect == "postgresql":
            op.execute(f"INSERT INTO change_tokens (kind, token) VALUES ('{kind}', "
                       "replace(gen_random_uuid()::text, '-', ''))")
        else:
            op.execute(_SQLITE_RENEW.format(kind=kind))
    if dialect == "postgresql":
        apply_runtime_grants(bind)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _kind in reversed(_triggers()):
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS change_tokens_renew()")
    op.drop_table('change_tokens')
