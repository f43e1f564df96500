"""Stored runs take year-end headcounts from the real records service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.service_auth import Caller
from shared.testing import asgi_client, rolled_back, service_headers

POLICY = {"ratio_by_grade": {"first": "0.22", "second": "0.20"}, "unit_cap_ratio": "0.40",
          "township_uplift": "0.20"}


@pytest.fixture
async def records(records_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with rolled_back(records_app), asgi_client(records_app, headers=service_headers()) as c:
        yield c


async def roster(records: httpx.AsyncClient) -> dict[str, Any]:
    """Township T: 7 on 31 December (an eighth left in June); department D: 13."""
    region = (await records.post("/api/v1/records/regions", json={"code": f"r{uuid.uuid4().hex[:8]}",
                                                                    "name": "县"})).json()
    units = {}
    for code, kind, people in (("T", "township", 8), ("D", "department", 13)):
        unit = (await records.post("/api/v1/records/units", json={
            "region_id": region["id"], "code": code, "name": code, "kind": kind})).json()
        units[code] = unit
        for i in range(people):
            person = (await records.post("/api/v1/records/persons", json={
                "unit_id": unit["id"], "staff_no": f"{region['code']}-{code}{i}", "name": f"{code}{i}",
                "staff_category": "staff", "active_from": "2020-01-01"})).json()
            if code == "T" and i == 0:
                await records.post(f"/api/v1/records/persons/{person['id']}/moves",
                                   json={"on": "2025-06-15", "leave": True})
    return {"region": region, "units": units}


def as_region_admin(client: httpx.AsyncClient, region_id: str) -> None:
    """The organisation department of this region: the roster lookup runs with its scope."""
    client.headers.update(service_headers(Caller(subject="user:od", roles=("region_admin",),
                                                 region_ids=(region_id,))))


async def test_run_uses_the_roster_and_says_so(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await roster(records)
    region_id = county["region"]["id"]
    as_region_admin(client, region_id)
    t, d = county["units"]["T"]["id"], county["units"]["D"]["id"]
    units = [{"id": t, "kind": "township", "grade": "first", "points": 10},
             {"id": d, "kind": "department", "grade": "second", "headcount": 99},  # the roster wins
             {"id": "outside-roster", "kind": "street", "grade": "second", "headcount": 10}]
    assert (await client.put(f"/api/v1/quota/regions/{region_id}/years/2025/units",
                             json={"units": units})).status_code == 200
    assert (await client.put(f"/api/v1/quota/regions/{region_id}/years/2025/policy", json=POLICY)).status_code == 200
    response = await client.post(f"/api/v1/quota/regions/{region_id}/years/2025/allocations")
    assert response.status_code == 201, response.text
    run = response.json()
    used = {u["id"]: (u["headcount"], u["headcount_source"]) for u in run["units"]}
    assert used == {t: (7, "records"), d: (13, "records"), "outside-roster": (10, "stored")}
    exact = {u["id"]: u["exact_quota"] for u in run["result"]["units"]}
    assert exact[t] == "1.54" and exact[d] == "2.6"


async def test_a_unit_with_no_headcount_anywhere_is_a_409(client: httpx.AsyncClient,
                                                          records: httpx.AsyncClient) -> None:
    county = await roster(records)
    region_id = county["region"]["id"]
    as_region_admin(client, region_id)
    await client.put(f"/api/v1/quota/regions/{region_id}/years/2025/units",
                     json={"units": [{"id": "ghost", "kind": "township", "grade": "first"}]})
    await client.put(f"/api/v1/quota/regions/{region_id}/years/2025/policy", json=POLICY)
    response = await client.post(f"/api/v1/quota/regions/{region_id}/years/2025/allocations")
    assert response.status_code == 409
    assert "ghost" in response.json()["detail"]


async def test_records_down_is_a_503_not_a_stale_guess(database_urls: dict[str, str]) -> None:
    import socket

    from shared.testing import build_service_app, running

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    app = build_service_app("quota", database_url=database_urls["quota"])
    app.state.settings.records_url = f"http://127.0.0.1:{closed}"
    region = uuid.uuid4()
    async with running(app), rolled_back(app), asgi_client(app, headers=service_headers()) as client:
        await client.put(f"/api/v1/quota/regions/{region}/years/2025/units",
                         json={"units": [{"id": "a", "kind": "township", "grade": "first", "headcount": 5}]})
        await client.put(f"/api/v1/quota/regions/{region}/years/2025/policy", json=POLICY)
        response = await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")
    assert response.status_code == 503
    assert response.json()["code"] == "upstream_unavailable"
