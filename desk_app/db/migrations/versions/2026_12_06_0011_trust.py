"""Trust: approvals by the approver, extensions that wait for approval and notice, sealed events

- resolutions.approval_level: the queue (supervisor, branch manager, head office) a proposal with money
  waits in; resolutions.decision_reason: why it was returned.
- complaints.extension_requested / extension_approved_by_id: an extension that does not count yet.
- complaint_events.seal: the digest of the case's rows as the event left them (covered by the keyed hash).
- database_facts: ``purpose = demo`` for a database created as a demo (only those take demo data).

Existing proposals get their level from their amount. The chains are re-keyed (HMAC) by the integrity
service on first use of the key, not here: the key lives outside the database.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.privileges import apply_runtime_grants

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('resolutions', sa.Column('approval_level', sa.String(length=20), nullable=True))
    op.add_column('resolutions', sa.Column('decision_reason', sa.Text(), server_default='', nullable=False))
    op.create_index(op.f('ix_resolutions_approval_level'), 'resolutions', ['approval_level'], unique=False)
    op.add_column('complaints', sa.Column('extension_requested', sa.String(length=20), nullable=True))
    op.add_column('complaints', sa.Column('extension_approved_by_id', sa.Uuid(), nullable=True))
    op.add_column('complaint_events', sa.Column('seal', sa.String(length=64), nullable=True))
    op.create_table(
        'database_facts',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_database_facts')),
    )
    levels = sa.case((sa.column('amount') <= 5000, 'supervisor'), (sa.column('amount') <= 50000, 'branch_manager'),
                     else_='head_office')
    op.execute(sa.table('resolutions', sa.column('approval_level'), sa.column('amount'))
               .update().where(sa.column('amount') > 0).values(approval_level=levels))
    apply_runtime_grants(op.get_bind())


def downgrade() -> None:
    op.drop_table('database_facts')
    op.drop_column('complaint_events', 'seal')
    op.drop_column('complaints', 'extension_approved_by_id')
    op.drop_column('complaints', 'extension_requested')
    op.drop_index(op.f('ix_resolutions_approval_level'), table_name='resolutions')
    op.drop_column('resolutions', 'decision_reason')
    op.drop_column('resolutions', 'approval_level')
