"""a close under way is kept in unlogged tables

A quarter's close in parts keeps its runs and its parts' inputs and outputs (``close_runs``,
``close_parts``) for the seconds until the version is stored, in the one transaction that also
deletes them. They need no write-ahead log: writing a province's 40 MB of parts' inputs took
0.22-0.52 s logged and 0.17-0.19 s unlogged (three runs each, the same database), and the close's
own stored rows no longer share the log with them. The cost is after a crash of the database: its
unlogged tables are emptied, so a close under way then ends as failed (its run is gone) and is
started again; a stored version is not touched. They are not on a standby either, which no close
reads.

Revision ID: ks26s0000002
Revises: ks26s0000001
Create Date: 2026-12-07 13:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'ks26s0000002'
down_revision: str | None = 'ks26s0000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the parts first: a logged table may not refer to an unlogged one
    op.execute("ALTER TABLE scoring.close_parts SET UNLOGGED")
    op.execute("ALTER TABLE scoring.close_runs SET UNLOGGED")


def downgrade() -> None:
    op.execute("ALTER TABLE scoring.close_runs SET LOGGED")
    op.execute("ALTER TABLE scoring.close_parts SET LOGGED")
