"""a rater's rounds by rater: the to-do lists the open rounds a person rates in

Revision ID: t0d0a0000001
Revises: d0e1f0000015
Create Date: 2026-12-06 02:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "t0d0a0000001"
down_revision: str | None = "d0e1f0000015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_round_raters_rater", "round_raters", ["rater_id"], unique=False, schema="scoring")


def downgrade() -> None:
    op.drop_index("ix_round_raters_rater", table_name="round_raters", schema="scoring")
