"""Scoring's events for a group's scheme: a published version tells each unit of its rows once,
in one statement, whatever the number of people; the units' members read it through their unit."""

from __future__ import annotations

from typing import Any

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import caller_headers, unit_with_people
from .test_merged_group import DEFINITION, county

Q = "2025Q2"


async def events(client: httpx.AsyncClient, headers: dict[str, str], after: int = 0) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/scoring/events", headers=headers, params={"after": after})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["events"]
    return found


async def test_a_groups_published_version_tells_each_of_its_units_once(client: httpx.AsyncClient,
                                                                     records: httpx.AsyncClient) -> None:
    c = await county(records)
    d, i = c["units"]["D"], c["units"]["I"]
    p = c["people"]
    region_admin = service_headers(Caller(subject="user:ra-events", roles=("region_admin",),
                                          region_ids=(c["region"],)))
    created = await client.post("/api/v1/scoring/schemes", headers=region_admin, json={
        "region_id": c["region"], "group": "G", "name": "部门及所属事业单位",
        "definition": {**DEFINITION, "missing_inputs": "zero"}})
    assert created.status_code == 201, created.text
    base = f"/api/v1/scoring/schemes/{created.json()['id']}/periods/{Q}"
    response = await client.put(f"{base}/marks", headers=region_admin, json={"marks": [
        {"person_id": p[k], "indicator": "ji", "mark": v} for k, v in (("A", 90), ("B", 80), ("C", 85))]})
    assert response.status_code == 200, response.text
    close = await client.post(f"{base}/close", headers=region_admin)
    assert close.status_code == 201, close.text
    close_id = close.json()["id"]
    assert (await client.post(f"/api/v1/scoring/results/{close_id}/publish", headers=region_admin)).status_code == 200
    seen = {who: [(e["kind"], e["unit_id"], e["payload"]["close_id"]) for e in await events(
        client, caller_headers(p[who])) if e["kind"] == "result_published"] for who in "ABCE"}
    assert seen == {"A": [("result_published", d, close_id)], "B": [("result_published", d, close_id)],
                    "C": [("result_published", i, close_id)], "E": []}
    # A published version cannot be published again: a 409, and nothing more is written
    assert (await client.post(f"/api/v1/scoring/results/{close_id}/publish", headers=region_admin)).status_code == 409
    assert len(await events(client, caller_headers(p["A"]))) == 1
    count = await client.get("/api/v1/scoring/events/count", headers=caller_headers(p["C"]), params={"after": 0})
    assert count.status_code == 200
    assert count.json()["count"] == 1


async def test_a_procedure_tells_its_unit_each_move_and_the_publication_its_final_stage_makes(
        client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    town = await unit_with_people(records, "AB")
    stages = [{"code": "draft", "name": "拟定等次", "produces": "draft"},
              {"code": "final", "name": "确定等次", "produces": "final"}]
    created = await client.post("/api/v1/scoring/schemes", json={
        "region_id": town["region"], "unit_id": town["unit"], "name": "夏村镇机关",
        "definition": {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}], "missing_inputs": "zero",
                       "procedure": stages}})
    assert created.status_code == 201, created.text
    base = f"/api/v1/scoring/schemes/{created.json()['id']}/periods/{Q}"
    assert (await client.post(f"{base}/procedure/advance")).status_code == 200
    close = await client.post(f"{base}/close")
    assert close.status_code == 201, close.text
    assert (await client.post(f"{base}/procedure/advance")).status_code == 200
    seen = [(e["kind"], e["unit_id"], e["payload"].get("stage"), e["payload"].get("direction"),
             e["payload"].get("close_id")) for e in await events(client, caller_headers(town["people"]["B"]))]
    assert seen == [("stage_moved", town["unit"], "draft", "started", None),
                    ("stage_moved", town["unit"], "final", "advanced", None),
                    ("result_published", town["unit"], None, None, close.json()["id"])]
