"""when a result version last read its inputs: records' writes after it make it stale

Revision ID: d0e1e7000014
Revises: d0e1g0000016
Create Date: 2026-12-06 02:40:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "d0e1e7000014"
down_revision: str | None = 'd0e1g0000016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE scoring.close_inputs ADD COLUMN checked_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE scoring.close_inputs DROP COLUMN checked_at")
