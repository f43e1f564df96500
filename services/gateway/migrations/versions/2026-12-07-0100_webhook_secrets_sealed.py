"""webhook secrets kept sealed: room for the sealed form

Revision ID: h25g00000001
Revises: h23g00000001
Create Date: 2026-12-07 01:00:00.000000

A secret stored before is read as it is and sealed by the delivery worker on its next round (the key
is in the gateway's environment, not here).
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'h25g00000001'
down_revision: str | None = 'h23g00000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE gateway.webhooks ALTER COLUMN secret TYPE varchar(400)")


def downgrade() -> None:
    # fails while a sealed secret is stored: the code before could not read one (register those webhooks again)
    op.execute("ALTER TABLE gateway.webhooks ALTER COLUMN secret TYPE varchar(100)")
