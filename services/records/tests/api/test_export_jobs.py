"""Records exports of many rows as jobs: 202 and the job, then a file equal to the byte to the synchronous
export's, downloaded by its requester and its region's administrators only.

A records app hands every export to a job (``RECORDS_EXPORT_JOB_ROWS=0``) and answers at once
(``KAOHE_JOB_WAIT_SECONDS=0``); a real worker writes the files. The synchronous exports come from the
suite's own records app, which keeps writing exports of fewer than 2,000 rows in the request."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text

from shared.service_auth import Caller
from shared.testing import asgi_client, service_headers
from shared.testing_jobs import ended, job_app, job_settings, job_worker
from shared.xlsx import XLSX

from .conftest import PROVINCE
from .test_roster import make_region, make_unit

PEOPLE = 150
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


@pytest.fixture(scope="module")
async def jobs_app(database_urls: dict[str, str]) -> AsyncIterator[FastAPI]:
    settings = job_settings("records", database_urls["records"], export_job_rows=0)
    async with job_app("records", settings) as app, job_worker("records", settings):
        yield app


@pytest.fixture(scope="module")
async def big_region(jobs_app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    """A region of two units and 150 people, committed (the worker reads them); its jobs removed afterwards."""
    async with asgi_client(jobs_app, headers=service_headers(PROVINCE)) as client:
        region = await make_region(client, f"j{uuid.uuid4().hex[:6]}")
        units = [await make_unit(client, region["id"], code, kind)
                 for code, kind in (("XC", "township"), ("ZZB", "department"))]
        lines = [f'{{"staff_no": "JB{n:04d}", "name": "张{n}", "unit": "{("XC", "ZZB")[n % 2]}", '
                 f'"category": "staff", "active_from": "2025-01-01"}}' for n in range(PEOPLE)]
        imported = await client.post(f"/api/v1/records/regions/{region['id']}/roster/stream",
                                     content="\n".join(lines).encode(),
                                     headers={"content-type": "application/x-ndjson"})
        assert imported.status_code == 200, imported.text[:300]
    yield {**region, "units": units}
    async with jobs_app.state.sessionmaker() as session:
        await session.execute(text("DELETE FROM jobs WHERE region_id = :r OR unit_id = ANY(:u)"),
                              {"r": uuid.UUID(region["id"]), "u": [uuid.UUID(u["id"]) for u in units]})
        await session.commit()


def region_admin(region_id: object) -> Caller:
    return Caller(subject=f"user:admin-of-{region_id}", roles=("region_admin",), region_ids=(str(region_id),))


async def test_the_call_reads_no_more_rows_than_it_takes_to_decide_on_a_job(
        jobs_app: FastAPI, big_region: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """An export over the threshold is read once, by its job: the call only counts up to the threshold."""
    monkeypatch.setattr(jobs_app.state.settings, "export_job_rows", 100)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engines = [e.sync_engine for e in (jobs_app.state.engine, jobs_app.state.read_engine) if e is not None]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        async with asgi_client(jobs_app, headers=service_headers(PROVINCE)) as client:
            started = await client.get(f"/api/v1/records/regions/{big_region['id']}/roster/export",
                                       params={"on": "2025-06-30", "format": "csv"})
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)
    assert started.status_code == 202, started.text[:300]
    placements = [s for s in statements if "assignments" in s]
    assert len(placements) == 1 and "count(" in placements[0] and "LIMIT" in placements[0], placements
    job = await ended(jobs_app, started.headers["location"])
    assert (job.state, job.done, job.total) == ("succeeded", PEOPLE, PEOPLE)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
async def test_a_large_roster_export_is_a_job_whose_file_is_the_synchronous_export(
        jobs_app: FastAPI, client: httpx.AsyncClient, big_region: dict[str, Any], fmt: str) -> None:
    path = f"/api/v1/records/regions/{big_region['id']}/roster/export"
    params = {"on": "2025-06-30", "format": fmt}
    async with asgi_client(jobs_app, headers=service_headers(PROVINCE)) as jobs:
        started = await jobs.get(path, params=params)
        assert started.status_code == 202, started.text[:300]
        job = await ended(jobs_app, started.headers["location"])
        assert job.state == "succeeded", job.problem
        assert (job.done, job.total) == (PEOPLE, PEOPLE)
        assert job.result == {"file": job.result_location, "media_type": MEDIA_TYPES[fmt],
                              "bytes": job.result["bytes"], "rows": PEOPLE}
        downloaded = await jobs.get(job.result_location)
    synchronous = await client.get(path, params=params)
    assert synchronous.status_code == downloaded.status_code == 200
    assert downloaded.content == synchronous.content and len(downloaded.content) == job.result["bytes"]
    for header in ("content-type", "content-disposition", "x-kaohe-disclosed", "x-kaohe-disclosed-rows",
                   "x-kaohe-disclosed-object"):
        assert downloaded.headers[header] == synchronous.headers[header], header


async def test_a_units_attendance_export_as_a_job_equals_the_synchronous_one(
        jobs_app: FastAPI, client: httpx.AsyncClient, big_region: dict[str, Any]) -> None:
    params = {"unit_id": big_region["units"][0]["id"], "period": "2025Q1", "format": "xlsx"}
    async with asgi_client(jobs_app, headers=service_headers(PROVINCE)) as jobs:
        started = await jobs.get("/api/v1/records/attendance/export", params=params)
        assert started.status_code == 202, started.text[:300]
        job = await ended(jobs_app, started.headers["location"])
        downloaded = await jobs.get(job.result_location)
    synchronous = await client.get("/api/v1/records/attendance/export", params=params)
    assert downloaded.status_code == synchronous.status_code == 200
    assert downloaded.content == synchronous.content


async def test_the_file_is_its_requesters_and_its_regions_only(jobs_app: FastAPI,
                                                               big_region: dict[str, Any]) -> None:
    async with asgi_client(jobs_app, headers=service_headers(PROVINCE)) as jobs:
        started = await jobs.get(f"/api/v1/records/regions/{big_region['id']}/roster/export")
        job = await ended(jobs_app, started.headers["location"])
    async with asgi_client(jobs_app, headers=service_headers(region_admin(uuid.uuid4()))) as outsider:
        refused = await outsider.get(job.result_location)
        assert refused.status_code == 404 and refused.json()["code"] == "job_not_found"
        assert (await outsider.get(started.headers["location"])).status_code == 404  # nor the job itself
        # and the outsider cannot start the export either: the region is checked before any job
        assert (await outsider.get(f"/api/v1/records/regions/{big_region['id']}/roster/export")).status_code == 404
    async with asgi_client(jobs_app, headers=service_headers(region_admin(big_region["id"]))) as own:
        assert (await own.get(job.result_location)).status_code == 200


async def test_a_cancelled_export_keeps_no_file(jobs_app: FastAPI, big_region: dict[str, Any]) -> None:
    """Cancelled before a worker takes it: the job ends cancelled, and there is no file to download."""
    from shared.jobs import store

    async with jobs_app.state.sessionmaker() as session:
        row, _ = await store.insert_job(session, "records", kind="records.export", requested_by=PROVINCE.subject,
                                        region_id=big_region["id"], params={"table": "roster", "format": "csv"})
        await store.request_cancel(session, row.id)
        await session.commit()
    job = await ended(jobs_app, f"/api/v1/records/jobs/{row.id}")
    assert job.state == "cancelled"
    async with asgi_client(jobs_app, headers=service_headers(PROVINCE)) as jobs:
        refused = await jobs.get(f"/api/v1/records/jobs/{row.id}/file")
    assert refused.status_code == 409 and refused.json()["code"] == "job_file_not_ready"
