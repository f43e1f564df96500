"""Allocations, simulations and reports of many units as jobs: 202 and the job's `Location` when the work
is not done at once, the job's result equal to the answer the synchronous call gives, its file to the
byte, and neither the job nor its file shown to another region's administrator.

A quota app sends every allocation to a job (``QUOTA_JOB_FROM_UNITS=0``) and answers at once
(``KAOHE_JOB_WAIT_SECONDS=0``); a real worker runs the jobs. The synchronous answers come from the
suite's own quota app, which keeps doing the same work in the request for fewer than 1,000 units."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy import text

from shared.service_auth import Caller
from shared.testing import asgi_client, service_headers
from shared.testing_jobs import ended, job_app, job_settings, job_worker
from shared.xlsx import XLSX

from .conftest import PROVINCE
from .test_allocations_api import POLICY

KINDS = ("township", "street", "department", "institution")
GRADES = ("first", "second", "third")
# A county's worth of units with their own headcounts (records knows no unit of a fresh region).
UNITS: list[dict[str, Any]] = [
    {"id": f"U{n:03d}", "kind": KINDS[n % 4], "headcount": 5 + n % 23, "grade": GRADES[n % 3], "points": n % 40,
     "conditions": ["target_first_class"] if n % 11 == 0 else []}
    for n in range(120)]


@pytest.fixture(scope="module")
async def jobs_app(database_urls: dict[str, str], records_app: FastAPI) -> AsyncIterator[FastAPI]:
    """Quota with every allocation, simulation and report handed to a job, and a worker running them."""
    settings = job_settings("quota", database_urls["quota"], job_from_units=0)
    records = httpx.ASGITransport(app=records_app)
    async with job_app("quota", settings, records_transport=records) as app, \
            job_worker("quota", settings, records_transport=records):
        yield app


def caller_client(app: FastAPI, caller: Caller = PROVINCE) -> httpx.AsyncClient:
    return asgi_client(app, headers=service_headers(caller))


@pytest.fixture
async def region(jobs_app: FastAPI) -> AsyncIterator[uuid.UUID]:
    """A region whose inputs are stored (committed: the worker reads them); its jobs and inputs removed
    afterwards (its runs stay: they are append-only, and of a region no other test knows)."""
    region_id = uuid.uuid4()
    async with caller_client(jobs_app) as client:
        assert (await client.put(f"/api/v1/quota/regions/{region_id}/years/2025/units",
                                 json={"units": UNITS})).status_code == 200
        assert (await client.put(f"/api/v1/quota/regions/{region_id}/years/2025/policy",
                                 json=POLICY)).status_code == 200
    yield region_id
    async with jobs_app.state.sessionmaker() as session:
        for statement in ("DELETE FROM jobs WHERE region_id = :r",
                          "DELETE FROM allocation_inputs WHERE region_id = :r"):
            await session.execute(text(statement), {"r": region_id})
        await session.commit()


def region_admin(region_id: uuid.UUID) -> Caller:
    return Caller(subject=f"user:admin-of-{region_id}", roles=("region_admin",), region_ids=(str(region_id),))


async def accepted(response: httpx.Response, app: FastAPI) -> Any:
    """The job a call answered with 202, once it has ended."""
    assert response.status_code == 202, response.text[:300]
    location = response.headers["location"]
    assert response.json()["location"] == location and response.json()["state"] in ("queued", "running")
    return await ended(app, location)


class TestSimulation:
    async def test_a_large_simulation_is_a_job_whose_result_is_the_synchronous_answer(
            self, jobs_app: FastAPI, client: httpx.AsyncClient) -> None:
        body = {"policy": POLICY, "units": UNITS}
        async with caller_client(jobs_app) as jobs:
            job = await accepted(await jobs.post("/api/v1/quota/allocations/simulate", json=body), jobs_app)
        assert job.state == "succeeded" and job.result_status == 200
        assert job.total == len(UNITS) and job.done == len(UNITS)
        synchronous = await client.post("/api/v1/quota/allocations/simulate", json=body)
        assert synchronous.status_code == 200
        assert job.result == synchronous.json()

    async def test_a_refused_simulation_ends_with_the_problem_the_call_would_have_answered(
            self, jobs_app: FastAPI, client: httpx.AsyncClient) -> None:
        body = {"policy": POLICY, "units": [*UNITS, UNITS[0]]}  # a unit id twice
        async with caller_client(jobs_app) as jobs:
            job = await accepted(await jobs.post("/api/v1/quota/allocations/simulate", json=body), jobs_app)
        synchronous = await client.post("/api/v1/quota/allocations/simulate", json=body)
        assert synchronous.status_code == 422
        assert job.state == "failed" and job.problem["code"] == synchronous.json()["code"] == "allocation_invalid"
        assert job.problem["detail"] == synchronous.json()["detail"]

    async def test_done_within_the_wait_the_job_answers_as_the_synchronous_call(
            self, jobs_app: FastAPI, client: httpx.AsyncClient) -> None:
        body = {"policy": POLICY, "units": UNITS[:30]}
        jobs_app.state.settings.job_wait_seconds = 30.0
        try:
            async with caller_client(jobs_app) as jobs:
                answered = await jobs.post("/api/v1/quota/allocations/simulate", json=body)
        finally:
            jobs_app.state.settings.job_wait_seconds = 0.0
        assert answered.status_code == 200, answered.text
        assert answered.headers["content-location"].startswith("/api/v1/quota/jobs/")
        assert answered.json() == (await client.post("/api/v1/quota/allocations/simulate", json=body)).json()


class TestAllocation:
    async def test_a_large_allocation_is_a_job_whose_run_is_stored_with_its_end(
            self, jobs_app: FastAPI, client: httpx.AsyncClient, region: uuid.UUID) -> None:
        path = f"/api/v1/quota/regions/{region}/years/2025/allocations"
        async with caller_client(jobs_app) as jobs:
            job = await accepted(await jobs.post(path), jobs_app)
            assert job.state == "succeeded" and job.result_status == 201
            assert job.region_id == region and job.total == len(UNITS)
            stored = await jobs.get(f"/api/v1/quota/allocations/{job.result['id']}")
        assert stored.status_code == 200 and stored.json() == job.result
        synchronous = await client.post(path)  # the same inputs in the request (rolled back afterwards)
        assert synchronous.status_code == 201
        same = {k: v for k, v in synchronous.json().items() if k not in ("id", "created_at")}
        assert {k: v for k, v in job.result.items() if k not in ("id", "created_at")} == same

    async def test_a_retry_with_the_same_key_finds_the_same_job_and_one_run(
            self, jobs_app: FastAPI, region: uuid.UUID) -> None:
        path = f"/api/v1/quota/regions/{region}/years/2025/allocations"
        key = {"idempotency-key": f"allocate-{uuid.uuid4()}"}
        async with caller_client(jobs_app) as jobs:
            first = await jobs.post(path, headers=key)
            assert first.status_code == 202, first.text[:300]
            again = await jobs.post(path, headers=key)
            # the same job (a replayed answer carries its body: the job and its location)
            assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
            assert again.json()["location"] == first.headers["location"]
            await ended(jobs_app, first.headers["location"])
            runs = await jobs.get(path)
        assert runs.json()["total"] == 1

    async def test_inputs_missing_are_refused_before_any_job(self, jobs_app: FastAPI) -> None:
        async with caller_client(jobs_app) as jobs:
            refused = await jobs.post(f"/api/v1/quota/regions/{uuid.uuid4()}/years/2025/allocations")
        assert refused.status_code == 409 and refused.json()["code"] == "allocation_inputs_missing"


class TestReport:
    async def test_a_large_report_is_a_job_whose_file_is_the_synchronous_download(
            self, jobs_app: FastAPI, client: httpx.AsyncClient, region: uuid.UUID) -> None:
        async with caller_client(jobs_app) as jobs:
            run = await ended(jobs_app, (await jobs.post(
                f"/api/v1/quota/regions/{region}/years/2025/allocations")).headers["location"])
            run_id = run.result["id"]
            job = await accepted(await jobs.get(f"/api/v1/quota/allocations/{run_id}/report.xlsx"), jobs_app)
            assert job.state == "succeeded" and job.result_location == f"/api/v1/quota/jobs/{job.id}/file"
            downloaded = await jobs.get(job.result_location)
        assert downloaded.status_code == 200, downloaded.text
        synchronous = await client.get(f"/api/v1/quota/allocations/{run_id}/report.xlsx")
        assert synchronous.status_code == 200
        assert downloaded.content == synchronous.content  # byte for byte
        assert downloaded.headers["content-type"] == synchronous.headers["content-type"] == XLSX
        assert downloaded.headers["content-disposition"] == synchronous.headers["content-disposition"]
        assert downloaded.headers["x-kaohe-disclosed"] == "export"
        assert downloaded.headers["x-kaohe-disclosed-rows"] == synchronous.headers["x-kaohe-disclosed-rows"]
        sheet = load_workbook(io.BytesIO(downloaded.content))["名额分配"]
        assert [row[0] for row in sheet.iter_rows(min_row=3, max_row=2 + len(UNITS), values_only=True)] \
            == sorted((u["id"] for u in UNITS), key=lambda i: (KINDS.index(UNITS[int(i[1:])]["kind"]), i))

    async def test_the_file_is_its_regions_and_no_one_elses(self, jobs_app: FastAPI, region: uuid.UUID) -> None:
        async with caller_client(jobs_app) as jobs:
            run = await ended(jobs_app, (await jobs.post(
                f"/api/v1/quota/regions/{region}/years/2025/allocations")).headers["location"])
            job = await accepted(await jobs.get(f"/api/v1/quota/allocations/{run.result['id']}/report.xlsx"),
                                 jobs_app)
        async with caller_client(jobs_app, region_admin(uuid.uuid4())) as outsider:
            refused = await outsider.get(job.result_location)
            assert refused.status_code == 404 and refused.json()["code"] == "job_not_found"
            hidden = await outsider.get(f"/api/v1/quota/jobs/{job.id}")  # nor the job itself
            assert hidden.status_code == 404 and hidden.json()["code"] == "job_not_found"
            unknown = await outsider.get(f"/api/v1/quota/jobs/{uuid.uuid4()}/file")
            assert unknown.status_code == 404 and unknown.json()["code"] == "job_not_found"
        async with caller_client(jobs_app, region_admin(region)) as own_admin:
            assert (await own_admin.get(job.result_location)).status_code == 200
            seen = (await own_admin.get(f"/api/v1/quota/jobs/{job.id}")).json()
            assert (seen["state"], seen["result_location"]) == ("succeeded", job.result_location)

    async def test_a_job_without_a_file_has_none_to_download(self, jobs_app: FastAPI) -> None:
        async with caller_client(jobs_app) as jobs:
            job = await accepted(await jobs.post("/api/v1/quota/allocations/simulate",
                                                 json={"policy": POLICY, "units": UNITS}), jobs_app)
            missing = await jobs.get(f"/api/v1/quota/jobs/{job.id}/file")
        assert missing.status_code == 404 and missing.json()["code"] == "job_file_not_found"


class TestApportionment:
    @pytest.mark.parametrize("method", ["hamilton", "webster"])
    async def test_a_large_apportionment_is_a_job_whose_result_is_the_synchronous_answer(
            self, jobs_app: FastAPI, client: httpx.AsyncClient, method: str) -> None:
        body = {"method": method, "seats": 100, "populations": {f"U{n:03d}": 50 + n % 7 for n in range(300)}}
        async with caller_client(jobs_app) as jobs:
            job = await accepted(await jobs.post("/api/v1/quota/apportion", json=body), jobs_app)
        synchronous = await client.post("/api/v1/quota/apportion", json=body)
        assert synchronous.status_code == 200 and job.state == "succeeded"
        assert job.result == synchronous.json() and job.result["ties"]  # equal populations: ties, each listed
