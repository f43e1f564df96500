"""bulletins (通报)

A region's bulletin of a period, generated from the data (units' progress and ranking,
commendations, criticisms) and kept as generated; a draft takes a preface and lines removed with
a reason (kept), then is issued: numbered per region and year of issue (第N期) from a counter row that the
issuing transaction updates, so numbers have no gaps, and never changed after.

Revision ID: d0e1i0000018
Revises: t0d0a0000001
Create Date: 2026-12-06 03:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "d0e1i0000018"
down_revision: str | None = "t0d0a0000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE TABLE scoring.bulletins (id uuid PRIMARY KEY, region_id uuid NOT NULL, "
               "period varchar(7) NOT NULL, year integer, number integer, "
               "state varchar(8) NOT NULL CONSTRAINT ck_bulletins_state CHECK (state IN ('draft', 'issued')), "
               "title text NOT NULL, preface text, content jsonb NOT NULL, removed jsonb NOT NULL, "
               "created_at timestamptz NOT NULL DEFAULT now(), created_by varchar(128) NOT NULL, "
               "updated_at timestamptz NOT NULL DEFAULT now(), issued_at timestamptz, issued_by varchar(128), "
               "CONSTRAINT ck_bulletins_numbered CHECK ((state = 'issued') = (number IS NOT NULL AND year IS NOT NULL)), "
               "CONSTRAINT uq_bulletins_number UNIQUE (region_id, year, number))")
    op.execute("CREATE INDEX ix_bulletins_region ON scoring.bulletins (region_id, created_at)")
    op.execute("CREATE TABLE scoring.bulletin_numbers (region_id uuid NOT NULL, year integer NOT NULL, "
               "last integer NOT NULL, PRIMARY KEY (region_id, year))")


def downgrade() -> None:
    op.execute("DROP TABLE scoring.bulletin_numbers")
    op.execute("DROP TABLE scoring.bulletins")
