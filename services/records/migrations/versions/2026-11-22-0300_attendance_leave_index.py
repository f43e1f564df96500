"""attendance: an index of the leave days, for the summary's leave in the year

Revision ID: 5e1a7c3d9b20
Revises: 48f7a1a9ecef
Create Date: 2026-11-22 03:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5e1a7c3d9b20'
down_revision: str | None = '48f7a1a9ecef'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('attendance_leave_idx', 'attendance', ['person_id', 'day'], unique=False, schema='records',
                    postgresql_where=sa.text("status IN ('sick_leave', 'personal_leave')"))


def downgrade() -> None:
    op.drop_index('attendance_leave_idx', table_name='attendance', schema='records',
                  postgresql_where=sa.text("status IN ('sick_leave', 'personal_leave')"))
