"""a quarter's close under way in parts: its runs and their parts

Revision ID: p24s0000001
Revises: j24s0000001
Create Date: 2026-12-06 22:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'p24s0000001'
down_revision: str | None = 'j24s0000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "close_runs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("scheme_id", sa.UUID(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("scheme_version", sa.Integer(), nullable=False),
        sa.Column("shared", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["scheme_id"], ["scoring.schemes.id"], name=op.f("close_runs_scheme_id_fkey"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("close_runs_pkey")),
        schema="scoring",
    )
    op.create_table(
        "close_parts",
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.LargeBinary(), nullable=False),
        sa.Column("output", sa.LargeBinary(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["scoring.close_runs.id"], name=op.f("close_parts_run_id_fkey"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "part", name=op.f("close_parts_pkey")),
        schema="scoring",
    )


def downgrade() -> None:
    op.drop_table("close_parts", schema="scoring")
    op.drop_table("close_runs", schema="scoring")
