"""Each service's job routes: ``GET …/jobs/{job_id}``, ``GET …/jobs``, ``POST …/jobs/{job_id}/cancel``.

A job is seen by whoever started it and by the administrators of its region (a province administrator
sees every region's); anyone else is answered 404, as for any object outside their scope. Parts of a
job (its sub-tasks) are not listed: their parent shows their progress.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import ConfigDict
from sqlalchemy import Row, and_, false, or_, select

from shared.db import SessionDep
from shared.errors import NotFound
from shared.jobs import store
from shared.jobs.errors import JobFinished
from shared.jobs.schemas import JOB_EXAMPLE, JobRead, job_read
from shared.pagination import Page, PageDep
from shared.service_auth import Caller, CallerDep

J = store.JOBS.c


class JobPage(Page[JobRead]):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [JOB_EXAMPLE], "next": None}]})


class JobNotFound(NotFound):
    code = "job_not_found"
    title = "No such job"


def sees(caller: Caller, row: Row[Any]) -> bool:
    """Whoever started the job, and the administrators of its region."""
    return row.requested_by == caller.subject or caller.is_province_wide or (
        row.region_id is not None and caller.administers_region(row.region_id))


async def visible_job(session: Any, caller: Caller, job_id: uuid.UUID, *, lock: bool = False) -> Row[Any]:
    row = await store.read_job(session, job_id, lock=lock)
    if row is None or row.parent_id is not None or not sees(caller, row):
        raise JobNotFound(f"no job {job_id}")
    return row


JobId = Annotated[uuid.UUID, Path(description="the job's id (its `Location`)")]


def jobs_router(service: str) -> APIRouter:
    """The job routes of ``service`` (operationIds ``get<Service>Job`` …: one document holds every service's)."""
    router = APIRouter(prefix=f"/api/v1/{service}/jobs", tags=["jobs"])

    @router.get("/{job_id}", response_model=JobRead, name=f"get_{service}_job", summary=f"A {service} job")
    async def get_job(job_id: JobId, session: SessionDep, caller: CallerDep) -> JobRead:
        """Where a job of long work is: queued, running (progress: `done` of `total`, `phase`, elapsed and estimated
        remaining seconds) or ended — succeeded with its `result` (the body the call that started it answers when
        done at once) and `result_location`, failed with its `problem`, or cancelled. Follow the `Location` of a
        `202 Accepted` here until `state` is no longer queued or running.

        Callers: whoever started the job, and the administrators of its region; anyone else gets 404."""
        return job_read(await visible_job(session, caller, job_id), service)

    @router.get("", response_model=JobPage, name=f"list_{service}_jobs", summary=f"Recent {service} jobs")
    async def list_jobs(session: SessionDep, caller: CallerDep, page: PageDep,
                        state: Annotated[str | None, Query(
                            pattern="^(queued|running|succeeded|failed|cancelled)$",
                            description="only jobs in this state")] = None) -> JobPage:
        """The caller's own jobs and, for a region's administrators, every job of their regions; newest first.

        Callers: every signed-in role (each sees the jobs they may see)."""
        statement = select(store.JOBS).where(J.parent_id.is_(None))
        if not caller.is_province_wide:
            regions = [uuid.UUID(r) for r in caller.region_ids]
            statement = statement.where(or_(J.requested_by == caller.subject,
                                            J.region_id.in_(regions) if regions else false()))
        if state is not None:
            statement = statement.where(and_(J.state == state))
        rows, last = await page.fetch(session, statement, [J.created_at, J.id], lambda r: (r.created_at, r.id),
                                      descending=True)
        return page.page(JobPage, [job_read(r, service) for r in rows], last)

    @router.post("/{job_id}/cancel", response_model=JobRead, name=f"cancel_{service}_job",
                 summary=f"Cancel a {service} job")
    async def cancel_job(job_id: JobId, session: SessionDep, caller: CallerDep) -> JobRead:
        """Ask a job to stop before it commits: a queued job ends as cancelled at once; a running one stops at its
        next check (`cancel_requested` true until then) and nothing of it is written. A job that has ended is a 409.

        Callers: whoever started the job, and the administrators of its region; anyone else gets 404."""
        row = await visible_job(session, caller, job_id, lock=True)
        if row.state in ("succeeded", "failed", "cancelled"):
            raise JobFinished(f"the job ended as {row.state}")
        asked = await store.request_cancel(session, job_id)
        if asked is not None and asked.state == "queued":
            await store.finish(session, service, job_id, "cancelled")
        await session.flush()
        return job_read(await visible_job(session, caller, job_id), service)

    return router
