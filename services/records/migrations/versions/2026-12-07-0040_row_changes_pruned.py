"""the change feed's retention: where the last tombstone dropped was, so an older cursor is answered 410

Revision ID: i25r00000002
Revises: i25r00000001
Create Date: 2026-12-07 00:40:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.change_feed import pruned_install_sql, pruned_uninstall_sql

revision: str = 'i25r00000002'
down_revision: str | None = 'i25r00000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in pruned_install_sql("records"):
        op.execute(statement)


def downgrade() -> None:
    for statement in pruned_uninstall_sql("records"):
        op.execute(statement)
