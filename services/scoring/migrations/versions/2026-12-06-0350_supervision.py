"""supervision: inspections and rectification notices (督导, 整改, 销号)

An inspection of a unit by its region's organisation department (date, team, findings); a
rectification notice issued to a unit, optionally from an inspection, with items each carrying a
deadline, the unit's response and evidence, the department's sign-off or return, and every step kept.
Nothing is deleted: an item is closed with a reason.

Revision ID: d0e1h0000017
Revises: d0e1j0000019
Create Date: 2026-12-06 03:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "d0e1h0000017"
down_revision: str | None = "d0e1j0000019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE TABLE scoring.inspections (id uuid PRIMARY KEY, region_id uuid NOT NULL, unit_id uuid NOT NULL, "
               "visited_on date NOT NULL, team jsonb NOT NULL, findings text NOT NULL, "
               "created_at timestamptz NOT NULL DEFAULT now(), created_by varchar(128) NOT NULL)")
    op.execute("CREATE INDEX ix_inspections_region ON scoring.inspections (region_id, visited_on)")
    op.execute("CREATE TABLE scoring.rectification_notices (id uuid PRIMARY KEY, region_id uuid NOT NULL, "
               "unit_id uuid NOT NULL, inspection_id uuid REFERENCES scoring.inspections (id), "
               "title varchar(200) NOT NULL, issued_on date NOT NULL, issued_at timestamptz NOT NULL DEFAULT now(), "
               "issued_by varchar(128) NOT NULL)")
    op.execute("CREATE INDEX ix_rectification_notices_region ON scoring.rectification_notices (region_id, unit_id)")
    op.execute("CREATE TABLE scoring.rectification_items (id uuid PRIMARY KEY, "
               "notice_id uuid NOT NULL REFERENCES scoring.rectification_notices (id), position integer NOT NULL, "
               "text text NOT NULL, deadline date NOT NULL, state varchar(16) NOT NULL DEFAULT 'open', "
               "response text, evidence jsonb NOT NULL DEFAULT '[]', answered_on date, decided_on date, "
               "steps jsonb NOT NULL DEFAULT '[]', "
               "CONSTRAINT ck_rectification_items_state "
               "CHECK (state IN ('open', 'answered', 'returned', 'signed_off', 'closed')))")
    op.execute("CREATE INDEX ix_rectification_items_notice ON scoring.rectification_items (notice_id, position)")
    op.execute("CREATE INDEX ix_rectification_items_open ON scoring.rectification_items (deadline) "
               "WHERE state NOT IN ('signed_off', 'closed')")


def downgrade() -> None:
    op.execute("DROP TABLE scoring.rectification_items")
    op.execute("DROP TABLE scoring.rectification_notices")
    op.execute("DROP TABLE scoring.inspections")
