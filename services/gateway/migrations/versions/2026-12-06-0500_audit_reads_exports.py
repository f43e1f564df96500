"""the audit trail also keeps reads and exports of people's results: kind, the actor's role, rows

Revision ID: g0e1c0000003
Revises: g0e1a0000001
Create Date: 2026-12-06 05:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'g0e1c0000003'
down_revision: str | None = 'g0e1a0000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('audit_events', sa.Column('actor_role', sa.String(length=64), nullable=True), schema='gateway')
    op.add_column('audit_events', sa.Column('kind', sa.String(length=8), server_default='write', nullable=False),
                  schema='gateway')
    op.add_column('audit_events', sa.Column('row_count', sa.Integer(), nullable=True), schema='gateway')
    op.create_check_constraint(op.f('audit_events_kind_check'), 'audit_events',
                               "kind IN ('write', 'read', 'export')", schema='gateway')


def downgrade() -> None:
    op.drop_constraint(op.f('audit_events_kind_check'), 'audit_events', schema='gateway')
    op.drop_column('audit_events', 'row_count', schema='gateway')
    op.drop_column('audit_events', 'kind', schema='gateway')
    op.drop_column('audit_events', 'actor_role', schema='gateway')
