"""record changes: a corrected weekly record, monthly report, comment or task's old and new values, who,
when and why; tasks' last write; indexes on each record's unit and last write (records' latest writes)

Revision ID: r0e1d0000007
Revises: r0e1e0000008
Create Date: 2026-12-06 02:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'r0e1d0000007'
down_revision: str | None = 'r0e1e0000008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WRITTEN = (('work_logs', 'coalesce(updated_at, submitted_at)'), ('monthly_reports', 'coalesce(updated_at, submitted_at)'),
           ('leader_comments', 'coalesce(updated_at, created_at)'), ('tasks', 'coalesce(updated_at, created_at)'))


def upgrade() -> None:
    op.create_table('record_changes',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('old', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('new', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=128), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('work_log', 'monthly_report', 'comment', 'task')",
                       name=op.f('record_changes_kind_check')),
    sa.ForeignKeyConstraint(['person_id'], ['records.persons.id'], name=op.f('record_changes_person_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('record_changes_pkey')),
    schema='records'
    )
    for name, columns in (('unit_id_day', ['unit_id', 'day']), ('person_id_day', ['person_id', 'day']),
                          ('record', ['kind', 'record_id']), ('unit_id_changed_at', ['unit_id', 'changed_at'])):
        op.create_index(f'record_changes_{name}_idx', 'record_changes', columns, unique=False, schema='records')
    op.add_column('tasks', sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True), schema='records')
    op.alter_column('attendance', 'recorded_at', server_default=sa.text('clock_timestamp()'), schema='records')
    op.create_index('attendance_unit_id_recorded_at_idx', 'attendance', ['unit_id', 'recorded_at'], unique=False,
                    schema='records', postgresql_include=['day'])
    for table, written in WRITTEN:
        op.create_index(f'{table}_unit_id_written_idx', table, ['unit_id', sa.text(written)], unique=False,
                        schema='records')


def downgrade() -> None:
    for table, _ in WRITTEN:
        op.drop_index(f'{table}_unit_id_written_idx', table_name=table, schema='records')
    op.drop_index('attendance_unit_id_recorded_at_idx', table_name='attendance', schema='records')
    op.alter_column('attendance', 'recorded_at', server_default=sa.text('now()'), schema='records')
    op.drop_column('tasks', 'updated_at', schema='records')
    for name in ('unit_id_changed_at', 'record', 'person_id_day', 'unit_id_day'):
        op.drop_index(f'record_changes_{name}_idx', table_name='record_changes', schema='records')
    op.drop_table('record_changes', schema='records')
