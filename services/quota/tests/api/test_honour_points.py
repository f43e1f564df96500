"""Township points from the records honours ledger (荣誉台账) by the policy's ``honour_points``."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from .test_headcounts_from_records import POLICY, as_region_admin, records  # noqa: F401  (the fixture)

TABLE = {"provincial": "5", "city": "3", "county": "2"}


async def county(records: httpx.AsyncClient) -> dict[str, Any]:  # noqa: F811
    """Townships T1 and T2 of 8 people each, department D of 13, all in post since 2020."""
    region = (await records.post("/api/v1/records/regions", json={"code": f"r{uuid.uuid4().hex[:8]}",
                                                                    "name": "县"})).json()
    units, people = {}, {}
    for code, kind, count in (("T1", "township", 8), ("T2", "township", 8), ("D", "department", 13)):
        unit = (await records.post("/api/v1/records/units", json={
            "region_id": region["id"], "code": code, "name": code, "kind": kind})).json()
        units[code] = unit["id"]
        for i in range(count):
            person = (await records.post("/api/v1/records/persons", json={
                "unit_id": unit["id"], "staff_no": f"{region['code']}-{code}{i}", "name": f"{code}{i}",
                "staff_category": "staff", "active_from": "2020-01-01"})).json()
            people.setdefault(code, person["id"])
    return {"region": region["id"], "units": units, "people": people}


async def award(records: httpx.AsyncClient, level: str, on: str, **who: str) -> str:  # noqa: F811
    response = await records.post("/api/v1/records/honours", json={
        **who, "title": f"{level}先进集体", "level": level, "awarded_on": on, "awarded_by": "市委",
        "evidence": "某发〔2025〕1号"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_honours_of_the_year_add_township_points(client: httpx.AsyncClient,
                                                       records: httpx.AsyncClient) -> None:  # noqa: F811
    """T1: 10 stored + its own city honour 3 + a person's county honour 2 = 15 points; T2: 10 (its
    county honour of 2024 is another year's, its provincial one voided).

    By hand: exact quotas 8 × 0.22 = 1.76 (T1, T2), 13 × 0.20 = 2.6 (D): floors 1, 1, 2; the pool is
    the whole of 0.76 + 0.76 + 0.6 = 2.12 → 2. Townships must reach 1.2 × 2/13 of their 16 people,
    2.95 → 3 slots: one tilt slot, shared by points 15 : 10 (Hamilton: 0.6 and 0.4) → T1. The slot
    left goes by largest fraction to a unit with no pooled slot yet: T2 (0.76 before D's 0.6).
    """
    c = await county(records)
    region, t1, t2, d = c["region"], c["units"]["T1"], c["units"]["T2"], c["units"]["D"]
    as_region_admin(client, region)
    city = await award(records, "city", "2025-03-01", unit_id=t1)
    county_honour = await award(records, "county", "2025-11-30", person_id=c["people"]["T1"])
    await award(records, "county", "2024-12-31", person_id=c["people"]["T2"])
    voided = await award(records, "provincial", "2025-06-01", unit_id=t2)
    assert (await records.post(f"/api/v1/records/honours/{voided}/void", json={"reason": "撤销"})).status_code == 200
    await award(records, "township", "2025-06-01", unit_id=t2)  # a level the table does not price
    units = [{"id": t1, "kind": "township", "grade": "first", "points": 10},
             {"id": t2, "kind": "township", "grade": "first", "points": 10},
             {"id": d, "kind": "department", "grade": "second"}]
    base = f"/api/v1/quota/regions/{region}/years/2025"
    assert (await client.put(f"{base}/units", json={"units": units})).status_code == 200
    assert (await client.put(f"{base}/policy", json={**POLICY, "honour_points": TABLE})).status_code == 200
    response = await client.post(f"{base}/allocations")
    assert response.status_code == 201, response.text
    run = response.json()
    got = {u["id"]: (u["points"], u["floor"], u["tilt"], u["remainder"], u["total"]) for u in run["result"]["units"]}
    assert got == {t1: ("15", 1, 1, 0, 2), t2: ("10", 1, 0, 1, 2), d: ("0", 2, 0, 0, 2)}
    steps = [(s["unit"], s["rule"], s["text"]) for s in run["result"]["trace"] if s["step"] == "honour_points"]
    assert [(u, r) for u, r, _ in steps] == [(t1, "honour_points.city"), (t1, "honour_points.county")]
    assert city in steps[0][2] and "+3 points" in steps[0][2] and county_honour in steps[1][2]

    # a new honour changes the run's inputs
    await award(records, "county", "2025-12-01", unit_id=t2)
    again = (await client.post(f"{base}/allocations")).json()
    assert again["input_digest"] != run["input_digest"]
    assert {u["id"]: u["points"] for u in again["units"]}[t2] == "12"


async def test_without_the_table_nothing_changes(client: httpx.AsyncClient,
                                                 records: httpx.AsyncClient) -> None:  # noqa: F811
    c = await county(records)
    region, t1 = c["region"], c["units"]["T1"]
    as_region_admin(client, region)
    await award(records, "city", "2025-03-01", unit_id=t1)
    base = f"/api/v1/quota/regions/{region}/years/2025"
    await client.put(f"{base}/units", json={"units": [{"id": t1, "kind": "township", "grade": "first",
                                                       "points": 10}]})
    await client.put(f"{base}/policy", json=POLICY)
    run = (await client.post(f"{base}/allocations")).json()
    assert run["units"][0]["points"] == "10"
    assert not [s for s in run["result"]["trace"] if s["step"] == "honour_points"]


async def test_an_unknown_level_is_422(client: httpx.AsyncClient) -> None:
    region = str(uuid.uuid4())
    response = await client.put(f"/api/v1/quota/regions/{region}/years/2025/policy",
                                json={**POLICY, "honour_points": {"galactic": "1"}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("body.honour_points")
