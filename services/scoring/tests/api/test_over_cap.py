"""Caps that cap: under ``adjustments.over_cap: cut`` bonus and deduction points past an item's cap
or a direction's total cap are accepted when keyed and cut to the cap in the result, which lists
each cut; under ``refuse`` (the default) they are refused when keyed, as before."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import unit_with_people

Q = "2025Q2"

CUTTING = {
    "indicators": [{"code": "de", "name": "德", "weight": "0.3"}, {"code": "ji", "name": "绩", "weight": "0.7"}],
    "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"},
                              "innovation": {"name": "改革创新", "direction": "bonus", "max_points": "3"},
                              "safety": {"name": "安全生产", "direction": "deduction", "max_points": "5"}},
                    "bonus_total": "4", "deduction_total": "10", "over_cap": "cut"},
    "grades": {"caps": [{"grade": "good", "max_share": "0.5"}], "default": "fairly_good"},
}


async def post_scheme(client: httpx.AsyncClient, county: dict[str, Any], definition: dict[str, Any]) -> httpx.Response:
    return await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "加减分", "definition": definition})


def keyed(person: str, item: str, points: str) -> dict[str, str]:
    return {"person_id": person, "item": item, "points": points, "evidence": "文件", "approved_by": "局党组"}


async def test_points_past_a_cap_are_kept_and_cut_in_the_result(client: httpx.AsyncClient,
                                                                records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "AB")
    p = county["people"]
    response = await post_scheme(client, county, CUTTING)
    assert response.status_code == 201, response.text
    assert response.json()["definition"]["adjustments"]["over_cap"] == "cut"
    base = f"/api/v1/scoring/schemes/{response.json()['id']}/periods/{Q}"
    response = await client.put(f"{base}/marks", json={"marks": [
        {"person_id": p[k], "indicator": code, "mark": mark}
        for k, marks in (("A", (90, 80)), ("B", (70, 70))) for code, mark in zip(("de", "ji"), marks, strict=True)]})
    assert response.status_code == 200, response.text
    for body in (keyed(p["A"], "honour", "5"), keyed(p["A"], "innovation", "2"), keyed(p["A"], "safety", "4"),
                 keyed(p["A"], "safety", "3"), keyed(p["B"], "safety", "2")):
        response = await client.post(f"{base}/adjustments", json=body)
        assert response.status_code == 201, response.text  # past the item's cap (honour 5 > 3): kept all the same
    assert (await client.post(f"{base}/close")).status_code == 201
    results = {r["person_id"]: r["score"] for r in (await client.get(f"{base}/results")).json()["items"]}
    # By hand: A's indicators 0.3×90 + 0.7×80 = 83. honour 5 keyed → 3 (item cap 3); innovation 2;
    # bonus 3 + 2 = 5 → 4 (total cap 4); safety 4 + 3 = 7 → 5 (item cap 5), within the deduction
    # total of 10. 83 + 4 - 5 = 82.
    # B: 70, safety 2 (under every cap): 68.
    assert (results[p["A"]], results[p["B"]]) == ("82", "68")
    detail = (await client.get(f"{base}/people/{p['A']}/explanation")).json()["detail"]
    assert detail["total"] == "82"
    adjustments = detail["adjustments"]
    assert (adjustments["bonus"], adjustments["deduction"], adjustments["net"], adjustments["over_cap"]) == (
        "4", "5", "-1", "cut")
    assert adjustments["capped"] == ["honour: 5 keyed, 3 counted (item cap 3)",
                                     "safety: 7 keyed, 5 counted (item cap 5)",
                                     "bonus total: 5 keyed, 4 counted (total cap 4)"]
    assert [(i["item"], i["points"]) for i in adjustments["items"]] == [
        ("honour", "5"), ("innovation", "2"), ("safety", "-4"), ("safety", "-3")]
    other = (await client.get(f"{base}/people/{p['B']}/explanation")).json()["detail"]["adjustments"]
    assert (other["net"], other["capped"]) == ("-2", [])


async def test_a_deduction_past_its_total_is_cut(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    a = county["people"]["A"]
    definition = {**CUTTING, "adjustments": {**CUTTING["adjustments"], "deduction_total": "6",
                                             "items": {**CUTTING["adjustments"]["items"],
                                                       "stability": {"name": "社会稳定", "direction": "deduction",
                                                                     "max_points": "5"}}}}
    response = await post_scheme(client, county, definition)
    assert response.status_code == 201, response.text
    base = f"/api/v1/scoring/schemes/{response.json()['id']}/periods/{Q}"
    marks = [{"person_id": a, "indicator": code, "mark": 80} for code in ("de", "ji")]
    assert (await client.put(f"{base}/marks", json={"marks": marks})).status_code == 200
    for item, points in (("safety", "4"), ("stability", "4")):
        assert (await client.post(f"{base}/adjustments", json=keyed(a, item, points))).status_code == 201
    assert (await client.post(f"{base}/close")).status_code == 201
    # By hand: 80; deductions 4 + 4 = 8 → 6 (total cap 6): 74.
    detail = (await client.get(f"{base}/people/{a}/explanation")).json()["detail"]
    assert detail["total"] == "74"
    assert detail["adjustments"]["capped"] == ["deduction total: 8 keyed, 6 counted (total cap 6)"]


async def test_refuse_is_the_default_and_refuses_when_keyed(client: httpx.AsyncClient,
                                                            records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    a = county["people"]["A"]
    refusing = {**CUTTING, "adjustments": {k: v for k, v in CUTTING["adjustments"].items() if k != "over_cap"}}
    response = await post_scheme(client, county, refusing)
    assert response.status_code == 201, response.text
    assert response.json()["definition"]["adjustments"]["over_cap"] == "refuse"
    base = f"/api/v1/scoring/schemes/{response.json()['id']}/periods/{Q}"
    response = await client.post(f"{base}/adjustments", json=keyed(a, "honour", "5"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.points" and "cap of 3" in response.json()["detail"]
    assert (await client.post(f"{base}/adjustments", json=keyed(a, "honour", "3"))).status_code == 201
    response = await client.post(f"{base}/adjustments", json=keyed(a, "innovation", "2"))  # bonus 3 + 2 > 4
    assert response.status_code == 422 and "total cap of 4" in response.json()["detail"]
    assert len((await client.get(f"{base}/adjustments")).json()["items"]) == 1


async def test_an_unknown_over_cap_is_named(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    bad = {**CUTTING, "adjustments": {**CUTTING["adjustments"], "over_cap": "trim"}}
    response = await post_scheme(client, county, bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.definition.adjustments.over_cap"
