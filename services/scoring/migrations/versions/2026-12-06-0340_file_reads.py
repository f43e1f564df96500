"""file reads (干部成长档案)

Every read of a person's file by an officer, with who, when and why: the person sees who read it.

Revision ID: d0e1j0000019
Revises: d0e1i0000018
Create Date: 2026-12-06 03:20:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "d0e1j0000019"
down_revision: str | None = "d0e1i0000018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE TABLE scoring.file_reads (id uuid PRIMARY KEY, person_id uuid NOT NULL, region_id uuid, "
               "reason text NOT NULL, read_at timestamptz NOT NULL DEFAULT clock_timestamp(), read_by varchar(128) NOT NULL)")
    op.execute("CREATE INDEX ix_file_reads_person ON scoring.file_reads (person_id, read_at)")


def downgrade() -> None:
    op.execute("DROP TABLE scoring.file_reads")
