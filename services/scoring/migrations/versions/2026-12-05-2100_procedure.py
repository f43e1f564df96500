"""the evaluation procedure: runs and their stage history, calendar overrides, objection decisions

A period of a scheme with a procedure is run stage by stage (procedure_runs, procedure_stages);
a province administrator's working-day overrides (calendar_days); an objection's decision is
upheld or rejected, with its reason kept apart (what was the free decision text is now
decision_reason).

Revision ID: d0e1b0000011
Revises: b8c6d0000009
Create Date: 2026-12-05 21:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "d0e1b0000011"
down_revision: str | None = "b8c6d0000009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE scoring.procedure_runs (
            id uuid NOT NULL,
            scheme_id uuid NOT NULL,
            period varchar(6) NOT NULL,
            stages jsonb NOT NULL,
            stage integer NOT NULL,
            window_opened_on date,
            window_starts_on date,
            window_ends_on date,
            draft_close_id uuid,
            final_close_id uuid,
            created_at timestamptz DEFAULT now() NOT NULL,
            created_by varchar(128) NOT NULL,
            CONSTRAINT procedure_runs_pkey PRIMARY KEY (id),
            CONSTRAINT procedure_runs_scheme_id_key UNIQUE (scheme_id, period),
            CONSTRAINT procedure_runs_scheme_id_fkey FOREIGN KEY (scheme_id) REFERENCES scoring.schemes (id),
            CONSTRAINT procedure_runs_draft_close_id_fkey FOREIGN KEY (draft_close_id) REFERENCES scoring.closes (id),
            CONSTRAINT procedure_runs_final_close_id_fkey FOREIGN KEY (final_close_id) REFERENCES scoring.closes (id)
        )""")
    op.execute("""
        CREATE TABLE scoring.procedure_stages (
            id uuid NOT NULL,
            run_id uuid NOT NULL,
            stage integer NOT NULL,
            code varchar(32) NOT NULL,
            opened_at timestamptz DEFAULT now() NOT NULL,
            opened_on date NOT NULL,
            opened_by varchar(128) NOT NULL,
            closed_at timestamptz,
            closed_on date,
            closed_by varchar(128),
            moved_back boolean DEFAULT false NOT NULL,
            reason text,
            missing_ballots integer,
            CONSTRAINT procedure_stages_pkey PRIMARY KEY (id),
            CONSTRAINT procedure_stages_run_id_fkey FOREIGN KEY (run_id) REFERENCES scoring.procedure_runs (id)
        )""")
    op.execute("CREATE INDEX ix_procedure_stages_run ON scoring.procedure_stages (run_id, opened_at)")
    op.execute("""
        CREATE TABLE scoring.calendar_days (
            day date NOT NULL,
            workday boolean NOT NULL,
            note varchar(200) NOT NULL,
            updated_at timestamptz DEFAULT now() NOT NULL,
            updated_by varchar(128) NOT NULL,
            CONSTRAINT calendar_days_pkey PRIMARY KEY (day)
        )""")
    op.execute("ALTER TABLE scoring.objections ADD COLUMN decision_reason text")
    op.execute("UPDATE scoring.objections SET decision_reason = decision, decision = CASE status "
               "WHEN 'accepted' THEN 'upheld' WHEN 'rejected' THEN 'rejected' END")
    op.execute("ALTER TABLE scoring.objections ALTER COLUMN decision TYPE varchar(10)")
    op.execute("ALTER TABLE scoring.objections ADD CONSTRAINT objections_decision_check "
               "CHECK (decision IN ('upheld', 'rejected'))")


def downgrade() -> None:
    op.execute("ALTER TABLE scoring.objections DROP CONSTRAINT objections_decision_check")
    op.execute("ALTER TABLE scoring.objections ALTER COLUMN decision TYPE text")
    op.execute("UPDATE scoring.objections SET decision = decision_reason")
    op.execute("ALTER TABLE scoring.objections DROP COLUMN decision_reason")
    op.execute("DROP TABLE scoring.calendar_days")
    op.execute("DROP TABLE scoring.procedure_stages")
    op.execute("DROP TABLE scoring.procedure_runs")
