"""person cards: what scoring shows of a person by name, kept here

Records' display fields of a person (name, staff number, unit, section, post, region, evaluation
group, staff category), as records last gave them, with when: taken for a round's raters and rated
people when it opens, and for anyone else the first time they are shown; a card older than a few
minutes is taken again when next shown. A rater's to-do then names the people left to rate without
asking records.

Revision ID: d0e1k0000020
Revises: d1e0a0000002
Create Date: 2026-12-06 05:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "d0e1k0000020"
down_revision: str | None = "d1e0a0000002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE TABLE scoring.person_cards (person_id uuid PRIMARY KEY, card jsonb NOT NULL, "
               "taken_at timestamptz NOT NULL)")


def downgrade() -> None:
    op.execute("DROP TABLE scoring.person_cards")
