"""A results workbook as a job: 202 and the job, then a file equal to the byte to the synchronous download,
shown to its requester and its region's administrators only.

A scoring app hands every results workbook to a job (``SCORING_EXPORT_JOB_ROWS=0``) and answers at once
(``KAOHE_JOB_WAIT_SECONDS=0``); a real worker writes it, asking the real records for the names. The quarter
(Xiacun's, see test_quarter) is committed, as a worker reads it; the synchronous download comes from the
suite's own scoring app, which keeps writing workbooks of fewer than 1,000 rows in the request."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shared.service_auth import Caller
from shared.testing import asgi_client, service_headers
from shared.testing_jobs import ended, job_app, job_settings, job_worker
from shared.xlsx import XLSX

from .conftest import PROVINCE
from .test_quarter import xiacun_quarter


@pytest.fixture(scope="module")
async def jobs_app(database_urls: dict[str, str], records_app: FastAPI,
                   quota_app: FastAPI) -> AsyncIterator[FastAPI]:
    settings = job_settings("scoring", database_urls["scoring"], export_job_rows=0)
    transports = {"records_transport": httpx.ASGITransport(app=records_app),
                  "quota_transport": httpx.ASGITransport(app=quota_app)}
    async with job_app("scoring", settings, **transports) as app, job_worker("scoring", settings, **transports):
        yield app


@pytest.fixture(scope="module")
async def closed_quarter(jobs_app: FastAPI, records_app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    """Xiacun's quarter closed, committed in scoring and records; its jobs removed afterwards."""
    async with asgi_client(jobs_app, headers=service_headers(PROVINCE)) as scoring, \
            asgi_client(records_app, headers=service_headers(PROVINCE)) as records:
        quarter = await xiacun_quarter(scoring, records)
        assert (await scoring.post(f"/api/v1/scoring/rounds/{quarter['round']}/close")).status_code == 200
        closed = await scoring.post(f"{quarter['base']}/close")
        assert closed.status_code == 201, closed.text[:300]
    yield quarter
    async with jobs_app.state.sessionmaker() as session:
        await session.execute(text("DELETE FROM jobs WHERE kind = 'scoring.results_xlsx' AND params->>'scheme_id' "
                                   "= :s"), {"s": quarter["scheme"]})
        await session.commit()


async def test_a_results_workbook_as_a_job_is_the_synchronous_download(
        jobs_app: FastAPI, client: httpx.AsyncClient, closed_quarter: dict[str, Any]) -> None:
    path = f"{closed_quarter['base']}/results.xlsx"
    async with asgi_client(jobs_app, headers=service_headers(PROVINCE)) as jobs:
        started = await jobs.get(path)
        assert started.status_code == 202, started.text[:300]
        job = await ended(jobs_app, started.headers["location"])
        assert job.state == "succeeded", job.problem
        assert (job.done, job.total, job.result["rows"]) == (5, 5, 5)
        downloaded = await jobs.get(job.result_location)
    synchronous = await client.get(path)
    assert synchronous.status_code == downloaded.status_code == 200
    assert downloaded.content == synchronous.content  # byte for byte
    for header in ("content-type", "content-disposition", "x-kaohe-disclosed-rows", "x-kaohe-disclosed-object"):
        assert downloaded.headers[header] == synchronous.headers[header], header
    assert downloaded.headers["content-type"] == XLSX


async def test_another_regions_administrator_gets_404_for_the_file(jobs_app: FastAPI,
                                                                   closed_quarter: dict[str, Any]) -> None:
    async with asgi_client(jobs_app, headers=service_headers(PROVINCE)) as jobs:
        job = await ended(jobs_app, (await jobs.get(f"{closed_quarter['base']}/results.xlsx")).headers["location"])
    outsider = Caller(subject="user:elsewhere", roles=("region_admin",), region_ids=(str(uuid.uuid4()),))
    async with asgi_client(jobs_app, headers=service_headers(outsider)) as other:
        refused = await other.get(job.result_location)
        assert refused.status_code == 404 and refused.json()["code"] == "job_not_found"
        assert (await other.get(f"{closed_quarter['base']}/results.xlsx")).status_code == 404
