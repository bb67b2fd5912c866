"""Reminders: who was told what

notification_receipts records, per user, each reminder (rule, case, occasion) they were told of and when
they read it, so that a reminder is shown once. The reminders are computed from the cases; the rules are
data (resources/notifications/rules.toml). users.email: where the desk server sends the reminder digest
(empty: none). resolutions.proposed_by_id is indexed: a returned proposal is its proposer's reminder.
On PostgreSQL the runtime role gets its grants on the new table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.privileges import apply_runtime_grants

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'notification_receipts',
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('rule', sa.String(length=40), nullable=False),
        sa.Column('complaint_id', sa.Uuid(), nullable=False),
        sa.Column('occasion', sa.String(length=80), nullable=False),
        sa.Column('told_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                                name=op.f('fk_notification_receipts_complaint_id_complaints')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_receipts_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_receipts')),
        sa.UniqueConstraint('user_id', 'rule', 'complaint_id', 'occasion',
                            name=op.f('uq_notification_receipts_user_id_rule_complaint_id_occasion')),
    )
    op.create_index(op.f('ix_notification_receipts_user_id'), 'notification_receipts', ['user_id'], unique=False)
    op.create_index(op.f('ix_notification_receipts_complaint_id'), 'notification_receipts', ['complaint_id'],
                    unique=False)
    op.add_column('users', sa.Column('email', sa.String(length=254), server_default='', nullable=False))
    op.create_index(op.f('ix_resolutions_proposed_by_id'), 'resolutions', ['proposed_by_id'], unique=False)
    apply_runtime_grants(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f('ix_resolutions_proposed_by_id'), table_name='resolutions')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email')
    op.drop_index(op.f('ix_notification_receipts_complaint_id'), table_name='notification_receipts')
    op.drop_index(op.f('ix_notification_receipts_user_id'), table_name='notification_receipts')
    op.drop_table('notification_receipts')
