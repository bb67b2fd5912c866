"""PostgreSQL: the search's 1- and 2-character grams computed with less work at every registration

``complaint_search_grams(text)`` (migration 0008) feeds the GIN index that serves 1- and 2-character searches;
PostgreSQL computes it for every case written. It sorted the grams and removed duplicates, which GIN does
itself when it extracts an array's keys, and built them row by row. Same keys, so the index stays valid: the
characters come from ``string_to_array(t, NULL)`` and only the 2-character grams from a series. A
registration's INSERT costs about 0.15 ms less on this machine (2,000 inserts: 1.1–1.3 s -> 0.8–0.9 s).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 15:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HEAD = """CREATE OR REPLACE FUNCTION complaint_search_grams(body text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$"""
CHEAPER = _HEAD + """
    SELECT string_to_array(s.t, NULL)
           || coalesce((SELECT array_agg(substr(s.t, i, 2)) FROM generate_series(1, char_length(s.t)) AS i), '{}')
    FROM (SELECT lower(body) AS t) s
$$"""
SORTED = _HEAD + """
    SELECT coalesce(array_agg(DISTINCT g), '{}')
    FROM (SELECT lower(body) AS t) s
    CROSS JOIN LATERAL generate_series(1, char_length(s.t)) AS i
    CROSS JOIN LATERAL (VALUES (substr(s.t, i, 1)), (substr(s.t, i, 2))) AS v(g)
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CHEAPER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SORTED)
