"""Large imports as jobs: a file or a stream of at least ``RECORDS_IMPORT_JOB_BYTES`` is kept with a job and
imported by the records worker, all or nothing as ever; the call answers as the import always has when the
job is done within ``KAOHE_JOB_WAIT_SECONDS``, else ``202 Accepted`` with the job to follow. Smaller ones
are imported in the request, as before.

The job runs for the caller who sent the file: their rights (kept with the job as the gateway gave them)
decide what the rows may touch, exactly as in the request.

While it checks and writes, the job's ``done`` counts the rows written (of ``total``, the rows read), a batch at a
time (``records.progress``); each report also stops the import if the job was cancelled meanwhile.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import uuid
from collections.abc import AsyncIterator
from typing import IO, Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from starlette.responses import Response

from records.attendance import service as attendance
from records.attendance.importer import SheetError, json_lines, read_rows, settled
from records.attendance.service import refused_file
from records.config import RecordsSettings
from records.progress import Progress
from records.roster import importer as roster_importer
from records.tasks import importer as task_importer
from shared.jobs import JobContext, start_job, task
from shared.service_auth import Caller

ROSTER = "records.import_roster"
TASKS = "records.import_tasks"
ATTENDANCE = "records.import_attendance"


def is_large(size: int | None, settings: RecordsSettings) -> bool:
    """Whether an upload of ``size`` bytes (None: not said) is imported by a worker."""
    return size is not None and size >= settings.import_job_bytes


def stated_size(request: Request) -> int | None:
    """A stream's size as its Content-Length states it (None for a stream sent in chunks, without one)."""
    value = request.headers.get("content-length")
    return int(value) if value and value.isdigit() else None


async def job_or_stream(request: Request, settings: RecordsSettings) -> bytes | AsyncIterator[bytes]:
    """A JSON-lines stream as a job's (its whole body, bytes) or as the request's to import (its chunks, as they
    come). A stream whose Content-Length is at least ``RECORDS_IMPORT_JOB_BYTES`` is a job's; one sent in chunks,
    without a length, is read until it passes that size (then to its end, for a job) or ends first (then imported
    in the request from what was read, which is less than that size)."""
    size = stated_size(request)
    if size is not None:
        return await request.body() if is_large(size, settings) else request.stream()
    read = bytearray()
    chunks = request.stream()
    async for chunk in chunks:
        read += chunk
        if len(read) and is_large(len(read), settings):
            async for rest in chunks:
                read += rest
            return bytes(read)
    return _whole(bytes(read))


def _caller_params(caller: Caller) -> dict[str, Any]:
    return dataclasses.asdict(caller)


def _caller_of(params: dict[str, Any]) -> Caller:
    return Caller(subject=params["subject"], kind=params["kind"], roles=tuple(params["roles"]),
                  scopes=tuple(params["scopes"]), region_ids=tuple(params["region_ids"]),
                  unit_ids=tuple(params["unit_ids"]), person_id=params["person_id"])


async def start_import(request: Request, kind: str, data: bytes, caller: Caller, *, dry_run: bool,
                       filename: str | None = None, sheet: str | None = None,
                       region_id: uuid.UUID | None = None) -> Response:
    """The import as a job, its bytes kept with it until it ends."""
    region = region_id or (uuid.UUID(caller.region_ids[0]) if len(caller.region_ids) == 1 else None)
    unit = uuid.UUID(caller.unit_ids[0]) if len(caller.unit_ids) == 1 else None
    params = {"caller": _caller_params(caller), "dry_run": dry_run, "filename": filename, "sheet": sheet,
              "region_id": None if region_id is None else str(region_id)}
    return await start_job(request, kind, params=params, payload=data, region_id=region, unit_id=unit)


async def _whole(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _rows(ctx: JobContext, reader: Any) -> tuple[Any, list[Any]]:
    """The job's file read as the request would have (a sheet; or JSON lines when it has no file name)."""
    data = await ctx.payload() or b""
    await ctx.progress(phase="reading")
    if ctx.params.get("filename") is None:
        return None, [row async for row in json_lines(_whole(data))]
    try:
        table, rows = await asyncio.to_thread(reader, io.BytesIO(data), ctx.params["filename"], ctx.params["sheet"])
    except SheetError as exc:
        raise refused_file(exc) from exc
    return table, list(rows)


def _attendance_sheet(stream: IO[bytes], filename: str, sheet: str | None) -> tuple[Any, list[Any]]:
    table, rows = read_rows(stream, filename=filename, sheet=sheet)
    return table, list(rows)


def _reporter(ctx: JobContext) -> Progress:
    async def report(done: int) -> None:
        await ctx.check_cancelled()
        await ctx.progress(done)
    return report


async def _each(rows: list[Any]) -> AsyncIterator[Any]:
    for row in rows:
        yield row


@task(ROSTER)
async def import_roster(ctx: JobContext) -> Any:
    from records.roster.router import imported

    table, rows = await _rows(ctx, lambda f, name, sheet: roster_importer.read_sheet(name, f, sheet))
    region_id = uuid.UUID(ctx.params["region_id"])
    await ctx.progress(0, len(rows), "checking and writing")
    async with ctx.session() as session:
        result = await roster_importer.import_roster(session, rows, region_id=region_id,
                                                     caller=_caller_of(ctx.params["caller"]), table=table,
                                                     progress=_reporter(ctx))
        await imported(session, region_id, result)
        body = jsonable_encoder(await settled(session, result, table, dry_run=ctx.params["dry_run"]))
        await ctx.commit(session, body)
    return body


@task(TASKS)
async def import_tasks(ctx: JobContext) -> Any:
    table, rows = await _rows(ctx, lambda f, name, sheet: task_importer.read_sheet(name, f, sheet))
    await ctx.progress(0, len(rows), "checking and writing")
    async with ctx.session() as session:
        result = await task_importer.import_tasks(session, rows, caller=_caller_of(ctx.params["caller"]),
                                                  table=table, progress=_reporter(ctx))
        body = jsonable_encoder(await settled(session, result, table, dry_run=ctx.params["dry_run"]))
        await ctx.commit(session, body)
    return body


@task(ATTENDANCE)
async def import_attendance(ctx: JobContext) -> Any:
    settings: RecordsSettings = ctx.resources["settings"]
    caller = _caller_of(ctx.params["caller"])
    table, rows = await _rows(ctx, _attendance_sheet)
    await ctx.progress(0, len(rows), "checking and writing")
    async with ctx.session() as session:
        if table is None:
            result = await attendance.load_async_rows(session, _each(rows), caller=caller, today=settings.today(),
                                                      progress=_reporter(ctx))
        else:
            result = await attendance.load_sync_rows(session, iter(rows), caller=caller, today=settings.today(),
                                                     table=table, progress=_reporter(ctx))
        body = jsonable_encoder(await settled(session, result, table, dry_run=ctx.params["dry_run"]))
        await ctx.commit(session, body)
    return body
