"""Honours of the records ledger (荣誉台账) become bonus points at a close, by the scheme's table
``adjustments.honours``: counted under the item's caps with the keyed ones, in the input digest,
and listed in the explanation as coming from the ledger."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from .conftest import unit_with_people
from .test_year import MARKS, YEAR, publish_quota

Q = "2025Q2"  # 2025-04-01 .. 2025-06-30
HONOURS = "/api/v1/records/honours"
DEFINITION: dict[str, Any] = {
    "indicators": [{"code": "de", "name": "德", "weight": "0.3"}, {"code": "ji", "name": "绩", "weight": "0.7"}],
    "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"},
                              "safety": {"name": "安全生产", "direction": "deduction", "max_points": "5"}},
                    "bonus_total": "4", "deduction_total": "10",
                    "honours": {"county": {"item": "honour", "points": "1.5"},
                                "city": {"item": "honour", "points": "2"}}},
}


async def award(records: httpx.AsyncClient, level: str, on: str, **who: str) -> str:
    response = await records.post(HONOURS, json={
        **who, "title": f"{level}表彰", "level": level, "awarded_on": on, "awarded_by": "中共某县委",
        "evidence": "某委发〔2025〕12号"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def quarter(client: httpx.AsyncClient, records: httpx.AsyncClient,
                  definition: dict[str, Any] = DEFINITION) -> dict[str, Any]:
    county = await unit_with_people(records, "ABCD")
    p = county["people"]
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "夏村镇机关干部", "definition": definition})
    assert response.status_code == 201, response.text
    base = f"/api/v1/scoring/schemes/{response.json()['id']}/periods/{Q}"
    marks = {"A": (90, 80), "B": (80, 90), "C": (70, 70), "D": (60, 60)}
    response = await client.put(f"{base}/marks", json={"marks": [
        {"person_id": p[k], "indicator": code, "mark": v} for k, (de, ji) in marks.items()
        for code, v in (("de", de), ("ji", ji))]})
    assert response.status_code == 200, response.text
    return {"county": county, "base": base}


async def scores(client: httpx.AsyncClient, q: dict[str, Any]) -> dict[str, str]:
    results = (await client.get(f"{q['base']}/results")).json()["items"]
    letters = {v: k for k, v in q["county"]["people"].items()}
    return {letters[r["person_id"]]: r["score"] for r in results}


async def test_honours_of_the_quarter_become_bonus_points(client: httpx.AsyncClient,
                                                         records: httpx.AsyncClient) -> None:
    """By hand (德 30% / 绩 70%, no evaluation):
    A: 0.3×90 + 0.7×80 = 83; keyed honour 1 + a county honour 1.5 (ledger) = 2.5 → 85.5
    B: 0.3×80 + 0.7×90 = 87; a city honour 2 → 89; a provincial one is not in the table → 89
    C: 70; a county honour of 2025-03-31 is of the first quarter → 70
    D: 60; a county honour voided → 60; the unit's own honour is no one's bonus
    """
    q = await quarter(client, records)
    p = q["county"]["people"]
    assert (await client.post(f"{q['base']}/adjustments", json={
        "person_id": p["A"], "item": "honour", "points": "1", "evidence": "镇级表彰", "approved_by": "镇党委"})
        ).status_code == 201
    a_honour = await award(records, "county", "2025-05-04", person_id=p["A"])
    await award(records, "city", "2025-06-30", person_id=p["B"])
    await award(records, "provincial", "2025-04-01", person_id=p["B"])
    await award(records, "county", "2025-03-31", person_id=p["C"])
    voided = await award(records, "county", "2025-04-15", person_id=p["D"])
    assert (await records.post(f"{HONOURS}/{voided}/void", json={"reason": "文号有误"})).status_code == 200
    await award(records, "county", "2025-05-01", unit_id=q["county"]["unit"])
    response = await client.post(f"{q['base']}/close")
    assert response.status_code == 201, response.text
    assert await scores(client, q) == {"A": "85.5", "B": "89", "C": "70", "D": "60"}
    detail = (await client.get(f"{q['base']}/people/{p['A']}/explanation")).json()["detail"]
    assert detail["adjustments"]["net"] == "2.5"
    items = {(i["item"], i["points"], i["approved_by"]) for i in detail["adjustments"]["items"]}
    assert items == {("honour", "1", "镇党委"), ("honour", "1.5", "中共某县委")}
    ledger = [i["evidence"] for i in detail["adjustments"]["items"] if i["approved_by"] == "中共某县委"]
    assert ledger == [f"荣誉台账 {a_honour}: county表彰（某委发〔2025〕12号）"]

    # a new honour changes the inputs: the close is made again, with C's 70 + 1.5
    first = response.json()
    await award(records, "county", "2025-06-01", person_id=p["C"])
    again = await client.post(f"{q['base']}/close")
    assert again.status_code == 201 and again.json()["version"] == 2
    assert again.json()["input_digest"] != first["input_digest"]
    assert (await scores(client, q))["C"] == "71.5"


async def test_ledger_honours_count_under_the_items_cap(client: httpx.AsyncClient,
                                                        records: httpx.AsyncClient) -> None:
    """B: 87 + a city honour 2 + a county honour 1.5 = 3.5 of the honour item, capped at its 3 → 90."""
    q = await quarter(client, records)
    b = q["county"]["people"]["B"]
    await award(records, "city", "2025-04-10", person_id=b)
    await award(records, "county", "2025-05-10", person_id=b)
    assert (await client.post(f"{q['base']}/close")).status_code == 201
    assert (await scores(client, q))["B"] == "90"
    detail = (await client.get(f"{q['base']}/people/{b}/explanation")).json()["detail"]
    assert detail["adjustments"]["bonus"] == "3"


async def test_no_table_no_change(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    """Without ``adjustments.honours`` (the default) an honour in the ledger adds nothing: A stays 83."""
    plain = copy.deepcopy(DEFINITION)
    del plain["adjustments"]["honours"]
    q = await quarter(client, records, plain)
    await award(records, "city", "2025-04-10", person_id=q["county"]["people"]["A"])
    assert (await client.post(f"{q['base']}/close")).status_code == 201
    assert (await scores(client, q))["A"] == "83"


async def test_the_table_names_a_bonus_item_of_the_catalogue(client: httpx.AsyncClient,
                                                             records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    for item in ("safety", "nope"):
        definition = copy.deepcopy(DEFINITION)
        definition["adjustments"]["honours"]["city"]["item"] = item
        response = await client.post("/api/v1/scoring/schemes", json={
            "region_id": county["region"], "unit_id": county["unit"], "name": "x", "definition": definition})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "body.adjustments.honours.city.item"  # the setting path
    definition = copy.deepcopy(DEFINITION)
    definition["adjustments"]["honours"]["galactic"] = {"item": "honour", "points": "1"}
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "x", "definition": definition})
    assert response.status_code == 422
    assert "adjustments.honours" in response.json()["errors"][0]["field"]


async def test_a_year_counts_an_honour_in_its_quarter_only(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                           quota: httpx.AsyncClient) -> None:
    """J is marked 74 in every quarter and at the year's end, with a county honour (2 points) of
    2025-08-01: Q3 is 74 + 2 = 76; the year (60% quarters) is (74 + 74 + 76 + 74) / 4 = 74.5 × 0.6
    = 44.7 + year-end 74 × 0.4 = 29.6 → 74.3 (counted again at the year's end it would be 75.1)."""
    definition = {**YEAR, "adjustments": {
        "items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"}},
        "honours": {"county": {"item": "honour", "points": "2"}}}}
    county = await unit_with_people(records, "ABCDEFGHIJ")
    p = county["people"]
    scheme = (await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "化成镇", "definition": definition})).json()
    await award(records, "county", "2025-08-01", person_id=p["J"])
    base = f"/api/v1/scoring/schemes/{scheme['id']}/periods"
    for q in range(4):
        marks = [{"person_id": p[k], "indicator": "ji", "mark": quarters[q]} for k, (quarters, _) in MARKS.items()]
        assert (await client.put(f"{base}/2025Q{q + 1}/marks", json={"marks": marks})).status_code == 200
        close = (await client.post(f"{base}/2025Q{q + 1}/close")).json()
        assert (await client.post(f"/api/v1/scoring/results/{close['id']}/publish")).status_code == 200
    q3 = {r["person_id"]: r["score"] for r in (await client.get(f"{base}/2025Q3/results")).json()["items"]}
    assert q3[p["J"]] == "76"
    marks = [{"person_id": p[k], "indicator": "ji", "mark": year_end} for k, (_, year_end) in MARKS.items()]
    assert (await client.put(f"{base}/2025/marks", json={"marks": marks})).status_code == 200
    await publish_quota(quota, county["region"], county["unit"])
    response = await client.post(f"{base}/2025/close")
    assert response.status_code == 201, response.text
    year = {r["person_id"]: r["score"] for r in (await client.get(f"{base}/2025/results")).json()["items"]}
    assert year[p["J"]] == "74.3"
