"""import mappings: saved column mappings (import_mappings), a log of imports and consolidations
(import_batches), and two indexes on complaints for the reports: (customer_id, received_at) for
repeat complaints, and a covering index for the period scans (see desk_app/db/models/imports.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:00:33.425772
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_batches',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_by_id', sa.Uuid(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_import_batches_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_sha256'), ['sha256'], unique=False)

    op.create_table('import_mappings',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_mappings_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mappings')),
    sa.UniqueConstraint('name', name=op.f('uq_import_mappings_name'))
    )
    # Plain CREATE INDEX (no batch mode): the complaints table and its search triggers stay as they are.
    op.create_index('ix_complaints_customer_received', 'complaints', ['customer_id', 'received_at'], unique=False)
    op.create_index('ix_complaints_report', 'complaints', [
        'received_at', 'branch_id', 'channel', 'severity', 'status', 'due_on', 'responded_at', 'first_contact_at',
        'customer_id', 'axis_a', 'axis_b', 'axis_c', 'axis_d', 'flag_irrational', 'flag_group', 'flag_media',
        'flag_regulator', 'flag_litigation'], unique=False)

def downgrade() -> None:
    op.drop_index('ix_complaints_report', table_name='complaints')
    op.drop_index('ix_complaints_customer_received', table_name='complaints')

    op.drop_table('import_mappings')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batches_sha256'))

    op.drop_table('import_batches')
