"""Weights and shares as exact fractions: three equal thirds are "1/3" each and add up to exactly 1
(three times "0.333333" still does not); a stored scheme reads back as it was written."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import unit_with_people

Q = "2025Q2"

THIRDS = {
    "indicators": [{"code": "de", "name": "德", "weight": "1/3"}, {"code": "neng", "name": "能", "weight": "1/3"},
                   {"code": "ji", "name": "绩", "weight": "1/3"}],
    "grades": {"caps": [{"grade": "good", "max_share": "1/3"}], "default": "fairly_good"},
}


async def post_scheme(client: httpx.AsyncClient, county: dict[str, Any], definition: dict[str, Any]) -> httpx.Response:
    return await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "三分之一", "definition": definition})


async def test_three_thirds_are_accepted_and_add_up_exactly(client: httpx.AsyncClient,
                                                            records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "ABC")
    response = await post_scheme(client, county, THIRDS)
    assert response.status_code == 201, response.text
    scheme = response.json()
    assert [i["weight"] for i in scheme["definition"]["indicators"]] == ["1/3", "1/3", "1/3"]
    read = (await client.get(f"/api/v1/scoring/schemes/{scheme['id']}")).json()
    assert read["definition"] == scheme["definition"]  # reads back as written
    assert read["definition"]["grades"]["caps"] == [{"grade": "good", "max_share": "1/3"}]
    base = f"/api/v1/scoring/schemes/{scheme['id']}/periods/{Q}"
    p = county["people"]
    marks = {"A": (90, 80, 70), "B": (100, 100, 99), "C": (60, 60, 60)}
    response = await client.put(f"{base}/marks", json={"marks": [
        {"person_id": p[k], "indicator": code, "mark": mark} for k, row in marks.items()
        for code, mark in zip(("de", "neng", "ji"), row, strict=True)]})
    assert response.status_code == 200, response.text
    assert (await client.post(f"{base}/close")).status_code == 201
    results = {r["person_id"]: r for r in (await client.get(f"{base}/results")).json()["items"]}
    # By hand: A (90 + 80 + 70) / 3 = 80 exactly; B 299 / 3 = 99.666…, shown at 6 places; C 60.
    # Good: at most 1/3 of 3 = 1 (B).
    got = {k: (results[v]["score"], results[v]["grade"]) for k, v in p.items()}
    assert got == {"A": ("80", "fairly_good"), "B": ("99.666667", "good"), "C": ("60", "fairly_good")}
    detail = (await client.get(f"{base}/people/{p['A']}/explanation")).json()["detail"]
    assert detail["total"] == "80"
    assert [(leaf["weight"], leaf["contribution"]) for leaf in detail["indicators"]["leaves"]] == [
        ("0.333333", "30"), ("0.333333", "26.666667"), ("0.333333", "23.333333")]


async def test_rater_groups_and_the_evaluation_share_take_fractions(client: httpx.AsyncClient,
                                                                    records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    definition = {**THIRDS, "raters": {"share": "1/5", "groups": {"leadership": "1/3", "middle": "1/3",
                                                                  "staff": "0.333333333333"}}}
    response = await post_scheme(client, county, definition)  # the groups add up to 0.999999999999…
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.raters.groups"
    definition["raters"]["groups"]["staff"] = "2/6"
    response = await post_scheme(client, county, definition)
    assert response.status_code == 201, response.text
    assert response.json()["definition"]["raters"] == {
        "share": "1/5", "groups": {"leadership": "1/3", "middle": "1/3", "staff": "2/6"}, "missing": "renormalise",
        "trim": [], "dimensions": None, "outside": []}


async def test_six_places_three_times_is_still_refused(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    approximate = {**THIRDS, "indicators": [{**i, "weight": "0.333333"} for i in THIRDS["indicators"]]}
    response = await post_scheme(client, county, approximate)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "body.indicators"
    assert "add up to 99.9999%, not 100%" in problem["detail"]


async def test_a_share_that_is_no_share_is_named(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    for weight, message in (("4/3", "between 0 and 1"), ("1/0", "denominator is not 0"),
                            ("one third", "a fraction like 1/3"), (-0.5, "between 0 and 1")):
        bad = {**THIRDS, "indicators": [{**THIRDS["indicators"][0], "weight": weight}, *THIRDS["indicators"][1:]]}
        response = await post_scheme(client, county, bad)
        assert response.status_code == 422, weight
        errors = response.json()["errors"]
        assert errors[0]["field"] == "body.definition.indicators.0.weight", errors
        assert message in errors[0]["message"]
