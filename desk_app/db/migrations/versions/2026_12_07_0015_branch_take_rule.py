"""A branch's rule on taking cases: may a handler take an unassigned case of the branch themselves?

On by default (existing branches too); the branch's administrator or supervisor turns it off where a
supervisor assigns every case (desk_app.services.branches.set_handlers_may_take).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 03:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handlers_may_take', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.drop_column('handlers_may_take')
