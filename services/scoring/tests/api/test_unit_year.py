"""A unit's administrator runs their unit's whole year: the quarters, and the year graded against
the region's published allocation of excellent slots, which they read through the scheme."""

from __future__ import annotations

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import unit_with_people
from .test_year import publish_quota

DEFINITION = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
              "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
              "annual": {"quarter_weight": "0.6"}}


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
