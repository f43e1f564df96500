"""a result's detail is kept as the close wrote it (json), and its close is checked once a statement

A close writes a row per person (200,000 for a province) with COPY. As ``jsonb`` every detail was
parsed into a binary form nobody queries, and the foreign key to ``closes`` ran a lookup per row;
together more than half of the write. Now ``detail`` is ``json`` (the very bytes the close hashed
into its result digest), and one statement-level trigger checks that every row inserted belongs to
an existing close, over the statement's new rows at once. Closes are never deleted (their own
trigger refuses it), so a result cannot lose its close afterwards either.

Revision ID: c3d1e0000004
Revises: b2c0de000003
Create Date: 2026-11-28 06:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "c3d1e0000004"
down_revision: str | None = "b2c0de000003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE scoring.results DROP CONSTRAINT results_close_id_fkey")
    op.execute("ALTER TABLE scoring.results ALTER COLUMN detail TYPE json USING detail::json")
    op.execute("""
        CREATE FUNCTION scoring.results_have_their_close() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM added WHERE NOT EXISTS (
                       SELECT 1 FROM scoring.closes AS c WHERE c.id = added.close_id)) THEN
                RAISE EXCEPTION 'results must belong to an existing result version (close)'
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NULL;
        END $$
    """)
    op.execute("CREATE TRIGGER results_have_their_close AFTER INSERT ON scoring.results "
               "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
               "EXECUTE FUNCTION scoring.results_have_their_close()")


def downgrade() -> None:
    op.execute("DROP TRIGGER results_have_their_close ON scoring.results")
    op.execute("DROP FUNCTION scoring.results_have_their_close()")
    op.execute("ALTER TABLE scoring.results ALTER COLUMN detail TYPE jsonb USING detail::jsonb")
    op.execute("ALTER TABLE scoring.results ADD CONSTRAINT results_close_id_fkey "
               "FOREIGN KEY (close_id) REFERENCES scoring.closes (id)")
