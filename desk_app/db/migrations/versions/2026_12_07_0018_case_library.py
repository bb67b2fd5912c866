"""The case library (案例库)

``library_cases`` holds anonymised copies of closed model cases with the lesson a supervisor drew: the
cause, the portrait, the checklist path, the wording used, the resolution and outcome, the special flags;
no name, number or address (``desk_app.domain.anonymise``). The runtime role gets its grants on it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 06:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.privileges import apply_runtime_grants

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'library_cases',
        sa.Column('source_complaint_id', sa.Uuid(), nullable=True),
        sa.Column('branch_id', sa.Uuid(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('axis_a', sa.String(length=12), nullable=False),
        sa.Column('axis_b', sa.String(length=12), nullable=False),
        sa.Column('axis_c', sa.String(length=12), nullable=False),
        sa.Column('severity', sa.String(length=12), nullable=False),
        sa.Column('flag_irrational', sa.Boolean(), nullable=False),
        sa.Column('flag_group', sa.Boolean(), nullable=False),
        sa.Column('flag_media', sa.Boolean(), nullable=False),
        sa.Column('flag_regulator', sa.Boolean(), nullable=False),
        sa.Column('flag_litigation', sa.Boolean(), nullable=False),
        sa.Column('primary_type', sa.String(length=20), nullable=True),
        sa.Column('secondary_type', sa.String(length=20), nullable=True),
        sa.Column('summary', sa.String(length=200), nullable=False),
        sa.Column('facts', sa.Text(), nullable=False),
        sa.Column('request_kinds', sa.JSON(), nullable=False),
        sa.Column('request_text', sa.Text(), nullable=False),
        sa.Column('claimed_amount', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('portrait', sa.JSON(), nullable=False),
        sa.Column('checklist_path', sa.JSON(), nullable=False),
        sa.Column('wording', sa.JSON(), nullable=False),
        sa.Column('resolution', sa.JSON(), nullable=False),
        sa.Column('outcome', sa.JSON(), nullable=False),
        sa.Column('lesson', sa.Text(), nullable=False),
        sa.Column('search_text', sa.Text(), nullable=False),
        sa.Column('words', sa.Text(), nullable=False),
        sa.Column('marked_by_id', sa.Uuid(), nullable=False),
        sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_library_cases_branch_id_branches')),
        sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_library_cases_marked_by_id_users')),
        sa.ForeignKeyConstraint(['source_complaint_id'], ['complaints.id'],
                                name=op.f('fk_library_cases_source_complaint_id_complaints')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_library_cases')),
        sa.UniqueConstraint('source_complaint_id', name=op.f('uq_library_cases_source_complaint_id')),
    )
    op.create_index(op.f('ix_library_cases_axis_c'), 'library_cases', ['axis_c'], unique=False)
    op.create_index(op.f('ix_library_cases_primary_type'), 'library_cases', ['primary_type'], unique=False)
    op.create_index('ix_library_cases_marked_at', 'library_cases', ['marked_at'], unique=False)
    apply_runtime_grants(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_library_cases_marked_at', table_name='library_cases')
    op.drop_index(op.f('ix_library_cases_primary_type'), table_name='library_cases')
    op.drop_index(op.f('ix_library_cases_axis_c'), table_name='library_cases')
    op.drop_table('library_cases')
