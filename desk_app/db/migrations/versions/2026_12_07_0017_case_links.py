"""Linked and merged cases

``case_links`` holds links between related cases (same customer by several channels, a regulator's
duplicate of a counter case, members of one group complaint), each pair once. ``complaints.merged_into_id``
names the main case a duplicate was merged into (the duplicate's status becomes ``merged``); a plain
column, because SQLite adds a foreign key only by rebuilding the table and its search and counter triggers.
``ix_complaints_id_branch_received`` gains the status, so the statistics match outcomes to their case and
leave merged duplicates out from the index alone. The runtime role gets its grants on the new table.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.privileges import apply_runtime_grants

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'case_links',
        sa.Column('case_a_id', sa.Uuid(), nullable=False),
        sa.Column('case_b_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Uuid(), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.CheckConstraint('case_a_id <> case_b_id', name=op.f('ck_case_links_distinct_cases')),
        sa.ForeignKeyConstraint(['case_a_id'], ['complaints.id'], name=op.f('fk_case_links_case_a_id_complaints')),
        sa.ForeignKeyConstraint(['case_b_id'], ['complaints.id'], name=op.f('fk_case_links_case_b_id_complaints')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_case_links_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_links')),
        sa.UniqueConstraint('case_a_id', 'case_b_id', name=op.f('uq_case_links_case_a_id_case_b_id')),
    )
    op.create_index(op.f('ix_case_links_case_a_id'), 'case_links', ['case_a_id'], unique=False)
    op.create_index(op.f('ix_case_links_case_b_id'), 'case_links', ['case_b_id'], unique=False)
    # Plain ADD COLUMN / CREATE INDEX (no batch mode): the complaints table keeps its triggers.
    op.add_column('complaints', sa.Column('merged_into_id', sa.Uuid(), nullable=True))
    op.create_index(op.f('ix_complaints_merged_into_id'), 'complaints', ['merged_into_id'], unique=False)
    op.drop_index('ix_complaints_id_branch_received', table_name='complaints')
    op.create_index('ix_complaints_id_branch_received', 'complaints', ['id', 'branch_id', 'received_at', 'status'],
                    unique=False)
    apply_runtime_grants(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_complaints_id_branch_received', table_name='complaints')
    op.create_index('ix_complaints_id_branch_received', 'complaints', ['id', 'branch_id', 'received_at'],
                    unique=False)
    op.drop_index(op.f('ix_complaints_merged_into_id'), table_name='complaints')
    op.execute("UPDATE complaints SET status = 'closed' WHERE status = 'merged'")
    op.drop_column('complaints', 'merged_into_id')
    op.drop_index(op.f('ix_case_links_case_b_id'), table_name='case_links')
    op.drop_index(op.f('ix_case_links_case_a_id'), table_name='case_links')
    op.drop_table('case_links')
