"""The grumble log (抱怨登记) and opportunities (投诉经营)

``grumbles`` holds dissatisfaction settled on the spot (no case number, no statutory clock), linked to the
complaint it was turned into; ``opportunities`` holds the suggestions and business opportunities that a case
or a grumble carries. The runtime role gets its grants on both.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 04:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.privileges import apply_runtime_grants

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'grumbles',
        sa.Column('branch_id', sa.Uuid(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('axis_b', sa.String(length=12), nullable=False),
        sa.Column('axis_c', sa.String(length=12), nullable=False),
        sa.Column('remark', sa.Text(), nullable=False),
        sa.Column('action_taken', sa.Text(), nullable=False),
        sa.Column('settled', sa.Boolean(), nullable=False),
        sa.Column('customer_name', sa.String(length=100), nullable=False),
        sa.Column('customer_phone', sa.String(length=40), nullable=False),
        sa.Column('complaint_id', sa.Uuid(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_grumbles_branch_id_branches')),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_grumbles_complaint_id_complaints')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_grumbles_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grumbles')),
        sa.UniqueConstraint('complaint_id', name=op.f('uq_grumbles_complaint_id')),
    )
    op.create_index('ix_grumbles_branch_recorded', 'grumbles', ['branch_id', 'recorded_at'], unique=False)
    op.create_index('ix_grumbles_recorded_at', 'grumbles', ['recorded_at'], unique=False)
    op.create_table(
        'opportunities',
        sa.Column('branch_id', sa.Uuid(), nullable=False),
        sa.Column('complaint_id', sa.Uuid(), nullable=True),
        sa.Column('grumble_id', sa.Uuid(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('product', sa.String(length=12), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_opportunities_branch_id_branches')),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                                name=op.f('fk_opportunities_complaint_id_complaints')),
        sa.ForeignKeyConstraint(['grumble_id'], ['grumbles.id'], name=op.f('fk_opportunities_grumble_id_grumbles')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_opportunities_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunities')),
    )
    op.create_index(op.f('ix_opportunities_complaint_id'), 'opportunities', ['complaint_id'], unique=False)
    op.create_index(op.f('ix_opportunities_grumble_id'), 'opportunities', ['grumble_id'], unique=False)
    op.create_index(op.f('ix_opportunities_recorded_at'), 'opportunities', ['recorded_at'], unique=False)
    apply_runtime_grants(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f('ix_opportunities_recorded_at'), table_name='opportunities')
    op.drop_index(op.f('ix_opportunities_grumble_id'), table_name='opportunities')
    op.drop_index(op.f('ix_opportunities_complaint_id'), table_name='opportunities')
    op.drop_table('opportunities')
    op.drop_index('ix_grumbles_recorded_at', table_name='grumbles')
    op.drop_index('ix_grumbles_branch_recorded', table_name='grumbles')
    op.drop_table('grumbles')
