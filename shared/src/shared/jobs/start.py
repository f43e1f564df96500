"""``start_job``: how a route starts long work.

The route checks its input and the caller's right to it as it always has, then hands the work to a
worker. The job is created and queued in one commit; a retry with the same ``Idempotency-Key``
(same caller, same kind) finds the same job and starts nothing. The call waits up to
``KAOHE_JOB_WAIT_SECONDS`` (1 s): a job done by then is answered with the body and status the
synchronous call has always had (or its problem+json); one still running with ``202 Accepted``,
``Location: /api/v1/<service>/jobs/<id>`` and the job.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from starlette.responses import JSONResponse, Response

from shared.errors import PROBLEM_JSON
from shared.jobs import store
from shared.jobs.schemas import JOB_EXAMPLE, JobRead, job_path, job_read
from shared.service_auth import Caller

#: ``responses=`` of a route that may answer with a job (its 2xx when done at once stays its own).
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": JobRead, "description": "Accepted: the work runs as a job, still under way after a second; "
                                           "`Location` is the job, to follow with `GET` until it has ended",
          "headers": {"Location": {"description": "the job's URL", "schema": {"type": "string"}}},
          "content": {"application/json": {"example": JOB_EXAMPLE}}},
}


def job_response(row: Any, service: str, *, status_code: int = 200) -> JSONResponse:
    body = jsonable_encoder(job_read(row, service))
    return JSONResponse(body, status_code=status_code, headers={"location": job_path(service, row.id)})


def answer(row: Any, service: str) -> Response:
    """What the call that started a job answers: the job's result or problem when ended, else 202."""
    location = {"content-location": job_path(service, row.id)}
    if row.state == "succeeded":
        status = row.result_status or 200
        if row.result is None and status == 204:
            return Response(status_code=204, headers=location)
        return JSONResponse(row.result, status_code=status, headers=location)
    if row.state == "failed" and row.problem:
        return JSONResponse(row.problem, status_code=int(row.problem.get("status", 500)), media_type=PROBLEM_JSON,
                            headers=location)
    return job_response(row, service, status_code=202 if row.state in ("queued", "running") else 200)


async def start_job(request: Request, kind: str, *, params: dict[str, Any] | None = None,
                    payload: bytes | None = None, region_id: uuid.UUID | str | None = None,
                    unit_id: uuid.UUID | str | None = None, total: int | None = None,
                    wait: float | None = None) -> Response:
    """Start the job ``kind`` (``<service>.<task>``) for the request's caller and answer as the module says.

    ``params``: JSON the handler reads (``ctx.params``); ``payload``: bytes it reads (``await ctx.payload()``,
    e.g. an uploaded file); ``region_id``/``unit_id``: whose work it is (its region's administrators may see
    it); ``wait``: seconds to wait (default ``KAOHE_JOB_WAIT_SECONDS``)."""
    app = request.app
    service: str = app.state.service
    caller: Caller = request.state.caller
    key = request.headers.get("idempotency-key") or None
    async with app.state.sessionmaker() as session:
        row, _ = await store.insert_job(session, service, kind=kind, requested_by=caller.subject, region_id=region_id,
                                        unit_id=unit_id, params=params, payload=payload,
                                        idempotency_key=key[:200] if key else None, total=total)
        await session.commit()
    row = await wait_for(app, row, app.state.settings.job_wait_seconds if wait is None else wait)
    return answer(row, service)


async def wait_for(app: Any, row: Any, seconds: float) -> Any:
    """The job's row once it has ended, or as it is after ``seconds``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    pause = 0.02
    while row.state in ("queued", "running") and loop.time() < deadline:
        await asyncio.sleep(min(pause, max(0.0, deadline - loop.time())))
        pause = min(pause * 1.5, 0.2)
        async with app.state.sessionmaker() as session:
            row = await store.read_job(session, row.id)
    return row
