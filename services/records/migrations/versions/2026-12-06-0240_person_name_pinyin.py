"""persons: the name's pinyin (full, and initials) for people search, filled for existing rows

Revision ID: r0e1e0000008
Revises: r0e1f0000009
Create Date: 2026-12-06 02:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from records.roster.pinyin import forms

revision: str = 'r0e1e0000008'
down_revision: str | None = 'r0e1f0000009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    op.add_column('persons', sa.Column('name_pinyin', sa.String(length=255), server_default='', nullable=False),
                  schema='records')
    op.add_column('persons', sa.Column('name_short', sa.String(length=255), server_default='', nullable=False),
                  schema='records')
    connection = op.get_bind()
    persons = sa.table('persons', sa.column('id'), sa.column('name'), sa.column('name_pinyin'),
                       sa.column('name_short'), schema='records')
    after = None
    while True:  # in batches of ids: a province's roster is a few hundred thousand names
        query = sa.select(persons.c.id, persons.c.name).order_by(persons.c.id).limit(BATCH)
        if after is not None:
            query = query.where(persons.c.id > after)
        rows = connection.execute(query).all()
        if not rows:
            break
        spelled = [{"pid": pid, "full": full, "short": short}
                   for pid, name in rows for full, short in [forms(name)]]
        connection.execute(sa.update(persons).where(persons.c.id == sa.bindparam('pid')).values(
            name_pinyin=sa.bindparam('full'), name_short=sa.bindparam('short')), spelled)
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_column('persons', 'name_short', schema='records')
    op.drop_column('persons', 'name_pinyin', schema='records')
