"""the honours ledger (荣誉台账): honours of people and units, voided but kept

Revision ID: 3b9e5d1f7a42
Revises: 9b3e5f7a1c24
Create Date: 2026-12-05 13:50:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3b9e5d1f7a42'
down_revision: str | None = '9b3e5f7a1c24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('honours',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=True),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('awarded_by', sa.String(length=200), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.String(length=128), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("level IN ('national', 'provincial', 'city', 'county', 'township')",
                       name=op.f('honours_level_check')),
    sa.ForeignKeyConstraint(['person_id'], ['records.persons.id'], name=op.f('honours_person_id_fkey')),
    sa.ForeignKeyConstraint(['unit_id'], ['records.units.id'], name=op.f('honours_unit_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('honours_pkey')),
    schema='records'
    )
    op.create_index(op.f('records_honours_person_id_idx'), 'honours', ['person_id'], unique=False, schema='records')
    op.create_index(op.f('records_honours_unit_id_idx'), 'honours', ['unit_id'], unique=False, schema='records')
    op.create_index(op.f('records_honours_awarded_on_idx'), 'honours', ['awarded_on'], unique=False,
                    schema='records')


def downgrade() -> None:
    op.drop_index(op.f('records_honours_awarded_on_idx'), table_name='honours', schema='records')
    op.drop_index(op.f('records_honours_unit_id_idx'), table_name='honours', schema='records')
    op.drop_index(op.f('records_honours_person_id_idx'), table_name='honours', schema='records')
    op.drop_table('honours', schema='records')
