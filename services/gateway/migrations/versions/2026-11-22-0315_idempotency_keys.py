"""idempotency keys

Revision ID: c145a3b08874
Revises: 3868397aa3e5
Create Date: 2026-11-22 03:15:56.332649
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c145a3b08874'
down_revision: str | None = '3868397aa3e5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idempotency_keys',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=128), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('key', 'subject', name=op.f('idempotency_keys_pkey')),
    schema='gateway'
    )
    op.create_index(op.f('gateway_idempotency_keys_created_at_idx'), 'idempotency_keys', ['created_at'], unique=False, schema='gateway')


def downgrade() -> None:
    op.drop_index(op.f('gateway_idempotency_keys_created_at_idx'), table_name='idempotency_keys', schema='gateway')
    op.drop_table('idempotency_keys', schema='gateway')
