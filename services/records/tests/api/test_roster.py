"""The roster and its history: who was in unit U during a period, year-end headcounts."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.business_time import business_today


async def make_region(client: httpx.AsyncClient, code: str = "bazhou") -> dict[str, Any]:
    response = await client.post("/api/v1/records/regions", json={"code": code, "name": "巴州区"})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def make_unit(client: httpx.AsyncClient, region_id: str, code: str, kind: str = "township",
                    group: str | None = None) -> dict[str, Any]:
    response = await client.post("/api/v1/records/units", json={
        "region_id": region_id, "code": code, "name": f"单位{code}", "kind": kind, "evaluation_group": group})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def make_person(client: httpx.AsyncClient, unit_id: str, staff_no: str, active_from: str = "2024-01-01",
                      category: str = "staff", **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/records/persons", json={
        "unit_id": unit_id, "staff_no": staff_no, "name": f"人员{staff_no}", "staff_category": category,
        "active_from": active_from, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestRegionsAndUnits:
    async def test_duplicate_codes_are_409(self, client: httpx.AsyncClient) -> None:
        region = await make_region(client)
        await make_unit(client, region["id"], "T01")
        response = await client.post("/api/v1/records/units", json={
            "region_id": region["id"], "code": "T01", "name": "x", "kind": "street"})
        assert response.status_code == 409
        assert response.json()["code"] == "duplicate"
        again = await client.post("/api/v1/records/regions", json={"code": "bazhou", "name": "x"})
        assert again.status_code == 409

    async def test_a_unit_in_a_missing_region_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/records/units", json={
            "region_id": str(uuid.uuid4()), "code": "X", "name": "x", "kind": "street"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.region_id"

    async def test_unknown_kind_is_422(self, client: httpx.AsyncClient) -> None:
        region = await make_region(client)
        response = await client.post("/api/v1/records/units", json={
            "region_id": region["id"], "code": "X", "name": "x", "kind": "village"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.kind"

    async def test_regroup_a_unit(self, client: httpx.AsyncClient) -> None:
        region = await make_region(client)
        unit = await make_unit(client, region["id"], "I01", "institution")
        response = await client.patch(f"/api/v1/records/units/{unit['id']}", json={"evaluation_group": "D01+I01"})
        assert response.json()["evaluation_group"] == "D01+I01"

    async def test_a_name_or_kind_is_changed_but_never_cleared(self, client: httpx.AsyncClient) -> None:
        region = await make_region(client)
        unit = await make_unit(client, region["id"], "N01", group="G")
        for field in ("name", "kind"):
            response = await client.patch(f"/api/v1/records/units/{unit['id']}", json={field: None})
            assert response.status_code == 422, response.text  # not a database error
            assert response.json()["errors"][0]["field"] == f"body.{field}"
        response = await client.patch(f"/api/v1/records/units/{unit['id']}",
                                      json={"name": "新名", "evaluation_group": None})
        assert response.status_code == 200
        assert {k: response.json()[k] for k in ("name", "kind", "evaluation_group")} == {
            "name": "新名", "kind": "township", "evaluation_group": None}

    async def test_unknown_unit_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/api/v1/records/units/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["code"] == "unit_not_found"


class TestPersons:
    async def test_a_section_of_another_unit_is_refused(self, client: httpx.AsyncClient) -> None:
        region = await make_region(client)
        a = await make_unit(client, region["id"], "A")
        b = await make_unit(client, region["id"], "B")
        section = (await client.post(f"/api/v1/records/units/{b['id']}/sections",
                                     json={"name": "办公室", "coefficient": "1.2"})).json()
        response = await client.post("/api/v1/records/persons", json={
            "unit_id": a["id"], "section_id": section["id"], "staff_no": "P1", "name": "张三",
            "staff_category": "staff", "active_from": "2025-01-01"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.section_id"

    async def test_duplicate_staff_number_is_409(self, client: httpx.AsyncClient) -> None:
        region = await make_region(client)
        unit = await make_unit(client, region["id"], "A")
        await make_person(client, unit["id"], "P1")
        response = await client.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": "P1", "name": "李四", "staff_category": "staff",
            "active_from": "2025-01-01"})
        assert response.status_code == 409

    async def test_an_end_before_the_start_is_422(self, client: httpx.AsyncClient) -> None:
        region = await make_region(client)
        unit = await make_unit(client, region["id"], "A")
        response = await client.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": "P9", "name": "王五", "staff_category": "staff",
            "active_from": "2025-06-01", "active_to": "2025-01-01"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.active_to", response.text
        # a unit that does not exist is said first
        nowhere = await client.post("/api/v1/records/persons", json={
            "unit_id": str(uuid.uuid4()), "staff_no": "P9", "name": "王五", "staff_category": "staff",
            "active_from": "2025-06-01", "active_to": "2025-01-01"})
        assert nowhere.status_code == 422 and nowhere.json()["code"] == "invalid_reference", nowhere.text

    async def test_a_move_before_the_current_placement_is_409(self, client: httpx.AsyncClient) -> None:
        region = await make_region(client)
        unit = await make_unit(client, region["id"], "A")
        person = await make_person(client, unit["id"], "P1", "2025-03-01")
        response = await client.post(f"/api/v1/records/persons/{person['id']}/moves",
                                     json={"on": "2025-02-01", "leave": True})
        assert response.status_code == 409
        assert response.json()["code"] == "roster_conflict"


class TestHistory:
    @pytest.fixture
    async def county(self, client: httpx.AsyncClient) -> dict[str, Any]:
        """Township T gets a recruit in May, sends Wang to a village (department D) in July,
        and Li retires at the end of September."""
        region = await make_region(client)
        t = await make_unit(client, region["id"], "T")
        d = await make_unit(client, region["id"], "D", "department")
        wang = await make_person(client, t["id"], "wang", "2020-01-01")
        li = await make_person(client, t["id"], "li", "2010-01-01", "leadership")
        await make_person(client, t["id"], "zhao", "2025-05-06")
        moved = await client.post(f"/api/v1/records/persons/{wang['id']}/moves",
                                  json={"on": "2025-07-01", "unit_id": d["id"]})
        assert moved.status_code == 200
        assert [h["active_to"] for h in moved.json()["history"]] == ["2025-06-30", None]
        left = await client.post(f"/api/v1/records/persons/{li['id']}/moves", json={"on": "2025-10-01", "leave": True})
        assert left.json()["history"][-1]["active_to"] == "2025-09-30"
        return {"region": region, "t": t, "d": d}

    async def members(self, client: httpx.AsyncClient, unit_id: str, period: str) -> list[str]:
        response = await client.get(f"/api/v1/records/units/{unit_id}/members", params={"period": period})
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == len(body["items"])
        return [m["staff_no"] for m in body["items"]]

    async def test_who_was_in_the_unit_each_quarter(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        t, d = county["t"]["id"], county["d"]["id"]
        assert await self.members(client, t, "2025Q1") == ["li", "wang"]
        assert await self.members(client, t, "2025Q2") == ["li", "wang", "zhao"]
        assert await self.members(client, t, "2025Q3") == ["li", "zhao"]
        assert await self.members(client, t, "2025Q4") == ["zhao"]
        assert await self.members(client, d, "2025Q2") == []
        assert await self.members(client, d, "2025") == ["wang"]

    async def test_year_end_headcount(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        response = await client.get(f"/api/v1/records/regions/{county['region']['id']}/headcounts",
                                    params={"year": 2025})
        counts = {u["code"]: u["headcount"] for u in response.json()["units"]}
        assert counts == {"D": 1, "T": 1}
        mid_year = await client.get(f"/api/v1/records/regions/{county['region']['id']}/headcounts",
                                    params={"on": "2025-06-15"})
        assert {u["code"]: u["headcount"] for u in mid_year.json()["units"]} == {"D": 0, "T": 3}

    async def test_headcount_today_when_no_day_is_named(self, client: httpx.AsyncClient,
                                                        county: dict[str, Any]) -> None:
        url = f"/api/v1/records/regions/{county['region']['id']}/headcounts"
        now = await client.get(url)
        assert now.status_code == 200, now.text
        named = await client.get(url, params={"on": now.json()["on"]})
        assert now.json() == named.json()
        assert now.json()["on"] == business_today().isoformat()
        # `on` comes before `year` when both are given
        both = await client.get(url, params={"on": "2025-06-15", "year": 2025})
        assert both.json()["on"] == "2025-06-15"

    async def test_bad_period_is_422(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        response = await client.get(f"/api/v1/records/units/{county['t']['id']}/members",
                                    params={"period": "2025Q5"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query.period"
