"""a log of the results' changes, read as ``updated_after`` feeds

Revision ID: pg23s0000001
Revises: h23s00000001
Create Date: 2026-12-06 19:10:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.change_feed import install_sql, track_sql, uninstall_sql, untrack_sql

revision: str = 'pg23s0000001'
down_revision: str | None = 'h23s00000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in [*install_sql("scoring"),
                      *track_sql("scoring", "results", row_id="person_id", scope=("close_id", "unit_id"))]:
        op.execute(statement)


def downgrade() -> None:
    for statement in [*untrack_sql("scoring", "results"), *uninstall_sql("scoring")]:
        op.execute(statement)
