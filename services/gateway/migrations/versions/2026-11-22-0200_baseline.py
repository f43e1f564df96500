"""baseline: the gateway schema with its own version table

Revision ID: e4c0de000001
Revises:
Create Date: 2026-11-22 02:00:00
"""
from collections.abc import Sequence

revision: str = "e4c0de000001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The schema itself is created by env.py before the version table is written.
    pass


def downgrade() -> None:
    pass
