"""a close's parts are kept uncompressed while they are computed

A quarter's close keeps each part's inputs (and, once computed, what it gave) in ``close_parts``
for the few seconds until the version is stored. Compressed (PostgreSQL's default for large
values) writing a province's 32 MB of parts took 1.2 s, uncompressed 0.5 s (a busy machine, the
same run); they are deleted with the run, so the space is not kept.

Revision ID: ks25s0000002
Revises: ks25s0000001
Create Date: 2026-12-07 01:10:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'ks25s0000002'
down_revision: str | None = 'ks25s0000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE scoring.close_parts ALTER COLUMN inputs SET STORAGE EXTERNAL, "
               "ALTER COLUMN output SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.execute("ALTER TABLE scoring.close_parts ALTER COLUMN inputs SET STORAGE EXTENDED, "
               "ALTER COLUMN output SET STORAGE EXTENDED")
