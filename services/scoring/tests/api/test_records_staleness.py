"""A result version goes stale when records' data it was computed from is written after it: a day
of attendance or a weekly record of the scheme's unit, in the period's dates, corrected through
records. Records is asked once per reading; when it does not answer, the staleness it would tell
is unknown and the reading still answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.testing import asgi_client, build_service_app, rolled_back, running, service_headers

from .conftest import PROVINCE, unit_with_people

ATTENDANCE = {"indicators": [{"code": "a", "name": "出勤", "weight": "1", "metric": "attendance_rate",
                              "mapping": {"kind": "linear"}}], "missing_inputs": "zero"}


async def scheme_of(client: httpx.AsyncClient, county: dict[str, Any]) -> str:
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "考勤", "definition": ATTENDANCE})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def put_days(records: httpx.AsyncClient, county: dict[str, Any], days: list[tuple[str, str, str]],
                   reason: str | None = None) -> None:
    rows = [{"staff_no": f"{county['code']}-{who}", "day": day, "status": status} for who, day, status in days]
    response = await records.put("/api/v1/records/attendance", json={"rows": rows, "reason": reason})
    assert response.status_code == 200, response.text


async def county_of(records: httpx.AsyncClient, names: str) -> dict[str, Any]:
    county = await unit_with_people(records, names)
    region = (await records.get(f"/api/v1/records/regions/{county['region']}")).json()
    return {**county, "code": region["code"]}


def staleness(version: dict[str, Any]) -> tuple[int, bool, int | None]:
    return version["version"], version["stale"], version["records_changed_since"]


async def test_a_records_correction_in_the_period_makes_the_version_stale_until_closed_again(
        client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await county_of(records, "AB")
    other = await county_of(records, "C")
    await put_days(records, county, [("A", "2025-02-03", "present"), ("B", "2025-02-03", "absent"),
                                     ("A", "2025-05-06", "present")])
    await put_days(records, other, [("C", "2025-02-03", "present")])
    log = (await records.post("/api/v1/records/work-logs", json={
        "person_id": county["people"]["A"], "week": "2025-W06", "content": "值班"})).json()
    base = f"/api/v1/scoring/schemes/{await scheme_of(client, county)}/periods/2025Q1"

    async def versions() -> list[tuple[int, bool, int | None]]:
        response = await client.get(f"{base}/versions")
        assert response.status_code == 200, response.text
        return [staleness(v) for v in response.json()["items"]]

    first = (await client.post(f"{base}/close")).json()
    assert staleness(first) == (1, False, 0)
    assert await versions() == [(1, False, 0)]

    # a day after the quarter, and another unit's day in it: not this version's records
    await put_days(records, county, [("A", "2025-05-06", "absent")], reason="误记")
    await put_days(records, other, [("C", "2025-02-03", "absent")], reason="误记")
    assert await versions() == [(1, False, 0)]

    await put_days(records, county, [("B", "2025-02-03", "present")], reason="考勤机故障，当日在岗")
    assert await versions() == [(1, True, 1)]
    page = (await client.get(f"{base}/results")).json()
    assert (page["close"]["stale"], page["close"]["records_changed_since"]) == (True, 1)
    assert page["close"]["records_changed_at"] is not None
    assert page["close"]["changed_since"] == 0  # scoring's own corrections: none

    second = (await client.post(f"{base}/close")).json()  # B present: both at 100%
    assert staleness(second) == (2, False, 0) and not second["unchanged"]
    assert await versions() == [(1, True, 1), (2, False, 0)]

    corrected = await records.patch(f"/api/v1/records/work-logs/{log['id']}",
                                    json={"content": "值班、走访", "reason": "漏记走访"})
    assert corrected.status_code == 200, corrected.text
    assert await versions() == [(1, True, 2), (2, True, 1)]
    compared = (await client.get(f"/api/v1/scoring/results/{first['id']}/compare/{second['id']}")).json()
    assert staleness(compared) == (2, True, 1)
    # the weekly record does not change the attendance rates: closing again finds the same inputs and
    # checks the latest version anew
    again = (await client.post(f"{base}/close")).json()
    assert (again["version"], again["unchanged"]) == (2, True)
    assert await versions() == [(1, True, 2), (2, False, 0)]


class RecordsGoDown(httpx.AsyncBaseTransport):
    """Records as scoring reaches it, until it stops answering (a fault nothing in-process can make)."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def flaky(database_urls: dict[str, str], records_app: FastAPI,
                quota_app: FastAPI) -> AsyncIterator[tuple[httpx.AsyncClient, RecordsGoDown]]:
    transport = RecordsGoDown(records_app)
    app = build_service_app("scoring", database_url=database_urls["scoring"], records_transport=transport,
                            quota_transport=httpx.ASGITransport(app=quota_app))
    async with running(app), rolled_back(app), asgi_client(app, headers=service_headers(PROVINCE)) as client:
        yield client, transport


async def test_without_records_the_staleness_is_unknown_and_the_reading_answers(
        flaky: tuple[httpx.AsyncClient, RecordsGoDown], records: httpx.AsyncClient) -> None:
    client, transport = flaky
    county = await county_of(records, "A")
    await put_days(records, county, [("A", "2025-02-03", "present")])
    base = f"/api/v1/scoring/schemes/{await scheme_of(client, county)}/periods/2025Q1"
    assert (await client.post(f"{base}/close")).status_code == 201
    transport.down = True
    response = await client.get(f"{base}/versions")
    assert response.status_code == 200, response.text
    assert [(v["stale"], v["records_changed_since"], v["records_changed_at"]) for v in response.json()["items"]] == [
        (False, None, None)]
    page = await client.get(f"{base}/results")
    assert page.status_code == 200 and page.json()["close"]["records_changed_since"] is None
