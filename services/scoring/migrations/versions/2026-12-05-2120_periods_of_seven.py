"""period columns hold a month 2025-03 (seven characters) besides 2025Q1, 2025H1 and 2025

Revision ID: d0e1a0000010
Revises: d0e1c0000012
Create Date: 2026-12-05 21:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "d0e1a0000010"
down_revision: str | None = "d0e1c0000012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("rating_rounds", "marks", "adjustments", "negative_events", "closes", "procedure_runs")


def upgrade() -> None:
    for table in TABLES:  # widening a varchar rewrites nothing
        op.execute(f"ALTER TABLE scoring.{table} ALTER COLUMN period TYPE varchar(7)")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DELETE FROM scoring.{table} WHERE length(period) > 6")  # noqa: S608 (the table names above)
        op.execute(f"ALTER TABLE scoring.{table} ALTER COLUMN period TYPE varchar(6)")
