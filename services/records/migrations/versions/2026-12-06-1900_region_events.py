"""events may be addressed to a region (for its systems' webhooks), not only to a person or a unit

Revision ID: h23r00000001
Revises: d1e0a0000001
Create Date: 2026-12-06 19:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'h23r00000001'
down_revision: str | None = 'd1e0a0000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE records.events ADD COLUMN region_id uuid")
    op.execute("ALTER TABLE records.events DROP CONSTRAINT events_one_audience_check")
    op.execute("ALTER TABLE records.events ADD CONSTRAINT events_one_audience_check "
               "CHECK (num_nonnulls(person_id, unit_id, region_id) = 1)")
    op.execute("CREATE INDEX events_region_id_idx ON records.events (region_id, id) WHERE region_id IS NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM records.events WHERE region_id IS NOT NULL")
    op.execute("DROP INDEX records.events_region_id_idx")
    op.execute("ALTER TABLE records.events DROP CONSTRAINT events_one_audience_check")
    op.execute("ALTER TABLE records.events ADD CONSTRAINT events_one_audience_check "
               "CHECK ((person_id IS NULL) <> (unit_id IS NULL))")
    op.execute("ALTER TABLE records.events DROP COLUMN region_id")
