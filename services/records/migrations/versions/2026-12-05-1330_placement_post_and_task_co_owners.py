"""a placement's post (岗位); a task's co-owners (协办) and the lead's share

Revision ID: 9b3e5f7a1c24
Revises: 7c2d4e6f8a10
Create Date: 2026-12-05 13:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '9b3e5f7a1c24'
down_revision: str | None = '7c2d4e6f8a10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('assignments', sa.Column('post', sa.String(length=64), nullable=True), schema='records')
    op.add_column('tasks', sa.Column('lead_share', sa.Numeric(precision=5, scale=4), server_default='1',
                                     nullable=False), schema='records')
    op.create_check_constraint(op.f('tasks_lead_share_check'), 'tasks', 'lead_share > 0 AND lead_share <= 1',
                               schema='records')
    op.create_table(
        'task_co_owners',
        sa.Column('task_id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('person_id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('share', sa.Numeric(precision=5, scale=4), nullable=False),
        sa.CheckConstraint('share > 0 AND share < 1', name=op.f('task_co_owners_share_check')),
        sa.ForeignKeyConstraint(['person_id'], ['records.persons.id'], name=op.f('task_co_owners_person_id_fkey')),
        sa.ForeignKeyConstraint(['task_id'], ['records.tasks.id'], name=op.f('task_co_owners_task_id_fkey')),
        sa.PrimaryKeyConstraint('task_id', 'person_id', name=op.f('task_co_owners_pkey')),
        schema='records',
    )
    op.create_index(op.f('records_task_co_owners_person_id_idx'), 'task_co_owners', ['person_id'], unique=False,
                    schema='records')


def downgrade() -> None:
    op.drop_index(op.f('records_task_co_owners_person_id_idx'), table_name='task_co_owners', schema='records')
    op.drop_table('task_co_owners', schema='records')
    op.drop_constraint(op.f('tasks_lead_share_check'), 'tasks', schema='records', type_='check')
    op.drop_column('tasks', 'lead_share', schema='records')
    op.drop_column('assignments', 'post', schema='records')
