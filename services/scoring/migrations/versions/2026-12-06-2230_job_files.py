"""job files: the file an export job made, kept beside the job until it is downloaded

Revision ID: ju24s0000001
Revises: p24s0000001
Create Date: 2026-12-06 22:30:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.db import make_metadata
from shared.jobs.files import job_files_table
from shared.jobs.table import job_table

revision: str = 'ju24s0000001'
down_revision: str | None = 'p24s0000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    metadata = make_metadata("scoring")
    job_table(metadata)  # what the files refer to (created by the jobs migration)
    job_files_table(metadata).create(op.get_bind())


def downgrade() -> None:
    op.drop_table("job_files", schema="scoring")
