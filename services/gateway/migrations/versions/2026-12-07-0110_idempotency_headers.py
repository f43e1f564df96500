"""idempotency keys keep the answer's headers (a replayed 202 keeps its Location)

Revision ID: i25g00000001
Revises: h25g00000001
Create Date: 2026-12-07 01:10:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'i25g00000001'
down_revision: str | None = 'h25g00000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE gateway.idempotency_keys ADD COLUMN headers jsonb")


def downgrade() -> None:
    op.execute("ALTER TABLE gateway.idempotency_keys DROP COLUMN headers")
