"""Key work tasks: weights, progress, supervision trail, and weighted completion in the summary."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import counts
from .test_roster import make_person, make_region, make_unit


@pytest.fixture
async def team(client: httpx.AsyncClient) -> dict[str, Any]:
    region = await make_region(client, f"r{uuid.uuid4().hex[:6]}")
    unit = await make_unit(client, region["id"], "T")
    person = await make_person(client, unit["id"], f"{uuid.uuid4().hex[:4]}t", "2024-01-01")
    return {"unit": unit, "person": person}


async def assign(client: httpx.AsyncClient, person_id: str, **fields: Any) -> dict[str, Any]:
    body = {"person_id": person_id, "title": "招商引资", "intensity": "1.5", "difficulty": "2", "quantity": "2",
            "due_on": "2025-03-31", **fields}
    response = await client.post("/api/v1/records/tasks", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_load_progress_and_weighted_completion(client: httpx.AsyncClient, team: dict[str, Any]) -> None:
    heavy = await assign(client, team["person"]["id"])                      # load 1.5 x 2 x 2 = 6
    light = await assign(client, team["person"]["id"], intensity="1", difficulty="1", quantity="2")  # load 2
    assert heavy["load"] == "6.0000"
    me = service_headers(Caller(subject="user:p", roles=("member",), person_id=team["person"]["id"]))
    done = await client.post(f"/api/v1/records/tasks/{heavy['id']}/progress", headers=me,
                             json={"progress": 50, "note": "签约两家"})
    assert done.status_code == 200 and done.json()["status"] == "open"
    finished = await client.post(f"/api/v1/records/tasks/{light['id']}/progress", headers=me,
                                 json={"progress": 100, "note": "完成"})
    assert finished.json()["status"] == "awaiting_confirmation"  # the person reports; the unit confirms
    summary = (await client.get(f"/api/v1/records/units/{team['unit']['id']}/summary",
                                params={"period": "2025Q1"})).json()
    person = summary["people"][0]
    # (6 x 50 + 2 x 100) / 8 = 62.5
    assert (person["tasks"], person["task_load"], person["task_completion"]) == (2, "8.0000", "62.50")


async def test_supervision_trail_is_the_administrators(client: httpx.AsyncClient, team: dict[str, Any]) -> None:
    item = await assign(client, team["person"]["id"], supervised=True)
    me = service_headers(Caller(subject="user:p", roles=("member",), person_id=team["person"]["id"]))
    refused = await client.post(f"/api/v1/records/tasks/{item['id']}/progress", headers=me,
                                json={"kind": "rectification", "progress": 30, "note": "整改"})
    assert refused.status_code == 403
    step = await client.post(f"/api/v1/records/tasks/{item['id']}/progress",
                             json={"kind": "rectification", "progress": 30, "note": "限期整改"})
    assert [u["kind"] for u in step.json()["trail"]] == ["rectification"]
    plain = await assign(client, team["person"]["id"])
    wrong = await client.post(f"/api/v1/records/tasks/{plain['id']}/progress",
                              json={"kind": "rectification", "progress": 10, "note": "x"})
    assert wrong.status_code == 422


async def test_bad_weights_are_422(client: httpx.AsyncClient, team: dict[str, Any]) -> None:
    response = await client.post("/api/v1/records/tasks", json={
        "person_id": team["person"]["id"], "title": "x", "intensity": "0", "difficulty": "1", "quantity": "1",
        "due_on": "2025-03-31"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.intensity"


async def test_a_member_cannot_assign(client: httpx.AsyncClient, team: dict[str, Any]) -> None:
    me = service_headers(Caller(subject="user:p", roles=("member",), person_id=team["person"]["id"]))
    response = await client.post("/api/v1/records/tasks", headers=me, json={
        "person_id": team["person"]["id"], "title": "x", "intensity": "1", "difficulty": "1", "quantity": "1",
        "due_on": "2025-03-31"})
    assert response.status_code == 403


async def test_task_sheet_import_is_idempotent_and_updates_weights(client: httpx.AsyncClient,
                                                                    team: dict[str, Any]) -> None:
    staff_no = (await client.get(f"/api/v1/records/persons/{team['person']['id']}")).json()["staff_no"]
    lines = ["工号,任务名称,强度,难度,数量,完成时限,督办", f"{staff_no},招商引资,1.5,2,2,2025-06-30,是",
             f"{staff_no},乡村振兴,1,1,3,2025-12-31,"]
    body = ("\n".join(lines) + "\n").encode("gbk")
    first = await client.post("/api/v1/records/tasks/import", files={"file": ("任务.csv", body)})
    assert counts(first) == {"rows": 2, "added": 2, "updated": 0, "unchanged": 0}
    again = await client.post("/api/v1/records/tasks/import", files={"file": ("任务.csv", body)})
    assert counts(again) == {"rows": 2, "added": 0, "updated": 0, "unchanged": 2}
    heavier = body.replace("乡村振兴,1,1,3".encode("gbk"), "乡村振兴,2,1,3".encode("gbk"))
    assert (await client.post("/api/v1/records/tasks/import", files={"file": ("t.csv", heavier)})).json()[
        "updated"] == 1
    exported = await client.get("/api/v1/records/tasks/export", params={
        "unit_id": team["unit"]["id"], "period": "2025", "format": "csv"})
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig").splitlines()
    assert text[0].startswith("工号,任务名称,强度,难度,数量,完成时限,督办")
    assert len(text) == 3


async def test_task_sheet_with_bad_rows(client: httpx.AsyncClient, team: dict[str, Any]) -> None:
    staff_no = (await client.get(f"/api/v1/records/persons/{team['person']['id']}")).json()["staff_no"]
    lines = ["工号,任务名称,强度,难度,数量,完成时限", f"{staff_no},好任务,1,1,1,2025-06-30",
             f"{staff_no},,x,0,1,2025-13-01", "ghost,任务,1,1,1,2025-06-30"]
    response = await client.post("/api/v1/records/tasks/import",
                                 files={"file": ("t.csv", ("\n".join(lines) + "\n").encode())})
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [
        (3, "title"), (3, "intensity"), (3, "difficulty"), (3, "due_on"), (4, "staff_no")]
    listed = (await client.get("/api/v1/records/tasks",
                               params={"unit_id": team["unit"]["id"], "period": "2025"})).json()
    assert listed["total"] == 0


async def test_systems_send_tasks_as_json_lines(client: httpx.AsyncClient, team: dict[str, Any]) -> None:
    import json

    staff_no = (await client.get(f"/api/v1/records/persons/{team['person']['id']}")).json()["staff_no"]
    line = json.dumps({"staff_no": staff_no, "title": "信访稳定", "intensity": 1, "difficulty": 1.2, "quantity": 4,
                       "due_on": "2025-09-30", "supervised": "是"})
    response = await client.post("/api/v1/records/tasks/stream", content=line.encode())
    assert counts(response) == {"rows": 1, "added": 1, "updated": 0, "unchanged": 0}
