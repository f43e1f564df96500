"""result versions, their rows and scheme versions are history: the database refuses changes

Revision ID: b2c0de000003
Revises: d8438b687a17
Create Date: 2026-11-22 06:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "b2c0de000003"
down_revision: str | None = "d8438b687a17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORY = ("scheme_versions", "results")


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION scoring.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END $$
    """)
    for table in HISTORY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON scoring.{table} "
                   "FOR EACH ROW EXECUTE FUNCTION scoring.refuse_change()")
    # A result version may be stamped as published once; nothing else about it ever changes.
    op.execute("""
        CREATE FUNCTION scoring.publish_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR OLD.published_at IS NOT NULL
               OR (to_jsonb(NEW) - 'published_at' - 'published_by')
                  IS DISTINCT FROM (to_jsonb(OLD) - 'published_at' - 'published_by') THEN
                RAISE EXCEPTION 'a result version is only ever published, once'
                    USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END $$
    """)
    op.execute("CREATE TRIGGER closes_publish_only BEFORE UPDATE OR DELETE ON scoring.closes "
               "FOR EACH ROW EXECUTE FUNCTION scoring.publish_only()")


def downgrade() -> None:
    op.execute("DROP TRIGGER closes_publish_only ON scoring.closes")
    op.execute("DROP FUNCTION scoring.publish_only()")
    for table in HISTORY:
        op.execute(f"DROP TRIGGER {table}_append_only ON scoring.{table}")
    op.execute("DROP FUNCTION scoring.refuse_change()")
