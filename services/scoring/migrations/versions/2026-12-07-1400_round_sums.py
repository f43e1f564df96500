"""a closed round's rating sums kept for the closes after the first

A province's every close summed the round's 4,000,000 ratings again (2.5-3.0 s of a close of about
8 s), though a closed round's ratings do not change. ``round_sums`` keeps them per round, for the
``closed_at`` they were made at (``scoring.results.round_sums``). The ratings' statement triggers
drop the kept sums of any round whose ratings are inserted, revised or deleted all the same, so
that kept sums never outlive the ratings they were made from; they look at the statement's rows
only when some sums are kept at all (a bulk load of ratings before any close pays nothing).

Revision ID: ks26s0000003
Revises: ks26s0000002
Create Date: 2026-12-07 14:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'ks26s0000003'
down_revision: str | None = 'ks26s0000002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DROP = """
CREATE FUNCTION scoring.round_sums_dropped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM scoring.round_sums) THEN
        DELETE FROM scoring.round_sums WHERE round_id IN (SELECT DISTINCT round_id FROM changed);
    END IF;
    RETURN NULL;
END $$
"""
_DROP_ALL = """
CREATE FUNCTION scoring.round_sums_dropped_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM scoring.round_sums;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "round_sums",
        sa.Column("round_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sums", sa.LargeBinary(), nullable=False),
        sa.Column("extremes", sa.LargeBinary(), nullable=False),
        sa.Column("trimmed", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["scoring.rating_rounds.id"], name=op.f("round_sums_round_id_fkey"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id", name=op.f("round_sums_pkey")),
        schema="scoring",
    )
    # a province's sums are some 13 MB of JSON, read whole: kept as they are, not compressed
    op.execute("ALTER TABLE scoring.round_sums ALTER COLUMN sums SET STORAGE EXTERNAL, "
               "ALTER COLUMN extremes SET STORAGE EXTERNAL")
    op.execute(_DROP)
    op.execute(_DROP_ALL)
    # a trigger has one transition table of each kind: an update's rows before and after are two triggers
    for name, event, rows in (("added", "INSERT", "NEW"), ("deleted", "DELETE", "OLD"), ("revised", "UPDATE", "OLD"),
                              ("moved", "UPDATE", "NEW")):
        op.execute(f"CREATE TRIGGER ratings_{name}_drop_round_sums AFTER {event} ON scoring.ratings "
                   f"REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION scoring.round_sums_dropped()")
    op.execute("CREATE TRIGGER ratings_truncated_drop_round_sums AFTER TRUNCATE ON scoring.ratings "
               "FOR EACH STATEMENT EXECUTE FUNCTION scoring.round_sums_dropped_all()")


def downgrade() -> None:
    for name in ("added", "deleted", "revised", "moved", "truncated"):
        op.execute(f"DROP TRIGGER ratings_{name}_drop_round_sums ON scoring.ratings")
    for function in ("round_sums_dropped", "round_sums_dropped_all"):
        op.execute(f"DROP FUNCTION scoring.{function}()")
    op.drop_table("round_sums", schema="scoring")
