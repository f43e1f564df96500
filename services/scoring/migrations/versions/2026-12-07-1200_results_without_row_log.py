"""a version's results are fed from the version itself, not from a log of their rows

A version's results are written once, in the transaction that stores the version, and never
changed or deleted (``results_append_only``): the ``updated_after`` feed of a version's results
reads them from the version, in person order (``scoring.results.listing.results_changed``). The
row log beside them copied every result row once more: storing a province's close of 100,000
people took 1.75 s with it and 0.60 s without (the same rows, the same database, one after the
other), and the log grew by 100,000 rows (about 30 MB) with every version. Results were the only
table of this schema the log kept, so it goes with its trigger function and the tombstone mark.

Downgrading brings the log back, empty: versions stored before it are not in it.

Revision ID: ks26s0000001
Revises: ks25s0000002
Create Date: 2026-12-07 12:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.change_feed import (
    install_sql,
    named_columns_sql,
    pruned_install_sql,
    pruned_uninstall_sql,
    track_sql,
    uninstall_sql,
    untrack_sql,
)

revision: str = 'ks26s0000001'
down_revision: str | None = 'ks25s0000002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in [*untrack_sql("scoring", "results"), *pruned_uninstall_sql("scoring"),
                      *uninstall_sql("scoring")]:
        op.execute(statement)


def downgrade() -> None:
    for statement in [*install_sql("scoring"), named_columns_sql("scoring"), *pruned_install_sql("scoring"),
                      *track_sql("scoring", "results", row_id="person_id", scope=("close_id", "unit_id"))]:
        op.execute(statement)
