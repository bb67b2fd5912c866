"""desk-server sessions; least privilege for the server's runtime role

api_sessions holds the desk server's sign-in sessions (token hash, idle and absolute expiry). On
PostgreSQL the role desk_runtime gets read/write on the working tables but only INSERT on the case
timelines and the audit log (desk_app.db.privileges), so the server's login cannot rewrite history.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.privileges import apply_runtime_grants

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'api_sessions',
        sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('client', sa.String(length=200), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_sessions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_sessions_token_hash')),
    )
    op.create_index(op.f('ix_api_sessions_user_id'), 'api_sessions', ['user_id'], unique=False)
    apply_runtime_grants(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f('ix_api_sessions_user_id'), table_name='api_sessions')
    op.drop_table('api_sessions')
