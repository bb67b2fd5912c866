"""Root causes on three levels with their cause type; improvement actions with department, evidence and review

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

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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


def downgrade() -> None:
    with op.batch_alter_table('improvement_actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_improvement_actions_reviewed_by_id_users'), type_='foreignkey')
        for column in ('reviewed_at', 'reviewed_by_id', 'review', 'evidence', 'department'):
            batch_op.drop_column(column)
    with op.batch_alter_table('root_causes', schema=None) as batch_op:
        for column in ('process_finding', 'rules_finding', 'data_finding', 'cause_type'):
            batch_op.drop_column(column)
