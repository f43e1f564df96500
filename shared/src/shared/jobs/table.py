"""The ``jobs`` table each service keeps in its own schema, and the queue's tables beside it.

A job row is what callers see (state, progress, result or problem); the queue's rows (pgqueuer's
``pgqueuer`` table and its log, in the same schema) are how workers find work: each queue entry
carries a job id. Both are created by the service's own Alembic migration (:func:`upgrade_sql`),
never at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

if TYPE_CHECKING:
    from pgqueuer.domain.settings import DBSettings

STATES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")


def job_table(metadata: MetaData) -> Table:
    """The ``jobs`` table of a service's schema (its migration creates the same with :func:`upgrade_sql`)."""
    return Table(
        "jobs", metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("kind", String(80), nullable=False),
        Column("state", String(16), nullable=False, server_default="queued"),
        Column("region_id", UUID(as_uuid=True)),
        Column("unit_id", UUID(as_uuid=True)),
        Column("requested_by", String(128), nullable=False),
        Column("idempotency_key", String(200)),
        Column("params", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        # bytes a job works on that JSON cannot carry (an uploaded file), kept until the job ends
        Column("payload", LargeBinary),
        Column("phase", Text, nullable=False, server_default=""),
        Column("done", Integer, nullable=False, server_default="0"),
        Column("total", Integer),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("started_at", DateTime(timezone=True)),
        Column("finished_at", DateTime(timezone=True)),
        Column("cancel_requested", Boolean, nullable=False, server_default=text("false")),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("result_location", Text),
        Column("result", JSONB),
        Column("result_status", Integer),
        Column("problem", JSONB),
        # sub-tasks: a part of a parent job; the parent waits for ``pending`` parts, then runs ``then_kind``
        Column("parent_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE")),
        Column("pending", Integer, nullable=False, server_default="0"),
        Column("then_kind", String(80)),
        Column("then_params", JSONB),
        Column("finishes_parent", Boolean, nullable=False, server_default=text("false")),
        CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name="state"),
        CheckConstraint("done >= 0 AND (total IS NULL OR total >= 0)", name="progress"),
        UniqueConstraint("requested_by", "kind", "idempotency_key", name="jobs_idempotency_key_key"),
        Index("jobs_requested_by_idx", "requested_by", "created_at"),
        Index("jobs_region_id_idx", "region_id", "created_at"),
        Index("jobs_parent_id_idx", "parent_id", postgresql_where=text("parent_id IS NOT NULL")),
    )


def queue_settings(schema: str) -> DBSettings:
    """pgqueuer's objects in the service's schema, with a channel of the service's own (NOTIFY channels are
    shared by every schema of a database). pgqueuer is imported when first needed: a web process that starts
    no job does not pay for it at start."""
    from pgqueuer.domain.settings import DBSettings

    return DBSettings(db_schema=schema, channel=f"{schema}_jobs")


def upgrade_sql(schema: str) -> list[str]:
    """The statements a service's migration runs to create the queue's tables (pgqueuer 1.6's, in its
    schema), one by one (``pgq install`` would send them as one script); the ``jobs`` table itself the
    migration creates from :func:`job_table`. A later pgqueuer that changes its tables comes with a
    migration of its own."""
    from pgqueuer.adapters.persistence.schema_ddl import (
        render_enum,
        render_function,
        render_index,
        render_table,
        render_trigger,
    )
    from pgqueuer.domain.schema.declaration import target

    settings = queue_settings(schema)
    declared = target(settings)
    return [*(render_enum(entry, settings) for entry in declared.enums),
            *(render_table(entry, settings) for entry in declared.tables),
            *(render_index(entry, settings) for entry in declared.indexes),
            *(render_function(entry, settings) for entry in declared.functions),
            *(render_trigger(entry, settings) for entry in declared.triggers)]


def downgrade_sql(schema: str) -> list[str]:
    from pgqueuer.adapters.persistence.schema_ddl import render_uninstall

    return render_uninstall(queue_settings(schema)).splitlines()
