"""A placement's post (岗位): set when a person is added, moved or imported, shown with the
person's history and the unit's members, and in the summary (so scoring can compare within a post,
Binzhou's third way)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from .conftest import counts
from .test_roster import make_person, make_region, make_unit
from .test_roster_import import send, sheet


@pytest.fixture
async def unit(client: httpx.AsyncClient) -> dict[str, Any]:
    region = await make_region(client, f"p{uuid.uuid4().hex[:6]}")
    return await make_unit(client, region["id"], "XC")


async def test_added_and_moved_with_a_post(client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
    person = await make_person(client, unit["id"], f"{uuid.uuid4().hex[:6]}", "2024-01-01", post="综合文字岗")
    assert person["history"][0]["post"] == "综合文字岗"
    moved = await client.post(f"/api/v1/records/persons/{person['id']}/moves",
                              json={"on": "2025-04-01", "unit_id": unit["id"], "post": "统计岗"})
    assert moved.status_code == 200, moved.text
    assert [h["post"] for h in moved.json()["history"]] == ["综合文字岗", "统计岗"]
    read = (await client.get(f"/api/v1/records/persons/{person['id']}")).json()
    assert [h["post"] for h in read["history"]] == ["综合文字岗", "统计岗"]
    members = (await client.get(f"/api/v1/records/units/{unit['id']}/members", params={"period": "2025Q1"})).json()
    assert [m["post"] for m in members["items"]] == ["综合文字岗"]
    # the summary shows the latest placement's post in the period, like its section
    q2 = (await client.get(f"/api/v1/records/units/{unit['id']}/summary",
                           params={"period": "2025Q2", "fields": "section_id,post"})).json()
    assert q2["people"] == [{"person_id": person["id"], "section_id": None, "post": "统计岗"}]


async def test_a_post_too_long_or_empty_is_422(client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
    for post in ("岗" * 65, ""):
        response = await client.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": uuid.uuid4().hex[:8], "name": "张三", "staff_category": "staff",
            "active_from": "2025-01-01", "post": post})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.post"


async def test_the_roster_sheet_carries_posts(client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
    region_id, tag = unit["region_id"], uuid.uuid4().hex[:4]
    header = "工号,姓名,单位编码,科室,人员类别,起始日期"
    first = await send(client, region_id, "花名册.csv", sheet([
        f"{header},岗位", f"{tag}1,张三,XC,,其他在编,2025-01-01,综合文字岗", f"{tag}2,李四,XC,,其他在编,2025-01-01,"]))
    assert counts(first) == {"rows": 2, "added": 2, "moved": 0, "unchanged": 0}
    # without the column, posts stay; with it, a new post from a later day is a new placement
    again = await send(client, region_id, "花名册.csv", sheet([header, f"{tag}1,张三,XC,,其他在编,2025-01-01"]))
    assert counts(again) == {"rows": 1, "added": 0, "moved": 0, "unchanged": 1}
    changed = await send(client, region_id, "花名册.csv", sheet([
        f"{header},岗位", f"{tag}1,张三,XC,,其他在编,2025-07-01,统计岗", f"{tag}2,李四,XC,,其他在编,2025-01-01,"]))
    assert counts(changed) == {"rows": 2, "added": 0, "moved": 1, "unchanged": 1}
    members = (await client.get(f"/api/v1/records/units/{unit['id']}/members", params={"period": "2025"})).json()
    assert [(m["staff_no"], m["post"], m["active_from"]) for m in members["items"]] == [
        (f"{tag}1", "综合文字岗", "2025-01-01"), (f"{tag}1", "统计岗", "2025-07-01"), (f"{tag}2", None, "2025-01-01")]
    exported = await client.get(f"/api/v1/records/regions/{region_id}/roster/export",
                                params={"on": "2025-12-31", "format": "csv"})
    assert exported.text.splitlines()[0].lstrip("\ufeff").split(",")[-1] == "岗位"
    assert exported.text.splitlines()[1].split(",")[-1] == "统计岗"
    too_long = await send(client, region_id, "花名册.csv", sheet([f"{header},岗位",
                                                               f"{tag}2,李四,XC,,其他在编,2025-01-01,{'岗' * 65}"]))
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["column"] == "post"
