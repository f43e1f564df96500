"""A unit's administrator runs their unit's whole year: the quarters, and the year graded against
the region's published allocation of excellent slots, which they read through the scheme."""

from __future__ import annotations

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import approved, unit_with_people
from .test_year import publish_quota

DEFINITION = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
              "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
              "annual": {"quarter_weight": "0.6", "bonus_pool_max": "0.3"}}


async def test_a_unit_administrator_closes_the_units_year(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                          quota: httpx.AsyncClient) -> None:
    """Ten people marked 91..100 in every quarter and at the year's end; the township's published
    share is 3 slots, so the three best (100, 99, 98) are excellent."""
    county = await unit_with_people(records, "ABCDEFGHIJ")
    unit, p = county["unit"], county["people"]
    admin = service_headers(Caller(subject="user:township-admin", roles=("unit_admin",), unit_ids=(unit,)))
    scheme = await client.post("/api/v1/scoring/schemes", headers=admin, json={
        "region_id": county["region"], "unit_id": unit, "name": "化成镇", "definition": DEFINITION})
    assert scheme.status_code == 201, scheme.text
    # the region's 组织部 asks for no democratic evaluation of this county's schemes, and approves this one
    assert (await client.put(f"/api/v1/scoring/regions/{county['region']}/requirements",
                             json={"rater_groups": False})).status_code == 200
    await approved(client, scheme.json()["id"], 1, admin)
    base = f"/api/v1/scoring/schemes/{scheme.json()['id']}/periods"
    marks = [{"person_id": p[k], "indicator": "ji", "mark": 100 - i} for i, k in enumerate("ABCDEFGHIJ")]
    for period in ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025"):
        assert (await client.put(f"{base}/{period}/marks", headers=admin, json={"marks": marks})).status_code == 200
        if period != "2025":
            close = await client.post(f"{base}/{period}/close", headers=admin)
            assert close.status_code == 201, close.text
            published = await client.post(f"/api/v1/scoring/results/{close.json()['id']}/publish", headers=admin)
            assert published.status_code == 200, published.text
    # before the region publishes its allocation, the year waits for it
    early = await client.post(f"{base}/2025/close", headers=admin)
    assert early.status_code == 409, early.text
    assert (await publish_quota(quota, county["region"], unit))[unit] == 3
    year = await client.post(f"{base}/2025/close", headers=admin)
    assert year.status_code == 201, year.text
    assert year.json()["summary"]["excellent_slots"] == 3
    results = (await client.get(f"{base}/2025/results", headers=admin)).json()["items"]
    assert [r["person_id"] for r in results if r["grade"] == "excellent"] == [p["A"], p["B"], p["C"]]
    # the unit's administrator still cannot read the region's allocation itself
    assert (await quota.get(f"/api/v1/quota/regions/{county['region']}/years/2025/published",
                            headers=admin)).status_code == 404
    # the unit pays its bonus by the published year, pooling up to the scheme's 30%
    assert (await client.post(f"/api/v1/scoring/results/{year.json()['id']}/publish", headers=admin)).status_code == 200
    bonus = f"/api/v1/scoring/schemes/{scheme.json()['id']}/years/2025/bonus"
    paid = await client.post(bonus, headers=admin, json={"total": "100000", "pool_share": "0.25"})
    assert paid.status_code == 200 and paid.json()["pool_total"] == "25000", paid.text
    # by hand: 3 excellent at 1.5 and 7 competent at 1 share the pool by 11.5; the base 75,000 by 10
    amounts = {r["person_id"]: r["amount"] for r in paid.json()["people"]}
    assert amounts[p["A"]] == "10760.87" and amounts[p["J"]] == "9673.91"  # 7500 + 25000 × 1.5 / 11.5; × 1
    over = await client.post(bonus, headers=admin, json={"total": "100000", "pool_share": "0.35"})
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "body.pool_share", over.text
    assert "10% to 30%" in over.json()["detail"]
    # a quarter corrected and published again after the year was closed: the year built on it is stale
    versions = f"{base}/2025/versions"
    assert [v["stale"] for v in (await client.get(versions, headers=admin)).json()["items"]] == [False]
    fixed = {"marks": [{"person_id": p["J"], "indicator": "ji", "mark": 95}], "reason": "四季度漏记重点工作"}
    assert (await client.put(f"{base}/2025Q4/marks", headers=admin, json=fixed)).status_code == 200
    again = await client.post(f"{base}/2025Q4/close", headers=admin)
    assert again.status_code == 201 and again.json()["version"] == 2, again.text
    republished = await client.post(f"/api/v1/scoring/results/{again.json()['id']}/publish", headers=admin)
    assert republished.status_code == 200, republished.text
    assert [v["stale"] for v in (await client.get(versions, headers=admin)).json()["items"]] == [True]


async def test_a_pool_range_upside_down_is_refused(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "倒置",
        "definition": {**DEFINITION, "annual": {"bonus_pool_min": "0.3", "bonus_pool_max": "0.2"}}})
    assert response.status_code == 422 and response.json()["code"] == "scheme_invalid", response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.annual.bonus_pool_min"]


async def test_a_floor_above_the_ceiling_is_a_rule_of_the_scheme(client: httpx.AsyncClient,
                                                                 records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "倒置",
        "definition": {**DEFINITION, "base": {"floor": "1.2", "ceiling": "0.9"}}})
    assert response.status_code == 422 and response.json()["code"] == "scheme_invalid", response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.base.floor"]
