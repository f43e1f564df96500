"""the roster's change log reads only the columns it logs

Each placement written is logged for the members' ``updated_after`` feed. The log's trigger
function turned every changed row into JSON only to take its id and unit from it; it now reads
those columns alone (``shared.change_feed.named_columns_sql``), as scoring's does: the log's rows
are the same, a bulk write of placements logs faster.

Revision ID: ks25r0000001
Revises: i25r00000002
Create Date: 2026-12-07 01:20:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.change_feed import install_sql, named_columns_sql

revision: str = 'ks25r0000001'
down_revision: str | None = 'i25r00000002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(named_columns_sql("records"))


def downgrade() -> None:
    op.execute(install_sql("records")[-1].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
