"""A job as callers see it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Row

JOB_EXAMPLE: dict[str, Any] = {
    "id": "6f1c2b9e-4d3a-4e8f-9b0a-1c2d3e4f5a6b", "kind": "records.import_roster", "state": "running",
    "phase": "checking rows", "done": 1200, "total": 5000,
    "region_id": "0b7c9a52-3e1f-4c6d-8a2b-9f0e1d2c3b4a", "unit_id": None,
    "requested_by": "user:2d1f6c8e-0b5a-4f0e-9d3c-7a8b9c0d1e2f",
    "created_at": "2026-12-06T21:40:00Z", "started_at": "2026-12-06T21:40:01Z", "finished_at": None,
    "elapsed_seconds": 3.2, "remaining_seconds": 10.1, "cancel_requested": False,
    "location": "/api/v1/records/jobs/6f1c2b9e-4d3a-4e8f-9b0a-1c2d3e4f5a6b",
    "result_location": None, "result": None, "problem": None,
}


class JobRead(BaseModel):
    """Long work run by a worker: where it is, and once ended its result or its problem."""

    model_config = ConfigDict(json_schema_extra={"examples": [JOB_EXAMPLE]})

    id: uuid.UUID
    kind: str = Field(description="what the job does: <service>.<task>, e.g. records.import_roster")
    state: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    phase: str = Field(description="the step it is at, in words (empty before it starts)")
    done: int = Field(description="units of work done (people, rows, units), of `total`")
    total: int | None = Field(default=None, description="units of work in all; null while not yet known")
    region_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    requested_by: str = Field(description="who started it")
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    elapsed_seconds: float | None = Field(default=None, description="since it started (to its end once ended)")
    remaining_seconds: float | None = Field(
        default=None, description="estimated from the pace so far; null before any progress or once ended")
    cancel_requested: bool
    location: str = Field(description="this job's URL")
    result_location: str | None = Field(default=None,
                                        description="once succeeded: where its result is read, if elsewhere")
    result: Any = Field(default=None, description="once succeeded: the body the call that started it answers when "
                                                  "done at once")
    problem: dict[str, Any] | None = Field(default=None, description="once failed: why (problem+json)")


def job_path(service: str, job_id: uuid.UUID | str) -> str:
    """The job's public URL path (the gateway forwards ``/api/v1/<service>/...`` as it is)."""
    return f"/api/v1/{service}/jobs/{job_id}"


def job_read(row: Row[Any], service: str, *, now: datetime | None = None) -> JobRead:
    now = now or datetime.now(UTC)
    elapsed = remaining = None
    if row.started_at is not None:
        elapsed = max(0.0, ((row.finished_at or now) - row.started_at).total_seconds())
        if row.finished_at is None and row.total and row.done and row.done < row.total:
            remaining = round(elapsed * (row.total - row.done) / row.done, 1)
        elapsed = round(elapsed, 1)
    return JobRead(
        id=row.id, kind=row.kind, state=row.state, phase=row.phase, done=row.done, total=row.total,
        region_id=row.region_id, unit_id=row.unit_id, requested_by=row.requested_by, created_at=row.created_at,
        started_at=row.started_at, finished_at=row.finished_at, elapsed_seconds=elapsed,
        remaining_seconds=remaining, cancel_requested=row.cancel_requested, location=job_path(service, row.id),
        result_location=row.result_location, result=row.result if row.state == "succeeded" else None,
        problem=row.problem)
