"""events may be addressed to a region (for its systems' webhooks), not only to a person or a unit

Revision ID: h23s00000001
Revises: d0e1k0000020
Create Date: 2026-12-06 19:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'h23s00000001'
down_revision: str | None = 'd0e1k0000020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE scoring.events ADD COLUMN region_id uuid")
    op.execute("ALTER TABLE scoring.events DROP CONSTRAINT events_one_audience_check")
    op.execute("ALTER TABLE scoring.events ADD CONSTRAINT events_one_audience_check "
               "CHECK (num_nonnulls(person_id, unit_id, region_id) = 1)")
    op.execute("CREATE INDEX events_region_id_idx ON scoring.events (region_id, id) WHERE region_id IS NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM scoring.events WHERE region_id IS NOT NULL")
    op.execute("DROP INDEX scoring.events_region_id_idx")
    op.execute("ALTER TABLE scoring.events DROP CONSTRAINT events_one_audience_check")
    op.execute("ALTER TABLE scoring.events ADD CONSTRAINT events_one_audience_check "
               "CHECK ((person_id IS NULL) <> (unit_id IS NULL))")
    op.execute("ALTER TABLE scoring.events DROP COLUMN region_id")
