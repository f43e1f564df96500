"""a ballot records who keyed it in: null for the rater's own, else the administrator's subject

A unit administrator may key in a rater's paper ballot only on the rater's behalf, saying so;
that fact is kept on each of the ballot's rows (a later ballot of the rater's own clears it).

Revision ID: f6a4b0000007
Revises: e5f3a0000006
Create Date: 2026-12-05 09:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "f6a4b0000007"
down_revision: str | None = "e5f3a0000006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE scoring.ratings ADD COLUMN keyed_by varchar(128)")


def downgrade() -> None:
    op.execute("ALTER TABLE scoring.ratings DROP COLUMN keyed_by")
