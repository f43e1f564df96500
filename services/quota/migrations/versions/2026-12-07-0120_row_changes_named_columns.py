"""the allocations' change log reads only the columns it logs

Each allocation run and publication written is logged for the runs' ``updated_after`` feed. The
log's trigger function turned every changed row into JSON only to take its id, region and year
from it; it now reads those columns alone (``shared.change_feed.named_columns_sql``), as scoring's
does: the log's rows are the same.

Revision ID: ks25q0000001
Revises: i25q00000002
Create Date: 2026-12-07 01:20:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.change_feed import install_sql, named_columns_sql

revision: str = 'ks25q0000001'
down_revision: str | None = 'i25q00000002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(named_columns_sql("quota"))


def downgrade() -> None:
    op.execute(install_sql("quota")[-1].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
