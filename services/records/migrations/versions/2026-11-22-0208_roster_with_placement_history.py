"""roster with placement history

Revision ID: d2327f323e9b
Revises: a1c0de000001
Create Date: 2026-11-22 02:08:39.669623
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd2327f323e9b'
down_revision: str | None = 'a1c0de000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('persons',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('staff_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('persons_pkey')),
    sa.UniqueConstraint('staff_no', name=op.f('persons_staff_no_key')),
    schema='records'
    )
    op.create_table('regions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('parent_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['records.regions.id'], name=op.f('regions_parent_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('regions_pkey')),
    sa.UniqueConstraint('code', name=op.f('regions_code_key')),
    schema='records'
    )
    op.create_table('units',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('region_id', sa.UUID(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('evaluation_group', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('township', 'street', 'department', 'institution')", name=op.f('units_kind_check')),
    sa.ForeignKeyConstraint(['region_id'], ['records.regions.id'], name=op.f('units_region_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('units_pkey')),
    sa.UniqueConstraint('region_id', 'code', name='units_region_id_code_key'),
    schema='records'
    )
    op.create_index(op.f('records_units_region_id_idx'), 'units', ['region_id'], unique=False, schema='records')
    op.create_table('sections',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('coefficient', sa.Numeric(precision=6, scale=3), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['records.units.id'], name=op.f('sections_unit_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('sections_pkey')),
    sa.UniqueConstraint('unit_id', 'name', name='sections_unit_id_name_key'),
    schema='records'
    )
    op.create_index(op.f('records_sections_unit_id_idx'), 'sections', ['unit_id'], unique=False, schema='records')
    op.create_table('assignments',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('section_id', sa.UUID(), nullable=True),
    sa.Column('staff_category', sa.String(length=16), nullable=False),
    sa.Column('active_from', sa.Date(), nullable=False),
    sa.Column('active_to', sa.Date(), nullable=True),
    sa.CheckConstraint("staff_category IN ('leadership', 'middle', 'staff', 'non_staff')", name=op.f('assignments_staff_category_check')),
    sa.CheckConstraint('active_to IS NULL OR active_to >= active_from', name=op.f('assignments_range_check')),
    sa.ForeignKeyConstraint(['person_id'], ['records.persons.id'], name=op.f('assignments_person_id_fkey')),
    sa.ForeignKeyConstraint(['section_id'], ['records.sections.id'], name=op.f('assignments_section_id_fkey')),
    sa.ForeignKeyConstraint(['unit_id'], ['records.units.id'], name=op.f('assignments_unit_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('assignments_pkey')),
    schema='records'
    )
    op.create_index('assignments_unit_id_active_idx', 'assignments', ['unit_id', 'active_from', 'active_to'], unique=False, schema='records')
    op.create_index(op.f('records_assignments_person_id_idx'), 'assignments', ['person_id'], unique=False, schema='records')


def downgrade() -> None:
    op.drop_index(op.f('records_assignments_person_id_idx'), table_name='assignments', schema='records')
    op.drop_index('assignments_unit_id_active_idx', table_name='assignments', schema='records')
    op.drop_table('assignments', schema='records')
    op.drop_index(op.f('records_sections_unit_id_idx'), table_name='sections', schema='records')
    op.drop_table('sections', schema='records')
    op.drop_index(op.f('records_units_region_id_idx'), table_name='units', schema='records')
    op.drop_table('units', schema='records')
    op.drop_table('regions', schema='records')
    op.drop_table('persons', schema='records')
