"""region staff-number width: staff numbers a spreadsheet turned into numbers are padded back to it

Revision ID: i27a0c0de001
Revises: r0e1d0000007
Create Date: 2026-12-06 03:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'i27a0c0de001'
down_revision: str | None = 'r0e1d0000007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('regions', sa.Column('staff_no_width', sa.SmallInteger(), nullable=True), schema='records')
    op.create_check_constraint(op.f('regions_staff_no_width_check'), 'regions', 'staff_no_width BETWEEN 1 AND 32',
                               schema='records')


def downgrade() -> None:
    op.drop_constraint(op.f('regions_staff_no_width_check'), 'regions', schema='records')
    op.drop_column('regions', 'staff_no_width', schema='records')
