"""users, refresh tokens, api keys, audit trail

Revision ID: 3868397aa3e5
Revises: e4c0de000001
Create Date: 2026-11-22 02:18:17.870955
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '3868397aa3e5'
down_revision: str | None = 'e4c0de000001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('scopes', postgresql.ARRAY(sa.String(length=64)), nullable=False),
    sa.Column('region_id', sa.UUID(), nullable=True),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('api_keys_pkey')),
    sa.UniqueConstraint('key_hash', name=op.f('api_keys_key_hash_key')),
    schema='gateway'
    )
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('actor_name', sa.String(length=128), nullable=False),
    sa.Column('region_id', sa.UUID(), nullable=True),
    sa.Column('unit_id', sa.UUID(), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('route', sa.String(length=256), nullable=False),
    sa.Column('target_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('client_ip', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('audit_events_pkey')),
    schema='gateway'
    )
    op.create_index(op.f('gateway_audit_events_actor_id_idx'), 'audit_events', ['actor_id'], unique=False, schema='gateway')
    op.create_index(op.f('gateway_audit_events_at_idx'), 'audit_events', ['at'], unique=False, schema='gateway')
    op.create_index(op.f('gateway_audit_events_unit_id_idx'), 'audit_events', ['unit_id'], unique=False, schema='gateway')
    op.create_table('users',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('region_id', sa.UUID(), nullable=True),
    sa.Column('unit_id', sa.UUID(), nullable=True),
    sa.Column('person_id', sa.UUID(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('province_admin', 'region_admin', 'unit_admin', 'leader', 'member')", name=op.f('users_role_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('users_pkey')),
    sa.UniqueConstraint('username', name=op.f('users_username_key')),
    schema='gateway'
    )
    op.create_table('refresh_tokens',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['gateway.users.id'], name=op.f('refresh_tokens_user_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('refresh_tokens_pkey')),
    sa.UniqueConstraint('token_hash', name=op.f('refresh_tokens_token_hash_key')),
    schema='gateway'
    )
    op.create_index(op.f('gateway_refresh_tokens_user_id_idx'), 'refresh_tokens', ['user_id'], unique=False, schema='gateway')
    # The audit trail is append-only at the database, whatever the code does.
    op.execute("""
        CREATE FUNCTION gateway.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END $$
    """)
    op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON gateway.audit_events "
               "FOR EACH ROW EXECUTE FUNCTION gateway.refuse_change()")


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_events_append_only ON gateway.audit_events")
    op.execute("DROP FUNCTION gateway.refuse_change()")
    op.drop_index(op.f('gateway_refresh_tokens_user_id_idx'), table_name='refresh_tokens', schema='gateway')
    op.drop_table('refresh_tokens', schema='gateway')
    op.drop_table('users', schema='gateway')
    op.drop_index(op.f('gateway_audit_events_unit_id_idx'), table_name='audit_events', schema='gateway')
    op.drop_index(op.f('gateway_audit_events_at_idx'), table_name='audit_events', schema='gateway')
    op.drop_index(op.f('gateway_audit_events_actor_id_idx'), table_name='audit_events', schema='gateway')
    op.drop_table('audit_events', schema='gateway')
    op.drop_table('api_keys', schema='gateway')
