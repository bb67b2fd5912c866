"""Customer-facing complaint summary stored with each letter

A letter states what the complaint is about in words written for the customer (confirmed in the issue
dialog), never the intake's facts; the text is kept with the letter so a correction starts from it.
Letters issued before have none (empty).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_summary', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_column('complaint_summary')
