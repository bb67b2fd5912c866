"""Signed branch files: each branch's registered public signing key (Ed25519, base64) at headquarters

Headquarters consolidates a branch's export only with a valid signature by the key registered here
(desk_app.signing); empty: no key registered yet, and that branch's files are refused.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 00:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signing_public_key', sa.String(length=64), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.drop_column('signing_public_key')
