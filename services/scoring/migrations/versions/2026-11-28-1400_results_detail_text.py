"""a result's detail is kept as the text the close wrote, not parsed by the database

The close writes each result's detail as canonical JSON and hashes exactly those bytes; the
service reads it back with its own JSON parser. Stored as ``json`` the database parsed every
detail only to check it (about a tenth of the time to store a province's 200,000 results).

Revision ID: e5f3a0000006
Revises: d4e2f0000005
Create Date: 2026-11-28 14:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "e5f3a0000006"
down_revision: str | None = "d4e2f0000005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE scoring.results ALTER COLUMN detail TYPE text USING detail::text")


def downgrade() -> None:
    op.execute("ALTER TABLE scoring.results ALTER COLUMN detail TYPE json USING detail::json")
