"""key work tasks and their trail

Revision ID: 48f7a1a9ecef
Revises: 8af8d362d2d7
Create Date: 2026-11-22 02:59:05.102176
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '48f7a1a9ecef'
down_revision: str | None = '8af8d362d2d7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tasks',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('intensity', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('difficulty', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f('tasks_status_check')),
    sa.CheckConstraint('intensity > 0 AND difficulty > 0 AND quantity > 0', name=op.f('tasks_weights_check')),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('tasks_progress_check')),
    sa.ForeignKeyConstraint(['person_id'], ['records.persons.id'], name=op.f('tasks_person_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('tasks_pkey')),
    schema='records'
    )
    op.create_index(op.f('records_tasks_person_id_idx'), 'tasks', ['person_id'], unique=False, schema='records')
    op.create_index(op.f('records_tasks_unit_id_idx'), 'tasks', ['unit_id'], unique=False, schema='records')
    op.create_table('task_updates',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('task_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('progress', 'rectification')", name=op.f('task_updates_kind_check')),
    sa.ForeignKeyConstraint(['task_id'], ['records.tasks.id'], name=op.f('task_updates_task_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('task_updates_pkey')),
    schema='records'
    )
    op.create_index(op.f('records_task_updates_task_id_idx'), 'task_updates', ['task_id'], unique=False, schema='records')


def downgrade() -> None:
    op.drop_index(op.f('records_task_updates_task_id_idx'), table_name='task_updates', schema='records')
    op.drop_table('task_updates', schema='records')
    op.drop_index(op.f('records_tasks_unit_id_idx'), table_name='tasks', schema='records')
    op.drop_index(op.f('records_tasks_person_id_idx'), table_name='tasks', schema='records')
    op.drop_table('tasks', schema='records')
