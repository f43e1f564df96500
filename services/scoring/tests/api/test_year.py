"""The year through the real records and quota services: Binzhou's ≥60% quarterly share, the
published excellent quota, Chengbu's escalation and withholding, Taibai's pooled bonus; and an
objection that reopens a quarter."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from .conftest import caller_headers, unit_with_people

YEAR = {
    "indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
    "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"},
                       "investigation": {"name": "立案审查", "effect": "exclude"}},
    "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
    "thresholds": [{"grade": "poor", "below": "60"}],
    "annual": {"quarter_weight": "0.6"},
}
# Quarter marks per person (Q1-Q4) and the year-end mark.
MARKS = {"A": ((90, 80, 85, 95), 80), "B": ((90,) * 4, 90), "C": ((88,) * 4, 88), "D": ((99,) * 4, 99),
         "E": ((50,) * 4, 50), "F": ((70,) * 4, 70), "G": ((71,) * 4, 71), "H": ((72,) * 4, 72),
         "I": ((73,) * 4, 73), "J": ((74,) * 4, 74)}


async def publish_quota(quota: httpx.AsyncClient, region: str, unit: str, *,
                        accept_warnings: bool = False) -> dict[str, int]:
    """The township 10 people at 30% → 3 slots; a department of 10 at 20% → 2 (ratio 50% higher).
    A smaller township may fall short of the uplift: ``accept_warnings`` publishes it all the same."""
    units = [{"id": unit, "kind": "township", "grade": "first"},
             {"id": "dept", "kind": "department", "grade": "second", "headcount": 10}]
    policy = {"ratio_by_grade": {"first": "0.3", "second": "0.2"}, "unit_cap_ratio": "0.4", "township_uplift": "0.2"}
    response = await quota.put(f"/api/v1/quota/regions/{region}/years/2025/units", json={"units": units})
    assert response.status_code == 200
    assert (await quota.put(f"/api/v1/quota/regions/{region}/years/2025/policy", json=policy)).status_code == 200
    run = (await quota.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")).json()
    body = {"accept_warnings": True, "reason": "a township too small for the uplift"} if accept_warnings else None
    published = await quota.post(f"/api/v1/quota/allocations/{run['id']}/publish", json=body)
    assert published.status_code == 201, published.text
    slots: dict[str, int] = published.json()["slots"]
    return slots


async def a_year(client: httpx.AsyncClient, records: httpx.AsyncClient, quota: httpx.AsyncClient) -> dict[str, Any]:
    county = await unit_with_people(records, "ABCDEFGHIJ")
    p = county["people"]
    scheme = (await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "化成镇", "definition": YEAR})).json()
    base = f"/api/v1/scoring/schemes/{scheme['id']}/periods"
    for q in range(4):
        marks = [{"person_id": p[k], "indicator": "ji", "mark": quarters[q]} for k, (quarters, _) in MARKS.items()]
        assert (await client.put(f"{base}/2025Q{q + 1}/marks", json={"marks": marks})).status_code == 200
        if q == 0:
            await client.post(f"{base}/2025Q1/negative-events", json={
                "person_id": p["F"], "item": "discipline", "note": "值班脱岗"})
        close = (await client.post(f"{base}/2025Q{q + 1}/close")).json()
        assert (await client.post(f"/api/v1/scoring/results/{close['id']}/publish")).status_code == 200
    marks = [{"person_id": p[k], "indicator": "ji", "mark": year_end} for k, (_, year_end) in MARKS.items()]
    assert (await client.put(f"{base}/2025/marks", json={"marks": marks})).status_code == 200
    await client.post(f"{base}/2025/negative-events", json={"person_id": p["D"], "item": "investigation",
                                                             "note": "立案审查期间"})
    slots = await publish_quota(quota, county["region"], county["unit"])
    return {"county": county, "scheme": scheme["id"], "base": base, "slots": slots}


async def test_the_year_by_hand(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                quota: httpx.AsyncClient) -> None:
    y = await a_year(client, records, quota)
    p = y["county"]["people"]
    assert y["slots"][y["county"]["unit"]] == 3
    response = await client.post(f"{y['base']}/2025/close")
    assert response.status_code == 201, response.text
    summary = response.json()["summary"]
    assert (summary["excellent_slots"], summary["slots_given"], summary["four_good_priority"]) == (3, 3, 3)
    results = {r["person_id"]: r for r in (await client.get(f"{y['base']}/2025/results")).json()["items"]}
    got = {k: (results[v]["score"], results[v]["grade"]) for k, v in p.items()}
    # A: mean(90, 80, 85, 95) = 87.5 × 0.6 + year-end 80 × 0.4 = 84.5; D under investigation: no grade;
    # E: four poor quarters → incompetent; the 3 slots go to B 90, C 88, A 84.5
    assert got == {"A": ("84.5", "excellent"), "B": ("90", "excellent"), "C": ("88", "excellent"),
                   "D": ("99", None), "E": ("50", "incompetent"), "F": ("70", "competent"),
                   "G": ("71", "competent"), "H": ("72", "competent"), "I": ("73", "competent"),
                   "J": ("74", "competent")}
    a = (await client.get(f"{y['base']}/2025/people/{p['A']}/explanation")).json()["detail"]
    assert (a["quarters_mean"], a["quarter_weight"], a["quarters_contribution"]) == ("87.5", "0.6", "52.5")
    assert (a["year_end"], a["year_end_weight"], a["year_end_contribution"]) == ("80", "0.4", "32")
    assert a["four_good_priority"] is True
    e = (await client.get(f"{y['base']}/2025/people/{p['E']}/explanation")).json()["detail"]
    assert e["consequences"][:2] == ["a talk with the unit head", "a notice of criticism"]


async def test_taibai_bonus_with_chengbu_withholding(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                     quota: httpx.AsyncClient) -> None:
    y = await a_year(client, records, quota)
    p = y["county"]["people"]
    bonus_path = f"/api/v1/scoring/schemes/{y['scheme']}/years/2025/bonus"
    assert (await client.post(bonus_path, json={"total": "100000", "pool_share": "0.15"})).status_code == 409
    close = (await client.post(f"{y['base']}/2025/close")).json()
    await client.post(f"/api/v1/scoring/results/{close['id']}/publish")
    response = await client.post(bonus_path, json={"total": "100000", "pool_share": "0.25"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.pool_share"
    body = (await client.post(bonus_path, json={"total": "100000", "pool_share": "0.15"})).json()
    amounts = {k: Decimal(next(s["amount"] for s in body["people"] if s["person_id"] == v)) for k, v in p.items()}
    assert {s["name"]: s["person_id"] for s in body["people"]} == p  # each share named
    # 9 paid (D excluded): base 85,000/9 each; pool 15,000 over coefficients 3×1.5 + 5×1 + 0 = 9.5
    # A/B/C: 85000/9 + 15000×1.5/9.5 = 2,020,000/171 = 11,812.865… → 11,812.87
    # G-J: 85000/9 + 15000/9.5 = 1,885,000/171 = 11,023.391… → 11,023.39
    # F (one average quarter, 10% withheld): 1,885,000/171 × 0.9 = 9,921.052… → 9,921.05
    # E (incompetent, coefficient 0): 85000/9 = 9,444.44; D: 0
    assert amounts == {"A": Decimal("11812.87"), "B": Decimal("11812.87"), "C": Decimal("11812.87"),
                       "D": Decimal("0"), "E": Decimal("9444.44"), "F": Decimal("9921.05"),
                       "G": Decimal("11023.39"), "H": Decimal("11023.39"), "I": Decimal("11023.39"),
                       "J": Decimal("11023.39")}
    assert (body["paid_count"], body["excluded_count"], Decimal(body["gap"])) == (9, 1, Decimal("2368.43"))


async def test_an_objection_is_reviewed_and_accepting_publishes_a_new_version(
        client: httpx.AsyncClient, records: httpx.AsyncClient, quota: httpx.AsyncClient) -> None:
    y = await a_year(client, records, quota)
    p = y["county"]["people"]
    admin = dict(client.headers)
    q4 = (await client.get(f"{y['base']}/2025Q4/versions")).json()["items"][-1]
    client.headers.update(caller_headers(p["F"]))
    response = await client.post(f"/api/v1/scoring/results/{q4['id']}/objections",
                                 json={"reason": "第四季度绩效漏记了防汛任务"})
    assert response.status_code == 201, response.text
    objection = response.json()
    again = await client.post(f"/api/v1/scoring/results/{q4['id']}/objections", json={"reason": "再次提出异议"})
    assert again.status_code == 409
    client.headers.update(caller_headers(p["G"]))  # someone else's objection does not exist for G
    assert (await client.get(f"/api/v1/scoring/objections/{objection['id']}")).status_code == 404
    client.headers.update(admin)
    review = f"/api/v1/scoring/objections/{objection['id']}/review"
    unchanged = await client.post(review, json={"decision": "accept", "reason": "漏记属实"})
    assert unchanged.status_code == 422  # nothing corrected yet: nothing to recompute
    await client.put(f"{y['base']}/2025Q4/marks", json={"marks": [{"person_id": p["F"], "indicator": "ji",
                                                                     "mark": 92}]})
    accepted = (await client.post(review, json={"decision": "accept", "reason": "漏记属实，补记后重算"})).json()
    assert accepted["status"] == "accepted" and accepted["new_close_id"]
    versions = (await client.get(f"{y['base']}/2025Q4/versions")).json()["items"]
    assert [(v["version"], v["published_at"] is not None, v["reason"]) for v in versions] == [
        (1, True, "close"), (2, True, f"objection {objection['id']} accepted")]
    client.headers.update(caller_headers(p["F"]))
    own = (await client.get(f"{y['base']}/2025Q4/people/{p['F']}/explanation")).json()
    assert (own["version"], own["score"], own["grade"]) == (2, "92", "good")
    # her own objection: she sees it (a 403, not a 404) but only the scheme's administrators review it
    assert (await client.post(review, json={"decision": "reject", "reason": "已经处理完毕"})).status_code == 403
    client.headers.update(admin)
    assert (await client.post(review, json={"decision": "reject", "reason": "已经处理完毕"})).status_code == 409
