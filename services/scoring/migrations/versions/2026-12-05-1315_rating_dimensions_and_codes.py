"""ratings per dimension, anonymous raters, one-time rating codes for outside rater groups

A rating under a scheme with dimensions keeps its marks per dimension beside their weighted sum;
an outside rater's ballot is written under a random rater id marked anonymous; a round's codes
are kept as digests with whether each was used.

Revision ID: a7b5c0000008
Revises: f6a4b0000007
Create Date: 2026-12-05 13:15:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "a7b5c0000008"
down_revision: str | None = "f6a4b0000007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE scoring.ratings ADD COLUMN dimensions jsonb")
    op.execute("ALTER TABLE scoring.round_raters ADD COLUMN anonymous boolean NOT NULL DEFAULT false")
    op.execute("""
        CREATE TABLE scoring.rating_codes (
            digest varchar(64) NOT NULL,
            round_id uuid NOT NULL,
            rater_group varchar(64) NOT NULL,
            used boolean NOT NULL DEFAULT false,
            CONSTRAINT rating_codes_pkey PRIMARY KEY (digest),
            CONSTRAINT rating_codes_round_id_fkey FOREIGN KEY (round_id) REFERENCES scoring.rating_rounds (id)
        )""")
    op.execute("CREATE INDEX ix_rating_codes_round ON scoring.rating_codes (round_id, rater_group)")


def downgrade() -> None:
    op.execute("DROP TABLE scoring.rating_codes")
    op.execute("ALTER TABLE scoring.round_raters DROP COLUMN anonymous")
    op.execute("ALTER TABLE scoring.ratings DROP COLUMN dimensions")
