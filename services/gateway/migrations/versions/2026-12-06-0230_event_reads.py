"""how far each user has read their event feed, per service

Revision ID: g0e1a0000001
Revises: c145a3b08874
Create Date: 2026-12-06 02:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'g0e1a0000001'
down_revision: str | None = 'c145a3b08874'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_reads',
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('records_after', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('scoring_after', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('subject', name=op.f('event_reads_pkey')),
    schema='gateway'
    )


def downgrade() -> None:
    op.drop_table('event_reads', schema='gateway')
