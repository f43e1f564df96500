"""moves of the procedure recorded after the day they took effect

A stage run on paper (a notice-board publicity) is recorded afterwards with the day it took effect:
each stage's history keeps, besides that day (``opened_on``, ``closed_on``), the day the move was
recorded and, for a move recorded late, why.

Revision ID: d0e1e0000014
Revises: d0e1d0000013
Create Date: 2026-12-06 02:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "d0e1e0000014"
down_revision: str | None = "d0e1d0000013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE scoring.procedure_stages ADD COLUMN opened_recorded_on date, "
               "ADD COLUMN closed_recorded_on date, ADD COLUMN late_reason text")
    op.execute("UPDATE scoring.procedure_stages SET opened_recorded_on = opened_on, closed_recorded_on = closed_on")
    op.execute("ALTER TABLE scoring.procedure_stages ALTER COLUMN opened_recorded_on SET NOT NULL")


def downgrade() -> None:
    op.execute("ALTER TABLE scoring.procedure_stages DROP COLUMN late_reason, DROP COLUMN closed_recorded_on, "
               "DROP COLUMN opened_recorded_on")
