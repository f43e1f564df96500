"""tasks: a member's report of 100 awaits the unit's confirmation; the confirmed day is kept

Revision ID: 7c2d4e6f8a10
Revises: 5e1a7c3d9b20
Create Date: 2026-12-05 09:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7c2d4e6f8a10'
down_revision: str | None = '5e1a7c3d9b20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column('tasks', 'status', type_=sa.String(length=24), existing_type=sa.String(length=16),
                    existing_nullable=False, schema='records')
    op.drop_constraint(op.f('tasks_status_check'), 'tasks', schema='records', type_='check')
    op.create_check_constraint(op.f('tasks_status_check'), 'tasks',
                               "status IN ('open', 'awaiting_confirmation', 'done', 'cancelled')", schema='records')
    op.add_column('tasks', sa.Column('completed_on', sa.Date(), nullable=True), schema='records')
    op.drop_constraint(op.f('task_updates_kind_check'), 'task_updates', schema='records', type_='check')
    op.create_check_constraint(op.f('task_updates_kind_check'), 'task_updates',
                               "kind IN ('progress', 'rectification', 'confirmation')", schema='records')


def downgrade() -> None:
    op.execute("DELETE FROM records.task_updates WHERE kind = 'confirmation'")
    op.drop_constraint(op.f('task_updates_kind_check'), 'task_updates', schema='records', type_='check')
    op.create_check_constraint(op.f('task_updates_kind_check'), 'task_updates', "kind IN ('progress', 'rectification')",
                               schema='records')
    op.drop_column('tasks', 'completed_on', schema='records')
    op.execute("UPDATE records.tasks SET status = 'open' WHERE status = 'awaiting_confirmation'")
    op.drop_constraint(op.f('tasks_status_check'), 'tasks', schema='records', type_='check')
    op.create_check_constraint(op.f('tasks_status_check'), 'tasks', "status IN ('open', 'done', 'cancelled')",
                               schema='records')
    op.alter_column('tasks', 'status', type_=sa.String(length=16), existing_type=sa.String(length=24),
                    existing_nullable=False, schema='records')
