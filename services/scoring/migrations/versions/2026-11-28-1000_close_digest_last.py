"""a result version's digest is written last, in the transaction that writes its results

A close streams its rows into ``results`` while it computes them (the database stores one part
while the service computes the next), so the digest of those rows is known only once they are all
written. The version's row is inserted first without it (the results' trigger needs it there) and
given its digest at the end, once: ``publish_only`` allows exactly that change of an unpublished
version, and a constraint trigger checked at commit refuses a version that is still without its
digest, so none is ever seen without one.

Revision ID: d4e2f0000005
Revises: c3d1e0000004
Create Date: 2026-11-28 10:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "d4e2f0000005"
down_revision: str | None = "c3d1e0000004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISH_ONLY = """
    CREATE OR REPLACE FUNCTION scoring.publish_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.result_digest IS NULL AND NEW.result_digest IS NOT NULL
           AND OLD.published_at IS NULL AND NEW.published_at IS NULL
           AND (to_jsonb(NEW) - 'result_digest') = (to_jsonb(OLD) - 'result_digest') THEN
            RETURN NEW;  -- the version being written gets its digest, once
        END IF;
        IF TG_OP = 'DELETE' OR OLD.published_at IS NOT NULL OR OLD.result_digest IS NULL
           OR (to_jsonb(NEW) - 'published_at' - 'published_by')
              IS DISTINCT FROM (to_jsonb(OLD) - 'published_at' - 'published_by') THEN
            RAISE EXCEPTION 'a result version is only ever published, once'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END $$
"""

PREVIOUS = """
    CREATE OR REPLACE FUNCTION scoring.publish_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR OLD.published_at IS NOT NULL
           OR (to_jsonb(NEW) - 'published_at' - 'published_by')
              IS DISTINCT FROM (to_jsonb(OLD) - 'published_at' - 'published_by') THEN
            RAISE EXCEPTION 'a result version is only ever published, once'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END $$
"""


def upgrade() -> None:
    op.execute("ALTER TABLE scoring.closes ALTER COLUMN result_digest DROP NOT NULL")
    op.execute(PUBLISH_ONLY)
    op.execute("""
        CREATE FUNCTION scoring.closes_have_their_digest() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM scoring.closes WHERE id = NEW.id AND result_digest IS NULL) THEN
                RAISE EXCEPTION 'result version % was not given its result digest', NEW.id
                    USING ERRCODE = 'not_null_violation';
            END IF;
            RETURN NULL;
        END $$
    """)
    op.execute("CREATE CONSTRAINT TRIGGER closes_have_their_digest AFTER INSERT ON scoring.closes "
               "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION scoring.closes_have_their_digest()")


def downgrade() -> None:
    op.execute("DROP TRIGGER closes_have_their_digest ON scoring.closes")
    op.execute("DROP FUNCTION scoring.closes_have_their_digest()")
    op.execute(PREVIOUS)
    op.execute("ALTER TABLE scoring.closes ALTER COLUMN result_digest SET NOT NULL")
