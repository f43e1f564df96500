"""the results' change log reads only the columns it logs

A close stores a row per person (100,000 for a province) and each is logged for the results'
``updated_after`` feed. The log's trigger function turned every inserted row into JSON, its detail
too, only to take the person id, close and unit from it: most of the time to store a province's
version. It now reads those columns alone (``shared.change_feed.named_columns_sql``); the log's rows
are the same.

Revision ID: ks25s0000001
Revises: i25s00000002
Create Date: 2026-12-07 01:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.change_feed import install_sql, named_columns_sql

revision: str = 'ks25s0000001'
down_revision: str | None = 'i25s00000002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(named_columns_sql("scoring"))


def downgrade() -> None:
    op.execute(install_sql("scoring")[-1].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
