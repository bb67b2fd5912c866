"""report indexes by branch and for outcomes

The statistics read each branch's cases of a period from one covering index led by the branch
(ix_complaints_branch_report, replacing ix_complaints_report of 0004, which was led by the receipt
time), and read resolutions, callbacks and root causes from covering indexes in case-id order, each
matched to its case through ix_complaints_id_branch_received. Measured with benchmarks/reports.py.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:55:16.017073
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REPORT_COLUMNS = ['channel', 'severity', 'status', 'due_on', 'responded_at', 'first_contact_at', 'customer_id',
                   'axis_a', 'axis_b', 'axis_c', 'axis_d', 'flag_irrational', 'flag_group', 'flag_media',
                   'flag_regulator', 'flag_litigation']


def upgrade() -> None:
    # Plain CREATE/DROP INDEX (no batch mode): the tables and the search triggers stay as they are.
    # IF EXISTS: development databases made while 0004 was briefly edited may lack the old index.
    op.execute('DROP INDEX IF EXISTS ix_complaints_report')
    op.create_index('ix_complaints_branch_report', 'complaints', ['branch_id', 'received_at', *_REPORT_COLUMNS],
                    unique=False)
    op.create_index('ix_complaints_id_branch_received', 'complaints', ['id', 'branch_id', 'received_at'],
                    unique=False)
    op.create_index('ix_resolutions_outcome', 'resolutions', ['complaint_id', 'approval_state', 'upheld', 'amount'],
                    unique=False)
    op.create_index('ix_callbacks_score', 'callbacks', ['complaint_id', 'satisfaction', 'called_at', 'id'],
                    unique=False)
    op.create_index('ix_root_causes_cause', 'root_causes', ['complaint_id', 'level', 'cause_code'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_root_causes_cause', table_name='root_causes')
    op.drop_index('ix_callbacks_score', table_name='callbacks')
    op.drop_index('ix_resolutions_outcome', table_name='resolutions')
    op.drop_index('ix_complaints_id_branch_received', table_name='complaints')
    op.drop_index('ix_complaints_branch_report', table_name='complaints')
    op.create_index('ix_complaints_report', 'complaints', ['received_at', 'branch_id', *_REPORT_COLUMNS],
                    unique=False)
