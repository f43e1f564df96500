"""What a unit's people still owe: weekly records not written (this week's and last week's) and tasks
past their due date, with names and sections, for the unit's administrator and leaders."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.service_auth import Caller
from shared.testing import ok, service_headers

from .test_roster import make_region, make_unit

ON = "2025-03-12"  # a Wednesday of 2025-W11: last week's records (2025-W10) were due by Monday 10 March


@pytest.fixture
async def unit(client: httpx.AsyncClient) -> dict[str, Any]:
    """甲 wrote both weeks, 乙 only last week's, 丙 neither; 丁 joined this Wednesday; 戊 left in February."""
    tag = uuid.uuid4().hex[:5]
    region = await make_region(client, f"o{tag}")
    unit, other = await make_unit(client, region["id"], "XC"), await make_unit(client, region["id"], "ZZB")
    section = await ok(await client.post(f"/api/v1/records/units/{unit['id']}/sections", json={"name": "党政办"}))
    people: dict[str, str] = {}
    for key, name, start, extra in (("a", "甲", "2024-01-01", {"section_id": section["id"]}),
                                    ("b", "乙", "2024-01-01", {}), ("c", "丙", "2024-01-01", {}),
                                    ("d", "丁", ON, {}), ("e", "戊", "2024-01-01", {"active_to": "2025-02-28"})):
        people[key] = (await ok(await client.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": f"{tag}{key}", "name": name, "staff_category": "staff",
            "active_from": start, **extra})))["id"]
    for key, week in (("a", "2025-W11"), ("a", "2025-W10"), ("b", "2025-W10")):
        await ok(await client.post("/api/v1/records/work-logs", json={"person_id": people[key], "week": week,
                                                                       "content": "工作"}))
    tasks = {}
    for title, owner, due, co in (("招商引资", "a", "2025-03-01", [{"person_id": people["b"], "share": "0.4"}]),
                                  ("防汛检查", "c", "2025-03-11", []), ("年度总结", "c", "2025-03-20", [])):
        tasks[title] = (await ok(await client.post("/api/v1/records/tasks", json={
            "person_id": people[owner], "title": title, "intensity": "1", "difficulty": "1", "quantity": "1",
            "due_on": due, "co_owners": co})))["id"]
    return {"unit": unit, "other": other, "people": people, "section": section, "tasks": tasks, "tag": tag}


def path(unit: dict[str, Any]) -> str:
    return f"/api/v1/records/units/{unit['unit']['id']}/outstanding"


async def test_who_owes_what(client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
    body = await ok(await client.get(path(unit), params={"on": ON}), 200)
    assert (body["unit_name"], body["on"], body["people"]) == ("单位XC", ON, 4)
    this, last = body["weeks"]
    assert (this["week"], this["deadline"], this["overdue"]) == ("2025-W11", "2025-03-17", False)
    assert [p["name"] for p in this["missing"]] == ["乙", "丙", "丁"]
    assert (last["week"], last["deadline"], last["overdue"]) == ("2025-W10", "2025-03-10", True)
    assert [p["name"] for p in last["missing"]] == ["丙"]     # 丁 was not there yet, 戊 has left
    [first, second] = body["overdue_tasks"]
    assert (first["title"], first["days_overdue"], first["owner"]["name"]) == ("招商引资", 11, "甲")
    assert [c["name"] for c in first["co_owners"]] == ["乙"]
    assert (second["title"], second["days_overdue"], second["owner"]["name"], second["co_owners"]) == (
        "防汛检查", 1, "丙", [])


async def test_the_section_is_named(client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
    body = await ok(await client.get(path(unit), params={"on": "2025-03-19"}), 200)
    last = body["weeks"][1]
    assert [(p["name"], p["section_name"]) for p in last["missing"]] == [("乙", None), ("丙", None), ("丁", None)]
    this = body["weeks"][0]
    assert ("甲", "党政办") in [(p["name"], p["section_name"]) for p in this["missing"]]


async def test_a_longer_grace_keeps_last_week_on_time(client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
    body = await ok(await client.get(path(unit), params={"on": ON, "log_deadline_days": 3}), 200)
    assert (body["weeks"][1]["deadline"], body["weeks"][1]["overdue"]) == ("2025-03-12", False)


async def test_the_units_leader_reads_it_another_units_administrator_does_not(
        client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
    leader = service_headers(Caller(subject="user:l", roles=("leader",), unit_ids=(unit["unit"]["id"],)))
    assert (await client.get(path(unit), params={"on": ON}, headers=leader)).status_code == 200
    outsider = service_headers(Caller(subject="user:u", roles=("unit_admin",), unit_ids=(unit["other"]["id"],)))
    refused = await client.get(path(unit), params={"on": ON}, headers=outsider)
    assert (refused.status_code, refused.json()["code"]) == (404, "unit_not_found")
    member = service_headers(Caller(subject="user:m", roles=("member",), person_id=unit["people"]["a"]))
    assert (await client.get(path(unit), params={"on": ON}, headers=member)).status_code == 404

