"""the keys of the idempotent writes the service committed, with their answers (a retry writes nothing twice)

Revision ID: d1e0a0000003
Revises: c3c0de000003
Create Date: 2026-12-06 05:20:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'd1e0a0000003'
down_revision: str | None = 'c3c0de000003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE quota.idempotency_keys (
            subject varchar(128) NOT NULL,
            key varchar(200) NOT NULL,
            status integer,
            content_type varchar(128),
            body bytea,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT idempotency_keys_pkey PRIMARY KEY (subject, key)
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE quota.idempotency_keys")
