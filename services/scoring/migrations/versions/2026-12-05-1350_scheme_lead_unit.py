"""a group's scheme may name its lead unit, whose administrator runs it

A small institution evaluated with its supervising department (a merged group): the department is
the scheme's lead unit, and its administrator manages the group's scheme as their own unit's.

Revision ID: b8c6d0000009
Revises: a7b5c0000008
Create Date: 2026-12-05 13:50:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "b8c6d0000009"
down_revision: str | None = "a7b5c0000008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE scoring.schemes ADD COLUMN lead_unit_id uuid")
    op.execute("ALTER TABLE scoring.schemes ADD CONSTRAINT schemes_lead_of_group_check "
               "CHECK (lead_unit_id IS NULL OR group_name IS NOT NULL)")
    op.execute("CREATE INDEX scoring_schemes_lead_unit_id_idx ON scoring.schemes (lead_unit_id)")


def downgrade() -> None:
    op.execute("DROP INDEX scoring.scoring_schemes_lead_unit_id_idx")
    op.execute("ALTER TABLE scoring.schemes DROP CONSTRAINT schemes_lead_of_group_check")
    op.execute("ALTER TABLE scoring.schemes DROP COLUMN lead_unit_id")
