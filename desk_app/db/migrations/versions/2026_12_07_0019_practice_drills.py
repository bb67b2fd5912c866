"""Practice drills (模拟演练)

``practice_drills`` holds a trainee's play of a scripted scenario (guesses and score once finished) and
``practice_drill_steps`` the moves picked at each of the six steps. Only a practice database
(``database_facts.purpose = practice``) is written to; a real one has the tables, empty. The runtime role
gets its grants on both.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 06:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.privileges import apply_runtime_grants

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'practice_drills',
        sa.Column('scenario_key', sa.String(length=80), nullable=False),
        sa.Column('scenario_version', sa.Integer(), nullable=False),
        sa.Column('trainee_id', sa.Uuid(), nullable=False),
        sa.Column('trainee_name', sa.String(length=100), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('type_guess', sa.String(length=20), nullable=True),
        sa.Column('demand_guess', sa.String(length=60), nullable=True),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('max_score', sa.Integer(), nullable=True),
        sa.Column('final_mood', sa.Integer(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_drills')),
    )
    op.create_index(op.f('ix_practice_drills_trainee_id'), 'practice_drills', ['trainee_id'], unique=False)
    op.create_table(
        'practice_drill_steps',
        sa.Column('drill_id', sa.Uuid(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('moves', sa.JSON(), nullable=False),
        sa.Column('mood_after', sa.Integer(), nullable=False),
        sa.Column('played_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['drill_id'], ['practice_drills.id'],
                                name=op.f('fk_practice_drill_steps_drill_id_practice_drills'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_drill_steps')),
        sa.UniqueConstraint('drill_id', 'position', name=op.f('uq_practice_drill_steps_drill_id_position')),
    )
    apply_runtime_grants(op.get_bind())


def downgrade() -> None:
    op.drop_table('practice_drill_steps')
    op.drop_index(op.f('ix_practice_drills_trainee_id'), table_name='practice_drills')
    op.drop_table('practice_drills')
