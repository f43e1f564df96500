"""Binzhou's third way (按类别/岗位/单位 分别比较): people compared only within their post. Ranks
and the good share are worked out in each post on its own; the results, the explanation and the
close's summary name the group."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from .test_exports import open_results, table

Q = "2025Q2"


def scheme(within: list[str]) -> dict[str, Any]:
    return {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
            "grades": {"caps": [{"grade": "good", "max_share": "0.5"}], "default": "fairly_good",
                       "compare_within": within}}


async def two_posts(records: httpx.AsyncClient) -> dict[str, Any]:
    """One unit: A, B and C are 科员; D and E drive (驾驶员)."""
    region = (await records.post("/api/v1/records/regions", json={"code": f"r{uuid.uuid4().hex[:8]}",
                                                                    "name": "滨州市"})).json()
    unit = (await records.post("/api/v1/records/units", json={
        "region_id": region["id"], "code": "B", "name": "市直某局", "kind": "department"})).json()
    people = {}
    for letter, post in (("A", "科员"), ("B", "科员"), ("C", "科员"), ("D", "驾驶员"), ("E", "驾驶员")):
        response = await records.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": f"{region['code']}-{letter}", "name": letter, "post": post,
            "staff_category": "staff", "active_from": "2020-01-01"})
        assert response.status_code == 201, response.text
        people[letter] = response.json()["id"]
    return {"region": region["id"], "unit": unit["id"], "people": people}


MARKS = {"A": "90", "B": "88", "C": "70", "D": "60", "E": "50"}


async def close(client: httpx.AsyncClient, county: dict[str, Any], within: list[str]) -> tuple[str, dict[str, Any]]:
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "分岗位比较", "definition": scheme(within)})
    assert response.status_code == 201, response.text
    base = f"/api/v1/scoring/schemes/{response.json()['id']}/periods/{Q}"
    p = county["people"]
    response = await client.put(f"{base}/marks", json={"marks": [
        {"person_id": p[k], "indicator": "ji", "mark": mark} for k, mark in MARKS.items()]})
    assert response.status_code == 200, response.text
    response = await client.post(f"{base}/close")
    assert response.status_code == 201, response.text
    return base, response.json()


async def test_ranks_and_the_good_share_are_per_post(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await two_posts(records)
    p, unit = county["people"], county["unit"]
    letter = {v: k for k, v in p.items()}

    # The whole unit compared: 50% of 5, floor → 2 good: A (90) and B (88); ranks 1-5 by score.
    base, _ = await close(client, county, [])
    items = (await client.get(f"{base}/results")).json()["items"]
    assert {letter[r["person_id"]]: (r["rank"], r["grade"], r["group"]) for r in items} == {
        "A": (1, "good", None), "B": (2, "good", None), "C": (3, "fairly_good", None),
        "D": (4, "fairly_good", None), "E": (5, "fairly_good", None)}

    # Within each post of the unit: 科员 50% of 3 → 1 good (A), ranks 1-3; 驾驶员 50% of 2 → 1 good (D), ranks 1-2.
    base, closed = await close(client, county, ["unit", "post"])
    items = (await client.get(f"{base}/results")).json()["items"]
    clerks, drivers = {"unit": unit, "post": "科员"}, {"unit": unit, "post": "驾驶员"}
    assert {letter[r["person_id"]]: (r["rank"], r["grade"], r["group"]) for r in items} == {
        "A": (1, "good", clerks), "B": (2, "fairly_good", clerks), "C": (3, "fairly_good", clerks),
        "D": (1, "good", drivers), "E": (2, "fairly_good", drivers)}
    summary = closed["summary"]
    assert summary["compare_within"] == ["unit", "post"]
    assert summary["groups"] == [
        {"group": clerks, "graded": 3, "slots": {"good": 1}, "grades": {"good": 1, "fairly_good": 2, "average": 0,
                                                                          "poor": 0}},
        {"group": drivers, "graded": 2, "slots": {"good": 1}, "grades": {"good": 1, "fairly_good": 1, "average": 0,
                                                                           "poor": 0}}]
    assert (summary["graded"], summary["slots"], summary["grades"]["good"]) == (5, {"good": 2}, 2)

    grade = (await client.get(f"{base}/people/{p['D']}/explanation")).json()["detail"]["grade"]
    assert grade == {
        "grade": "good", "rank": 1, "of": 2, "slots": {"good": 1}, "group": drivers,
        "reasons": [f"compared within unit {unit}, post 驾驶员 (2 graded; grades.compare_within)",
                    "rank 1 within the good cap of 1 (50% of 2, floor)"]}


async def test_a_grouping_named_twice_or_unknown_is_refused(client: httpx.AsyncClient,
                                                            records: httpx.AsyncClient) -> None:
    county = await two_posts(records)
    for within, field in ((["post", "post"], "body.grades.compare_within.1"),
                          (["rank"], "body.definition.grades.compare_within.0")):
        response = await client.post("/api/v1/scoring/schemes", json={
            "region_id": county["region"], "unit_id": county["unit"], "name": "x", "definition": scheme(within)})
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]], response.text


async def test_the_workbook_says_each_ones_group(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await two_posts(records)
    base, _ = await close(client, county, ["post"])
    rows = table(open_results(await client.get(f"{base}/results.xlsx"))["考核结果"])
    assert sorted((r[0], r[2], r[6], r[10]) for r in rows) == [
        (1, "A", "好", "同组比较：岗位 科员"), (1, "D", "好", "同组比较：岗位 驾驶员"),
        (2, "B", "较好", "同组比较：岗位 科员"), (2, "E", "较好", "同组比较：岗位 驾驶员"),
        (3, "C", "较好", "同组比较：岗位 科员")]
