"""Co-owners of a task (协办): one lead and any number of co-owners with shares adding up to 1; the
summary credits each holder with their share of the task's load (quantity × intensity × difficulty)
and weighs their completion by it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from .test_roster import make_person, make_region, make_unit

TASK = {"title": "招商引资", "quantity": "2", "intensity": "1.5", "difficulty": "2", "due_on": "2025-06-30"}


@pytest.fixture
async def county(client: httpx.AsyncClient) -> dict[str, Any]:
    region = await make_region(client, f"c{uuid.uuid4().hex[:6]}")
    unit = await make_unit(client, region["id"], "XC")
    other = await make_unit(client, region["id"], "ZZB", "department")
    tag = uuid.uuid4().hex[:6]
    people = {key: await make_person(client, (other if key == "outsider" else unit)["id"], f"{tag}-{key}")
              for key in ("lead", "co", "third", "outsider")}
    return {"unit": unit, "people": {k: p["id"] for k, p in people.items()}}


async def summary(client: httpx.AsyncClient, unit_id: str) -> dict[str, tuple[int, str, str | None]]:
    response = await client.get(f"/api/v1/records/units/{unit_id}/summary", params={
        "period": "2025Q2", "fields": "tasks,task_load,task_completion"})
    assert response.status_code == 200, response.text
    return {p["person_id"]: (p["tasks"], p["task_load"], p["task_completion"]) for p in response.json()["people"]}


async def test_load_and_completion_by_share(client: httpx.AsyncClient, county: dict[str, Any]) -> None:
    p = county["people"]
    response = await client.post("/api/v1/records/tasks", json={
        **TASK, "person_id": p["lead"], "co_owners": [{"person_id": p["co"], "share": "0.4"}]})
    assert response.status_code == 201, response.text
    task = response.json()
    assert (task["load"], task["lead_share"]) == ("6.0000", "0.6000")
    assert task["co_owners"] == [{"person_id": p["co"], "share": "0.4000"}]
    assert (await client.get(f"/api/v1/records/tasks/{task['id']}")).json()["co_owners"] == task["co_owners"]
    # a load of 2 × 1.5 × 2 = 6: the lead's 0.6 of it is 3.6, the co-owner's 0.4 is 2.4
    assert (await client.post(f"/api/v1/records/tasks/{task['id']}/progress",
                              json={"progress": 50, "note": "过半"})).status_code == 200
    got = await summary(client, county["unit"]["id"])
    assert got[p["lead"]] == (1, "3.6000", "50.00") and got[p["co"]] == (1, "2.4000", "50.00")
    assert got[p["third"]] == (0, "0", None)
    # the lead's own task of load 1, done: completion (3.6 × 50 + 1 × 100) / 4.6 = 60.869… → 60.87
    alone = (await client.post("/api/v1/records/tasks", json={
        **TASK, "title": "防汛", "quantity": "1", "intensity": "1", "difficulty": "1", "person_id": p["lead"]})).json()
    assert (alone["lead_share"], alone["co_owners"]) == ("1.0000", [])
    await client.post(f"/api/v1/records/tasks/{alone['id']}/progress", json={"progress": 100, "note": "完成"})
    assert (await summary(client, county["unit"]["id"]))[p["lead"]] == (2, "4.6000", "60.87")


async def test_three_holders_with_the_leads_share_given(client: httpx.AsyncClient, county: dict[str, Any]) -> None:
    p = county["people"]
    response = await client.post("/api/v1/records/tasks", json={
        **TASK, "person_id": p["lead"], "lead_share": "0.5",
        "co_owners": [{"person_id": p["co"], "share": "0.3"}, {"person_id": p["third"], "share": "0.2"}]})
    assert response.status_code == 201, response.text
    got = await summary(client, county["unit"]["id"])
    # 6 × 0.5, 6 × 0.3, 6 × 0.2
    assert [got[p[k]][1] for k in ("lead", "co", "third")] == ["3.0000", "1.8000", "1.2000"]


@pytest.mark.parametrize(("extra", "field"), [
    ({"co_owners": [{"person_id": "outsider", "share": "0.4"}]}, "body.co_owners.0.person_id"),
    ({"co_owners": [{"person_id": "lead", "share": "0.4"}]}, "body.co_owners.0.person_id"),
    ({"co_owners": [{"person_id": "co", "share": "0.2"}, {"person_id": "co", "share": "0.2"}]},
     "body.co_owners.1.person_id"),
    ({"co_owners": [{"person_id": "ghost", "share": "0.2"}]}, "body.co_owners.0.person_id"),
    ({"lead_share": "0.7", "co_owners": [{"person_id": "co", "share": "0.4"}]}, "body.lead_share"),
    ({"co_owners": [{"person_id": "co", "share": "0.6"}, {"person_id": "third", "share": "0.4"}]}, "body.co_owners"),
    ({"co_owners": [{"person_id": "co", "share": "1"}]}, "body.co_owners.0.share"),
])
async def test_bad_co_owners_are_422_naming_the_field_and_nothing_is_written(
        client: httpx.AsyncClient, county: dict[str, Any], extra: dict[str, Any], field: str) -> None:
    p = {**county["people"], "ghost": str(uuid.uuid4())}
    body = {**TASK, "person_id": p["lead"], **extra}
    if "co_owners" in extra:
        body["co_owners"] = [{**o, "person_id": p[o["person_id"]]} for o in extra["co_owners"]]
    response = await client.post("/api/v1/records/tasks", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    listed = await client.get("/api/v1/records/tasks", params={"unit_id": county["unit"]["id"], "period": "2025"})
    assert listed.json()["total"] == 0
