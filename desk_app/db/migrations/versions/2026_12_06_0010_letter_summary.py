"""Customer-facing complaint summary stored with each letter

Reserved in the chain so that parallel work can land its migration in a fixed order; filled by that work.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:50:00
"""
from collections.abc import Sequence

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
