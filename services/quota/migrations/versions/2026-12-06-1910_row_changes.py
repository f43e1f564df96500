"""a log of the allocation runs' changes (a run kept, a run published), read as ``updated_after`` feeds

Revision ID: pg23q0000001
Revises: h23q00000001
Create Date: 2026-12-06 19:10:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.change_feed import install_sql, track_sql, uninstall_sql, untrack_sql

revision: str = 'pg23q0000001'
down_revision: str | None = 'h23q00000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in [*install_sql("quota"),
                      *track_sql("quota", "allocation_runs", scope=("region_id", "year")),
                      # a publication changes its run (published, superseded): logged as the run's change
                      *track_sql("quota", "allocation_publications", row_id="run_id", scope=("region_id", "year"),
                                 logged_as="allocation_runs")]:
        op.execute(statement)


def downgrade() -> None:
    for statement in [*untrack_sql("quota", "allocation_publications"), *untrack_sql("quota", "allocation_runs"),
                      *uninstall_sql("quota")]:
        op.execute(statement)
