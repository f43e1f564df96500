"""``GET /api/v1/me/unit`` through the real gateway and services: a unit's administrator, its leader and
the region's administrator see who has not written this week's (and last week's) weekly record, who
has not rated in the open round (a county leader of another unit, named), which task is overdue and
where the quarter's procedure stands; a member and another unit's administrator do not."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN
from shared.testing import asgi_client, ok, sign_in

from .conftest import PASSWORD

DEFINITION = {
    "indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
    "raters": {"share": "0.2", "groups": {"leadership": "1"}},
    "missing_inputs": "zero",
    "procedure": "national",
}


def week_code(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


@pytest.fixture(scope="module")
async def unit(gateway_app: FastAPI) -> dict[str, Any]:
    """Unit XC: 甲 (党政办) wrote this week's and last week's records, 乙 last week's, 丙 none and owns a
    task three days overdue. The quarter's round: 甲 has rated everyone, 县长 (of unit ZZB) no one."""
    tag = uuid.uuid4().hex[:6]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the services' day, in the regions' time zone
    monday = today - timedelta(days=today.weekday())
    async with asgi_client(gateway_app) as client:
        admin = await sign_in(client, *TEST_ADMIN)

        async def post(path: str, body: Any, status: int = 201) -> Any:
            return await ok(await client.post(path, headers=admin, json=body), status)

        region = (await post("/api/v1/records/regions", {"code": f"mu{tag}", "name": "某县"}))["id"]
        units = {code: (await post("/api/v1/records/units", {"region_id": region, "code": code, "name": name,
                                                             "kind": kind}))["id"]
                 for code, name, kind in (("XC", "夏村镇", "township"), ("ZZB", "县委组织部", "department"))}
        section = (await post(f"/api/v1/records/units/{units['XC']}/sections", {"name": "党政办"}))["id"]
        people = {}
        for key, name, code, extra in (("a", "甲", "XC", {"section_id": section}), ("b", "乙", "XC", {}),
                                       ("c", "丙", "XC", {}), ("boss", "县长", "ZZB", {})):
            people[key] = (await post("/api/v1/records/persons", {
                "unit_id": units[code], "staff_no": f"{tag}{key}", "name": name, "active_from": "2024-01-01",
                "staff_category": "leadership" if key == "boss" else "staff", **extra}))["id"]
        for key, week in (("a", monday), ("a", monday - timedelta(days=7)), ("b", monday - timedelta(days=7))):
            await post("/api/v1/records/work-logs", {"person_id": people[key], "week": week_code(week),
                                                      "content": "工作"})
        task = (await post("/api/v1/records/tasks", {
            "person_id": people["c"], "title": "防汛检查", "intensity": "1", "difficulty": "1", "quantity": "1",
            "due_on": (today - timedelta(days=3)).isoformat()}))["id"]
        scheme = (await post("/api/v1/scoring/schemes", {"region_id": region, "unit_id": units["XC"],
                                                         "name": "夏村镇机关", "definition": DEFINITION}))["id"]
        base = f"/api/v1/scoring/schemes/{scheme}/periods/{quarter(today)}"
        raters = [{"rater_id": people[k], "group": "leadership"} for k in ("a", "boss")]
        round_id = (await post(f"{base}/rounds", {"raters": raters}))["id"]
        await ok(await client.put(f"/api/v1/scoring/rounds/{round_id}/ratings", headers=admin, json={
            "rater_id": people["a"], "on_behalf": True,
            "ratings": [{"person_id": people[k], "mark": 90} for k in ("b", "c")]}), 200)
        await post(f"{base}/procedure/advance", None, 200)
        headers = {"admin": admin}
        for who, role, binding in (("UA", "unit_admin", {"unit_id": units["XC"]}),
                                   ("L", "leader", {"unit_id": units["XC"]}),
                                   ("RA", "region_admin", {"region_id": region}),
                                   ("M", "member", {"person_id": people["b"]}),
                                   ("UO", "unit_admin", {"unit_id": units["ZZB"]})):
            username = f"mu-{who.lower()}-{tag}"
            await post("/api/v1/admin/users", {"username": username, "password": PASSWORD, "role": role, **binding})
            headers[who] = await sign_in(client, username, PASSWORD)
    return {"units": units, "people": people, "task": task, "scheme": scheme, "round": round_id,
            "headers": headers, "today": today, "monday": monday, "tag": tag}


async def my_unit(gateway_app: FastAPI, headers: dict[str, str], **params: str) -> httpx.Response:
    async with asgi_client(gateway_app) as client:
        return await client.get("/api/v1/me/unit", headers=headers, params=params)


@pytest.mark.parametrize("who", ["UA", "L"])
async def test_the_units_administrator_and_leader_see_what_is_outstanding(
        gateway_app: FastAPI, unit: dict[str, Any], who: str) -> None:
    body = await ok(await my_unit(gateway_app, unit["headers"][who]), 200)
    assert (body["unit_id"], body["unit_name"], body["people"]) == (unit["units"]["XC"], "夏村镇", 3)
    this, last = body["weekly_records"]
    assert (this["week"], [p["name"] for p in this["missing"]]) == (week_code(unit["monday"]), ["乙", "丙"])
    assert (last["week"], [p["name"] for p in last["missing"]]) == (
        week_code(unit["monday"] - timedelta(days=7)), ["丙"])
    assert last["deadline"] == (unit["monday"]).isoformat()         # last Sunday and a day's grace
    assert last["overdue"] == (unit["today"] > unit["monday"])
    [round_] = body["rating_rounds"]
    assert (round_["round_id"], round_["scheme_name"], round_["period"]) == (
        unit["round"], "夏村镇机关", quarter(unit["today"]))
    assert [(r["name"], r["unit_name"], r["group"], r["done"], r["due"]) for r in round_["raters_missing"]] == [
        ("县长", "县委组织部", "leadership", 0, 3)]
    [task] = body["overdue_tasks"]
    assert (task["task_id"], task["title"], task["days_overdue"], task["owner"]["name"]) == (
        unit["task"], "防汛检查", 3, "丙")
    [procedure] = body["procedures"]
    assert (procedure["scheme_name"], procedure["stages"], procedure["started"], procedure["finished"]) == (
        "夏村镇机关", 7, True, False)
    assert (procedure["current"]["code"], procedure["next"]["code"]) == ("self_report", "unit_review")
    assert body["period"] == quarter(unit["today"])


async def test_the_region_administrator_names_the_unit(gateway_app: FastAPI, unit: dict[str, Any]) -> None:
    headers = unit["headers"]["RA"]
    missing = await my_unit(gateway_app, headers)
    # no unit of their own: "my unit" is not there for them (404), and the answer says to name one
    assert (missing.status_code, missing.json()["code"], missing.json()["errors"][0]["field"]) == (
        404, "unit_not_found", "query.unit_id")
    body = await ok(await my_unit(gateway_app, headers, unit_id=unit["units"]["XC"]), 200)
    assert [p["name"] for p in body["weekly_records"][0]["missing"]] == ["乙", "丙"]


async def test_a_member_is_refused_and_another_units_administrator_finds_nothing(
        gateway_app: FastAPI, unit: dict[str, Any]) -> None:
    member = await my_unit(gateway_app, unit["headers"]["M"])
    assert member.status_code == 403
    other = await my_unit(gateway_app, unit["headers"]["UO"], unit_id=unit["units"]["XC"])
    assert (other.status_code, other.json()["code"]) == (404, "unit_not_found")
    assert other.headers["content-type"] == "application/problem+json"


async def test_a_rater_who_rates_leaves_the_list(gateway_app: FastAPI, unit: dict[str, Any]) -> None:
    people = unit["people"]
    async with asgi_client(gateway_app) as client:
        await ok(await client.put(f"/api/v1/scoring/rounds/{unit['round']}/ratings", headers=unit["headers"]["admin"],
                                  json={"rater_id": people["boss"], "on_behalf": True, "ratings": [
                                      {"person_id": people[k], "mark": 85} for k in ("a", "b", "c")]}), 200)
    body = await ok(await my_unit(gateway_app, unit["headers"]["UA"]), 200)
    assert body["rating_rounds"][0]["raters_missing"] == []
