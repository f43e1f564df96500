"""sessions (one per sign-in, the family of its refresh tokens), forced password changes, last sign-in

Revision ID: g0e1b0000002
Revises: g0e1c0000003
Create Date: 2026-12-06 05:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'g0e1b0000002'
down_revision: str | None = 'g0e1c0000003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), server_default='false', nullable=False),
                  schema='gateway')
    op.add_column('users', sa.Column('password_one_time', sa.Boolean(), server_default='false', nullable=False),
                  schema='gateway')
    op.add_column('users', sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True), schema='gateway')
    op.create_table('sessions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('password_change_only', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['gateway.users.id'], name=op.f('sessions_user_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('sessions_pkey')),
    schema='gateway'
    )
    op.create_index(op.f('gateway_sessions_user_id_idx'), 'sessions', ['user_id'], unique=False, schema='gateway')
    op.add_column('refresh_tokens', sa.Column('session_id', sa.UUID(), nullable=True), schema='gateway')
    # Each refresh token issued before sessions existed becomes a session of its own.
    op.execute("INSERT INTO gateway.sessions (id, user_id, created_at, revoked_at) "
               "SELECT id, user_id, created_at, revoked_at FROM gateway.refresh_tokens")
    op.execute("UPDATE gateway.refresh_tokens SET session_id = id")
    op.alter_column('refresh_tokens', 'session_id', nullable=False, schema='gateway')
    op.create_index(op.f('gateway_refresh_tokens_session_id_idx'), 'refresh_tokens', ['session_id'], unique=False,
                    schema='gateway')
    op.create_foreign_key(op.f('refresh_tokens_session_id_fkey'), 'refresh_tokens', 'sessions', ['session_id'],
                          ['id'], source_schema='gateway', referent_schema='gateway')


def downgrade() -> None:
    op.drop_constraint(op.f('refresh_tokens_session_id_fkey'), 'refresh_tokens', schema='gateway',
                       type_='foreignkey')
    op.drop_index(op.f('gateway_refresh_tokens_session_id_idx'), table_name='refresh_tokens', schema='gateway')
    op.drop_column('refresh_tokens', 'session_id', schema='gateway')
    op.drop_index(op.f('gateway_sessions_user_id_idx'), table_name='sessions', schema='gateway')
    op.drop_table('sessions', schema='gateway')
    op.drop_column('users', 'last_sign_in_at', schema='gateway')
    op.drop_column('users', 'password_one_time', schema='gateway')
    op.drop_column('users', 'must_change_password', schema='gateway')
