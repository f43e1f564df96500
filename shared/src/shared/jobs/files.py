"""Jobs whose result is a file (a large export), and jobs that act for their caller.

A large export runs as a job like any long work; its file is kept beside the job, in the service's
``job_files`` table, until the job is pruned (``KAOHE_JOB_KEEP_DAYS`` after it ended, ``shared.jobs.prune``),
and the job's ``result_location`` is its download,
``GET /api/v1/<service>/jobs/<id>/file``. The download is authorised as the job is (``shared.jobs.routes.sees``): its
requester, or an administrator of its region; anyone else gets 404, as for an object of another region. Handing out the
file is what the audit trail files as the export (its rows and objects, kept with the file), as the
synchronous download always was. An export done within the call's wait is answered as the synchronous
one: the same bytes, the same headers.

A handler acts for the caller who started the job: the route puts the caller in the job's parameters
(:func:`caller_params`), the handler takes it back (:func:`caller_of`) and checks the objects again as the
route did.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from shared.errors import Conflict, NotFound
from shared.jobs import store
from shared.jobs.context import JobContext
from shared.jobs.routes import visible_job
from shared.jobs.schemas import job_path
from shared.jobs.start import answer, wait_for
from shared.service_auth import Caller, CallerDep
from shared.touched import disclose, touch

FILE_COLUMNS = ("job_id", "media_type", "disposition", "rows", "about", "body")


def job_files_table(metadata: MetaData) -> Table:
    """The ``job_files`` table of a service's schema: one file per job that made one (its migration creates
    the same)."""
    return Table(
        "job_files", metadata,
        Column("job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
        Column("media_type", String(128), nullable=False),
        Column("disposition", Text, nullable=False),
        # what the download discloses to the audit trail: rows handed out, and the objects they are of
        Column("rows", Integer, nullable=False),
        Column("about", JSONB, nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


FILES = job_files_table(MetaData())


@dataclass(frozen=True)
class ExportFile:
    """An export as it is handed out: the bytes, their type and name, and what the audit trail is told."""

    body: bytes
    media_type: str
    disposition: str
    rows: int
    about: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, response: Response, rows: int, about: dict[str, object]) -> ExportFile:
        """The file a synchronous download route would answer (``response``)."""
        return cls(body=bytes(response.body), media_type=str(response.media_type or
                                                            response.headers["content-type"]),
                   disposition=response.headers["content-disposition"], rows=rows,
                   about={k: str(v) for k, v in about.items() if v is not None})

    def response(self, headers: dict[str, str] | None = None) -> Response:
        """The download, told to the audit trail as an export of its rows."""
        disclose("export", self.rows, **self.about)
        return Response(self.body, media_type=self.media_type,
                        headers={"content-disposition": self.disposition, **(headers or {})})


def caller_params(caller: Caller) -> dict[str, Any]:
    """The caller as a job's parameters carry it (see :func:`caller_of`)."""
    return {"caller": asdict(caller)}


def caller_of(ctx: JobContext) -> Caller:
    """The caller who started the job, as the route saw them."""
    found: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in ctx.params["caller"].items()}
    return Caller(**found)


def file_path(service: str, job_id: uuid.UUID | str) -> str:
    return f"{job_path(service, job_id)}/file"


async def keep_file(ctx: JobContext, session: AsyncSession, file: ExportFile) -> None:
    """The handler's end: the file kept with the job, the job ended with where to download it, one commit."""
    service = ctx.schema
    await ctx.check_cancelled(session)  # the job's row locked: a second run (a late heartbeat) waits here
    # the second run finds the first's file, and its commit rolls back (``JobContext.commit``)
    await session.execute(insert(FILES).values(job_id=ctx.job_id, media_type=file.media_type,
                                               disposition=file.disposition, rows=file.rows, about=file.about,
                                               body=file.body).on_conflict_do_nothing())
    location = file_path(service, ctx.job_id)
    await ctx.commit(session, {"file": location, "media_type": file.media_type, "bytes": len(file.body),
                               "rows": file.rows}, location=location, status=200)


async def read_file(session: AsyncSession, job_id: uuid.UUID) -> ExportFile | None:
    row = (await session.execute(select(FILES.c.media_type, FILES.c.disposition, FILES.c.rows, FILES.c.about,
                                        FILES.c.body).where(FILES.c.job_id == job_id))).one_or_none()
    if row is None:
        return None
    return ExportFile(body=bytes(row.body), media_type=row.media_type, disposition=row.disposition, rows=row.rows,
                      about=dict(row.about))


async def start_export(request: Request, kind: str, *, params: dict[str, Any], caller: Caller,
                       region_id: uuid.UUID | str | None = None, unit_id: uuid.UUID | str | None = None,
                       total: int | None = None) -> Response:
    """Start an export job for the caller; answer with its file, as the synchronous download, when it is done
    within ``KAOHE_JOB_WAIT_SECONDS``, else ``202 Accepted`` with the job."""
    app = request.app
    service: str = app.state.service
    key = request.headers.get("idempotency-key") or None
    async with app.state.sessionmaker() as session:
        row, _ = await store.insert_job(session, service, kind=kind, requested_by=caller.subject,
                                        region_id=region_id, unit_id=unit_id,
                                        params={**params, **caller_params(caller)},
                                        idempotency_key=key[:200] if key else None, total=total)
        await session.commit()
    row = await wait_for(app, row, app.state.settings.job_wait_seconds)
    if row.state == "succeeded":
        async with app.state.sessionmaker() as session:
            file = await read_file(session, row.id)
        if file is not None:
            return file.response({"content-location": file_path(service, row.id)})
    return answer(row, service)


class JobFileNotFound(NotFound):
    code = "job_file_not_found"
    title = "No such job with a file"


class JobFileNotReady(Conflict):
    code = "job_file_not_ready"
    title = "The job has not made its file yet"


JobId = Annotated[uuid.UUID, Path(description="the job's id, from the `Location` of the call that started it")]


def file_router(service: str) -> APIRouter:
    """``GET /api/v1/<service>/jobs/{job_id}/file``: an export job's file."""
    router = APIRouter(prefix=f"/api/v1/{service}", tags=["jobs"])

    # one operation per service in the merged document: downloadRecordsJobFile, downloadScoringJobFile ...
    @router.get("/jobs/{job_id}/file", response_class=Response, summary="Download a job's file",
                name=f"download_{service}_job_file",
                responses={200: {"description": "the file the export made (an XLSX or CSV attachment)",
                                 "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                     "format": "binary"}}}},
                           409: {"description": "the job has not succeeded (yet)"}})
    async def download_job_file(job_id: JobId, request: Request, caller: CallerDep) -> Response:
        """The file an export job made, once it has succeeded: the same bytes and headers as the export's own
        route answers when it is done at once.

        Callers: who started the job, and its region's administrators. Errors: 404 `job_not_found` for a job
        the caller may not see, `job_file_not_found` for one that makes no file; 409 `job_file_not_ready` while
        it runs, or when it failed or was cancelled (the job says why)."""
        async with request.app.state.sessionmaker() as session:
            row = await store.read_job(session, job_id)
            if row is not None:
                touch(region_id=row.region_id, unit_id=row.unit_id)
            row = await visible_job(session, caller, job_id)  # 404 job_not_found, as for the job itself
            if row.state != "succeeded":
                raise JobFileNotReady(f"job {job_id} is {row.state}: its file is made when it succeeds")
            file = await read_file(session, job_id)
        if file is None:
            raise JobFileNotFound(f"no job {job_id} with a file")
        return file.response()

    return router
