"""attendance and weekly work records

Revision ID: 70b529c963ee
Revises: d2327f323e9b
Create Date: 2026-11-22 02:45:46.758856
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '70b529c963ee'
down_revision: str | None = 'd2327f323e9b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attendance',
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('present', 'business_trip', 'sick_leave', 'personal_leave', 'annual_leave', 'maternity_leave', 'study', 'absent', 'rest')", name=op.f('attendance_status_check')),
    sa.ForeignKeyConstraint(['person_id'], ['records.persons.id'], name=op.f('attendance_person_id_fkey')),
    sa.PrimaryKeyConstraint('person_id', 'day', name=op.f('attendance_pkey')),
    schema='records'
    )
    op.create_index('attendance_unit_id_day_idx', 'attendance', ['unit_id', 'day'], unique=False, schema='records')
    op.create_table('work_logs',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('iso_year', sa.Integer(), nullable=False),
    sa.Column('iso_week', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('submitted_by', sa.String(length=128), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['records.persons.id'], name=op.f('work_logs_person_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('work_logs_pkey')),
    sa.UniqueConstraint('person_id', 'iso_year', 'iso_week', name='work_logs_person_week_key'),
    schema='records'
    )
    op.create_index(op.f('records_work_logs_person_id_idx'), 'work_logs', ['person_id'], unique=False, schema='records')
    op.create_index(op.f('records_work_logs_unit_id_idx'), 'work_logs', ['unit_id'], unique=False, schema='records')


def downgrade() -> None:
    op.drop_index(op.f('records_work_logs_unit_id_idx'), table_name='work_logs', schema='records')
    op.drop_index(op.f('records_work_logs_person_id_idx'), table_name='work_logs', schema='records')
    op.drop_table('work_logs', schema='records')
    op.drop_index('attendance_unit_id_day_idx', table_name='attendance', schema='records')
    op.drop_table('attendance', schema='records')
