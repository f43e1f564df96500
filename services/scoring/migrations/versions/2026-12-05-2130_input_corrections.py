"""corrections of a period's inputs: voided items and events, the history of changes, stale results

A bonus or deduction item and a negative-list event can be voided (kept, with who and why, and
left out of every close); amendments, voids and changed marks are kept in ``input_changes`` with
their old and new values. Every write of a period's inputs counts up its serial in
``input_states``; a result version keeps the serial it was computed at in ``close_inputs``, so a
version computed before a change shows as stale.

Revision ID: d0e1d0000013
Revises: d0e1a0000010
Create Date: 2026-12-05 21:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "d0e1d0000013"
down_revision: str | None = "d0e1a0000010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("adjustments", "negative_events"):
        op.execute(f"ALTER TABLE scoring.{table} ADD COLUMN voided_at timestamptz, "
                   "ADD COLUMN voided_by varchar(128), ADD COLUMN void_reason text")
    op.execute("""
        CREATE TABLE scoring.input_changes (
            id uuid NOT NULL,
            scheme_id uuid NOT NULL,
            period varchar(7) NOT NULL,
            kind varchar(16) NOT NULL,
            action varchar(8) NOT NULL,
            object_id uuid,
            person_id uuid NOT NULL,
            old jsonb,
            new jsonb,
            reason text,
            serial bigint NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            changed_by varchar(128) NOT NULL,
            CONSTRAINT input_changes_pkey PRIMARY KEY (id),
            CONSTRAINT input_changes_scheme_id_fkey FOREIGN KEY (scheme_id) REFERENCES scoring.schemes (id),
            CONSTRAINT input_changes_kind_check CHECK (kind IN ('adjustment', 'negative_event', 'mark')),
            CONSTRAINT input_changes_action_check CHECK (action IN ('add', 'amend', 'void'))
        )""")
    op.execute("CREATE INDEX ix_input_changes_period ON scoring.input_changes (scheme_id, period, serial)")
    op.execute("""
        CREATE TABLE scoring.input_states (
            scheme_id uuid NOT NULL,
            period varchar(7) NOT NULL,
            serial bigint NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            CONSTRAINT input_states_pkey PRIMARY KEY (scheme_id, period),
            CONSTRAINT input_states_scheme_id_fkey FOREIGN KEY (scheme_id) REFERENCES scoring.schemes (id)
        )""")
    op.execute("""
        CREATE TABLE scoring.close_inputs (
            close_id uuid NOT NULL,
            serial bigint NOT NULL,
            CONSTRAINT close_inputs_pkey PRIMARY KEY (close_id),
            CONSTRAINT close_inputs_close_id_fkey FOREIGN KEY (close_id) REFERENCES scoring.closes (id)
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE scoring.close_inputs")
    op.execute("DROP TABLE scoring.input_states")
    op.execute("DROP TABLE scoring.input_changes")
    for table in ("adjustments", "negative_events"):
        op.execute(f"ALTER TABLE scoring.{table} DROP COLUMN voided_at, DROP COLUMN voided_by, "
                   "DROP COLUMN void_reason")
