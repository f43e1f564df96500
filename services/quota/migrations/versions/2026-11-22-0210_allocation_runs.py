"""allocation inputs, immutable runs and one publication per region and year

Revision ID: c3c0de000002
Revises: c3c0de000001
Create Date: 2026-11-22 02:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c3c0de000002"
down_revision: str | None = "c3c0de000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allocation_inputs",
        sa.Column("region_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("units", postgresql.JSONB(), nullable=True),
        sa.Column("policy", postgresql.JSONB(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("region_id", "year", name="allocation_inputs_pkey"),
        schema="quota",
    )
    op.create_table(
        "allocation_runs",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("region_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("units", postgresql.JSONB(), nullable=False),
        sa.Column("policy", postgresql.JSONB(), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=False),
        sa.Column("input_digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="allocation_runs_pkey"),
        schema="quota",
    )
    op.create_index("quota_allocation_runs_region_id_idx", "allocation_runs", ["region_id"], schema="quota")
    op.create_table(
        "allocation_publications",
        sa.Column("region_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("run_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("region_id", "year", name="allocation_publications_pkey"),
        sa.ForeignKeyConstraint(["run_id"], ["quota.allocation_runs.id"],
                                name="allocation_publications_run_id_fkey"),
        sa.UniqueConstraint("run_id", name="allocation_publications_run_id_key"),
        schema="quota",
    )
    # Runs and publications are history: refuse any change or removal at the database.
    op.execute("""
        CREATE FUNCTION quota.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END $$
    """)
    for table in ("allocation_runs", "allocation_publications"):
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON quota.{table} "
                   "FOR EACH ROW EXECUTE FUNCTION quota.refuse_change()")


def downgrade() -> None:
    for table in ("allocation_runs", "allocation_publications"):
        op.execute(f"DROP TRIGGER {table}_append_only ON quota.{table}")
    op.execute("DROP FUNCTION quota.refuse_change()")
    op.drop_table("allocation_publications", schema="quota")
    op.drop_index("quota_allocation_runs_region_id_idx", table_name="allocation_runs", schema="quota")
    op.drop_table("allocation_runs", schema="quota")
    op.drop_table("allocation_inputs", schema="quota")
