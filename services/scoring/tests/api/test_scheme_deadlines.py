"""A scheme's deadlines (when a record is on time) reach the records summary a close reads."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from records.work_logs.models import WorkLog
from shared.testing import asgi_client, rolled_back, service_headers

from .conftest import PROVINCE, unit_with_people

Q = "2025Q2"
ON_TIME = {"indicators": [{"code": "w", "name": "周纪实", "weight": "1", "metric": "weekly_on_time_rate",
                           "mapping": {"kind": "linear"}}]}


@pytest.fixture
async def records_db(records_app: FastAPI) -> AsyncIterator[tuple[httpx.AsyncClient, AsyncSession]]:
    async with rolled_back(records_app) as session, \
            asgi_client(records_app, headers=service_headers(PROVINCE)) as client:
        yield client, session


async def close_score(client: httpx.AsyncClient, county: dict[str, Any], definition: dict[str, Any]) -> str:
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": f"纪实{uuid.uuid4().hex[:4]}",
        "definition": definition})
    assert response.status_code == 201, response.text
    base = f"/api/v1/scoring/schemes/{response.json()['id']}/periods/{Q}"
    assert (await client.post(f"{base}/close")).status_code == 201
    [result] = (await client.get(f"{base}/results")).json()["items"]
    return str(result["score"])


async def test_the_schemes_log_deadline_decides_on_time(
        client: httpx.AsyncClient, records_db: tuple[httpx.AsyncClient, AsyncSession]) -> None:
    records, session = records_db
    county = await unit_with_people(records, "A")
    # the record of 2025-W15 (7-13 April), submitted on the Monday after at noon, Beijing time
    submitted = datetime(2025, 4, 14, 12, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    session.add(WorkLog(id=uuid.uuid4(), person_id=uuid.UUID(county["people"]["A"]), unit_id=uuid.UUID(county["unit"]),
                        iso_year=2025, iso_week=15, content="纪实", submitted_by="test", submitted_at=submitted))
    await session.flush()
    assert date(2025, 4, 14).weekday() == 0
    # 13 Mondays in 2025Q2 (7 April - 30 June): on time by the default (the Monday after) 1/13, 7.692308%
    # (six places);
    # with a deadline on the Sunday, none
    assert await close_score(client, county, ON_TIME) == "7.692308"
    assert await close_score(client, county, {**ON_TIME, "deadlines": {"log_deadline_days": 0}}) == "0"


@pytest.mark.parametrize(("setting", "value"), [("log_deadline_days", 32), ("report_deadline_day", 0)])
async def test_a_deadline_out_of_range_is_refused_naming_it(
        client: httpx.AsyncClient, records_db: tuple[httpx.AsyncClient, AsyncSession], setting: str,
        value: int) -> None:
    county = await unit_with_people(records_db[0], "A")
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "x",
        "definition": {**ON_TIME, "deadlines": {setting: value}}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith(f"deadlines.{setting}")


async def test_monthly_reports_on_time_by_the_schemes_day_score(
        client: httpx.AsyncClient, records_db: tuple[httpx.AsyncClient, AsyncSession]) -> None:
    """Xiacun: achievements declared by the 25th. Reports of April on the 25th and of May on the
    26th (Beijing time): by the 25th, 1 of the quarter's 3 months on time, 33.333333%; by the
    month's last day (the default), 2 of 3, 66.666667%."""
    from records.reports.models import MonthlyReport

    records, session = records_db
    county = await unit_with_people(records, "A")
    for month, day in ((4, 25), (5, 26)):
        session.add(MonthlyReport(
            id=uuid.uuid4(), person_id=uuid.UUID(county["people"]["A"]), unit_id=uuid.UUID(county["unit"]),
            year=2025, month=month, content="月度汇报", achievements="成效", submitted_by="test",
            submitted_at=datetime(2025, month, day, 12, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)))
    await session.flush()
    reports = {"indicators": [{"code": "m", "name": "月度汇报按时", "weight": "1", "metric": "monthly_on_time_rate",
                               "mapping": {"kind": "linear"}}]}
    assert await close_score(client, county, reports) == "66.666667"
    assert await close_score(client, county, {**reports, "deadlines": {"report_deadline_day": 25}}) == "33.333333"
