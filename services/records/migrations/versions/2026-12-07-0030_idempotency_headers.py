"""idempotency keys keep the answer's headers (a replayed answer keeps its Location)

Revision ID: i25r00000001
Revises: ju24r0000001
Create Date: 2026-12-07 00:30:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'i25r00000001'
down_revision: str | None = 'ju24r0000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE records.idempotency_keys ADD COLUMN headers jsonb")


def downgrade() -> None:
    op.execute("ALTER TABLE records.idempotency_keys DROP COLUMN headers")
