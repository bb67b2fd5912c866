"""Quality inspection samples; root causes on three levels with their cause type; improvement actions with
department, evidence and review

``quality_samples`` holds the closed cases drawn each month per handler and their scores (the runtime role
gets its grants).

A root cause keeps its level and code and gains the course's cause type and what was found on each of the
three levels (data, rules and systems, logic and process). An improvement action gains the department that
carries it out, the evidence of its completion and the review of it (who, when, conclusion). Rows
recorded before get empty texts.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 00:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.privileges import apply_runtime_grants

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'quality_samples',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('complaint_id', sa.Uuid(), nullable=False),
        sa.Column('handler_id', sa.Uuid(), nullable=False),
        sa.Column('branch_id', sa.Uuid(), nullable=False),
        sa.Column('seed', sa.Integer(), nullable=False),
        sa.Column('drawn_by_id', sa.Uuid(), nullable=False),
        sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('scorecard_version', sa.Integer(), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('comment', sa.Text(), server_default='', nullable=False),
        sa.Column('inspector_id', sa.Uuid(), nullable=True),
        sa.Column('scored_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_quality_samples_branch_id_branches')),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                                name=op.f('fk_quality_samples_complaint_id_complaints')),
        sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_quality_samples_drawn_by_id_users')),
        sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_quality_samples_handler_id_users')),
        sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_quality_samples_inspector_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_samples')),
        sa.UniqueConstraint('month', 'complaint_id', name=op.f('uq_quality_samples_month_complaint_id')),
    )
    op.create_index(op.f('ix_quality_samples_month'), 'quality_samples', ['month'], unique=False)
    op.create_index(op.f('ix_quality_samples_handler_id'), 'quality_samples', ['handler_id'], unique=False)
    with op.batch_alter_table('root_causes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cause_type', sa.String(length=24), server_default='', nullable=False))
        batch_op.add_column(sa.Column('data_finding', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('rules_finding', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('process_finding', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('improvement_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('evidence', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('review', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_improvement_actions_reviewed_by_id_users'), 'users',
                                    ['reviewed_by_id'], ['id'])
    apply_runtime_grants(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('improvement_actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_improvement_actions_reviewed_by_id_users'), type_='foreignkey')
        for column in ('reviewed_at', 'reviewed_by_id', 'review', 'evidence', 'department'):
            batch_op.drop_column(column)
    with op.batch_alter_table('root_causes', schema=None) as batch_op:
        for column in ('process_finding', 'rules_finding', 'data_finding', 'cause_type'):
            batch_op.drop_column(column)
    op.drop_index(op.f('ix_quality_samples_handler_id'), table_name='quality_samples')
    op.drop_index(op.f('ix_quality_samples_month'), table_name='quality_samples')
    op.drop_table('quality_samples')
