"""publications that carry their accepted warnings and can be superseded by a correction

Revision ID: c3c0de000003
Revises: c3c0de000002
Create Date: 2026-12-05 21:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c3c0de000003"
down_revision: str | None = "c3c0de000002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "allocation_publications"


def upgrade() -> None:
    # Adding columns rewrites no row through the append-only trigger (it fires on UPDATE only).
    op.add_column(TABLE, sa.Column("id", postgresql.UUID(as_uuid=True), server_default=sa.text("gen_random_uuid()"),
                                   nullable=False), schema="quota")
    op.add_column(TABLE, sa.Column("sequence", sa.Integer(), server_default="1", nullable=False), schema="quota")
    op.add_column(TABLE, sa.Column("supersedes_id", postgresql.UUID(as_uuid=True), nullable=True), schema="quota")
    op.add_column(TABLE, sa.Column("reason", sa.Text(), nullable=True), schema="quota")
    op.add_column(TABLE, sa.Column("warnings", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"),
                                   nullable=False), schema="quota")
    op.alter_column(TABLE, "id", server_default=None, schema="quota")
    op.alter_column(TABLE, "sequence", server_default=None, schema="quota")
    op.drop_constraint("allocation_publications_pkey", TABLE, schema="quota")
    op.create_primary_key("allocation_publications_pkey", TABLE, ["id"], schema="quota")
    op.create_unique_constraint("allocation_publications_sequence_key", TABLE, ["region_id", "year", "sequence"],
                                schema="quota")
    op.create_unique_constraint("allocation_publications_supersedes_id_key", TABLE, ["supersedes_id"],
                                schema="quota")
    op.create_foreign_key("allocation_publications_supersedes_id_fkey", TABLE, TABLE, ["supersedes_id"], ["id"],
                          source_schema="quota", referent_schema="quota")


def downgrade() -> None:
    # Only the first publication of each region and year can stay under the old primary key.
    op.execute("ALTER TABLE quota.allocation_publications DISABLE TRIGGER allocation_publications_append_only")
    op.execute("DELETE FROM quota.allocation_publications WHERE sequence > 1")
    op.execute("ALTER TABLE quota.allocation_publications ENABLE TRIGGER allocation_publications_append_only")
    op.drop_constraint("allocation_publications_supersedes_id_fkey", TABLE, schema="quota")
    op.drop_constraint("allocation_publications_supersedes_id_key", TABLE, schema="quota")
    op.drop_constraint("allocation_publications_sequence_key", TABLE, schema="quota")
    op.drop_constraint("allocation_publications_pkey", TABLE, schema="quota")
    op.create_primary_key("allocation_publications_pkey", TABLE, ["region_id", "year"], schema="quota")
    for column in ("warnings", "reason", "supersedes_id", "sequence", "id"):
        op.drop_column(TABLE, column, schema="quota")
