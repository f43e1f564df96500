"""monthly reports and leader comments

Revision ID: 8af8d362d2d7
Revises: 70b529c963ee
Create Date: 2026-11-22 02:57:26.535057
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8af8d362d2d7'
down_revision: str | None = '70b529c963ee'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('leader_comments',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('target_kind', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('leader', sa.String(length=128), nullable=False),
    sa.Column('mark', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("target_kind IN ('work_log', 'monthly_report')", name=op.f('leader_comments_target_kind_check')),
    sa.CheckConstraint('mark >= 0 AND mark <= 100', name=op.f('leader_comments_mark_check')),
    sa.ForeignKeyConstraint(['person_id'], ['records.persons.id'], name=op.f('leader_comments_person_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('leader_comments_pkey')),
    sa.UniqueConstraint('target_kind', 'target_id', 'leader', name='leader_comments_target_leader_key'),
    schema='records'
    )
    op.create_index(op.f('records_leader_comments_person_id_idx'), 'leader_comments', ['person_id'], unique=False, schema='records')
    op.create_table('monthly_reports',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('achievements', sa.Text(), nullable=True),
    sa.Column('submitted_by', sa.String(length=128), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name=op.f('monthly_reports_month_check')),
    sa.ForeignKeyConstraint(['person_id'], ['records.persons.id'], name=op.f('monthly_reports_person_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('monthly_reports_pkey')),
    sa.UniqueConstraint('person_id', 'year', 'month', name='monthly_reports_person_month_key'),
    schema='records'
    )
    op.create_index(op.f('records_monthly_reports_person_id_idx'), 'monthly_reports', ['person_id'], unique=False, schema='records')
    op.create_index(op.f('records_monthly_reports_unit_id_idx'), 'monthly_reports', ['unit_id'], unique=False, schema='records')


def downgrade() -> None:
    op.drop_index(op.f('records_monthly_reports_unit_id_idx'), table_name='monthly_reports', schema='records')
    op.drop_index(op.f('records_monthly_reports_person_id_idx'), table_name='monthly_reports', schema='records')
    op.drop_table('monthly_reports', schema='records')
    op.drop_index(op.f('records_leader_comments_person_id_idx'), table_name='leader_comments', schema='records')
    op.drop_table('leader_comments', schema='records')
