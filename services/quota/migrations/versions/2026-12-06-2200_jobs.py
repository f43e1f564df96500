"""jobs: long work run by workers, and their queue (pgqueuer's tables)

Revision ID: j24q0000001
Revises: pg23q0000001
Create Date: 2026-12-06 22:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.db import make_metadata
from shared.jobs.table import downgrade_sql, job_table, upgrade_sql

revision: str = 'j24q0000001'
down_revision: str | None = 'pg23q0000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    job_table(make_metadata("quota")).create(op.get_bind())
    for statement in upgrade_sql("quota"):
        op.execute(statement)


def downgrade() -> None:
    for statement in downgrade_sql("quota"):
        op.execute(statement)
    op.drop_table("jobs", schema="quota")
