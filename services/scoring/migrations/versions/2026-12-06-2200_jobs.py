"""jobs: long work run by workers, and their queue (pgqueuer's tables)

Revision ID: j24s0000001
Revises: pg23s0000001
Create Date: 2026-12-06 22:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.db import make_metadata
from shared.jobs.table import downgrade_sql, job_table, upgrade_sql

revision: str = 'j24s0000001'
down_revision: str | None = 'pg23s0000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    job_table(make_metadata("scoring")).create(op.get_bind())
    for statement in upgrade_sql("scoring"):
        op.execute(statement)


def downgrade() -> None:
    for statement in downgrade_sql("scoring"):
        op.execute(statement)
    op.drop_table("jobs", schema="scoring")
