"""a log of the roster's changes (placements, and the people placed), read as ``updated_after`` feeds

Revision ID: pg23r0000001
Revises: h23r00000001
Create Date: 2026-12-06 19:10:00.000000
"""
from collections.abc import Sequence

from alembic import op

from shared.change_feed import install_sql, track_sql, uninstall_sql, untrack_sql

revision: str = 'pg23r0000001'
down_revision: str | None = 'h23r00000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in [*install_sql("records"), *track_sql("records", "assignments", scope=("unit_id",))]:
        op.execute(statement)
    # A person renamed changes each of their placements as the members list shows them.
    op.execute("""
        CREATE FUNCTION records.log_person_placements() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO records.row_changes (tbl, row_id, scope, deleted)
            SELECT 'assignments', a.id, jsonb_build_object('unit_id', a.unit_id), false
            FROM new_rows n JOIN records.assignments a ON a.person_id = n.id;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER persons_logged_update AFTER UPDATE ON records.persons "
               "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION records.log_person_placements()")


def downgrade() -> None:
    op.execute("DROP TRIGGER persons_logged_update ON records.persons")
    op.execute("DROP FUNCTION records.log_person_placements()")
    for statement in [*untrack_sql("records", "assignments"), *uninstall_sql("records")]:
        op.execute(statement)
