"""attendance changes: a recorded day's old and new status and note, who, when and why

Revision ID: r0e1c0000006
Revises: 3b9e5d1f7a42
Create Date: 2026-12-05 21:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'r0e1c0000006'
down_revision: str | None = '3b9e5d1f7a42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attendance_changes',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('old_status', sa.String(length=24), nullable=False),
    sa.Column('new_status', sa.String(length=24), nullable=False),
    sa.Column('old_note', sa.String(length=200), nullable=True),
    sa.Column('new_note', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('changed_by', sa.String(length=128), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("source IN ('correction', 'import')", name=op.f('attendance_changes_source_check')),
    sa.ForeignKeyConstraint(['person_id'], ['records.persons.id'], name=op.f('attendance_changes_person_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('attendance_changes_pkey')),
    schema='records'
    )
    op.create_index('attendance_changes_unit_id_day_idx', 'attendance_changes', ['unit_id', 'day'], unique=False,
                    schema='records')
    op.create_index('attendance_changes_person_id_day_idx', 'attendance_changes', ['person_id', 'day'],
                    unique=False, schema='records')


def downgrade() -> None:
    op.drop_index('attendance_changes_person_id_day_idx', table_name='attendance_changes', schema='records')
    op.drop_index('attendance_changes_unit_id_day_idx', table_name='attendance_changes', schema='records')
    op.drop_table('attendance_changes', schema='records')
