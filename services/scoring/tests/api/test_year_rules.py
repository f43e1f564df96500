"""The year's rules through the real records and quota services: every negative-list effect in some
quarter (a quarter ``exclude`` used to fail the year close with a 500), a failing quarter that bars
an excellent year, and the year settings refused by name when a scheme is saved."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import unit_with_people
from .test_year import publish_quota

RULES = {
    "indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
    "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"},
                       "drunk": {"name": "酒驾", "effect": "veto"},
                       "investigation": {"name": "立案审查", "effect": "exclude"}},
    "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
    "thresholds": [{"grade": "poor", "below": "60"}],
    "annual": {"quarter_weight": "0.6"},
}
# One mark per person for every quarter and the year end: the annual score is that mark.
MARKS = {"A": 95, "B": 94, "C": 93, "D": 92, "E": 91, "F": 80, "G": 79, "H": 78, "I": 50, "J": 77}
# Q1: A a cap (no better than average); Q2: B a veto (the lowest grade); Q3: C an exclusion (no grade).
EVENTS = {1: ("A", "discipline", "值班脱岗"), 2: ("B", "drunk", "酒后驾驶"), 3: ("C", "investigation", "立案审查期间")}


async def every_effect(client: httpx.AsyncClient, records: httpx.AsyncClient, quota: httpx.AsyncClient,
                       annual: dict[str, Any] | None = None) -> dict[str, Any]:
    county = await unit_with_people(records, "ABCDEFGHIJ")
    p = county["people"]
    definition = {**RULES, "annual": {**RULES["annual"], **(annual or {})}}  # type: ignore[dict-item]
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "城步县某局", "definition": definition})
    assert response.status_code == 201, response.text
    base = f"/api/v1/scoring/schemes/{response.json()['id']}/periods"
    marks = [{"person_id": p[k], "indicator": "ji", "mark": mark} for k, mark in MARKS.items()]
    for q in range(1, 5):
        assert (await client.put(f"{base}/2025Q{q}/marks", json={"marks": marks})).status_code == 200
        if q in EVENTS:
            who, item, note = EVENTS[q]
            event = await client.post(f"{base}/2025Q{q}/negative-events",
                                      json={"person_id": p[who], "item": item, "note": note})
            assert event.status_code == 201, event.text
        close = await client.post(f"{base}/2025Q{q}/close")
        assert close.status_code == 201, close.text
        assert (await client.post(f"/api/v1/scoring/results/{close.json()['id']}/publish")).status_code == 200
    assert (await client.put(f"{base}/2025/marks", json={"marks": marks})).status_code == 200
    slots = await publish_quota(quota, county["region"], county["unit"])
    assert slots[county["unit"]] == 3  # 30% of the township's 10
    return {"people": p, "base": base}


async def quarter_grades(client: httpx.AsyncClient, base: str, people: dict[str, str]) -> dict[str, str]:
    """Each person's four quarter grades as one letter each (g good, f fairly good, a average, p poor, - none)."""
    letters = {"good": "g", "fairly_good": "f", "average": "a", "poor": "p", None: "-"}
    out = dict.fromkeys(people, "")
    for q in range(1, 5):
        items = (await client.get(f"{base}/2025Q{q}/results")).json()["items"]
        by_id = {r["person_id"]: r["grade"] for r in items}
        for k, pid in people.items():
            out[k] += letters[by_id[pid]]
    return out


async def test_a_year_with_every_negative_effect_in_some_quarter(
        client: httpx.AsyncClient, records: httpx.AsyncClient, quota: httpx.AsyncClient) -> None:
    y = await every_effect(client, records, quota)
    p, base = y["people"], y["base"]
    # The quarters by hand (good at most 40% of those graded, by score; below 60 poor):
    # Q1: A capped at average, the 4 good are B C D E; Q2: B vetoed to poor, the 4 good are A C D E;
    # Q3: C not graded, 9 graded → floor(3.6) = 3 good: A B D; Q4: 4 good A B C D. I is below 60 throughout.
    assert await quarter_grades(client, base, p) == {
        "A": "aggg", "B": "gpgg", "C": "gg-g", "D": "gggg", "E": "ggff", "F": "ffff", "G": "ffff",
        "H": "ffff", "I": "pppp", "J": "ffff"}
    response = await client.post(f"{base}/2025/close")
    assert response.status_code == 201, response.text
    summary = response.json()["summary"]
    assert (summary["excellent_slots"], summary["slots_given"], summary["four_good_priority"]) == (3, 3, 1)
    results = {r["person_id"]: r for r in (await client.get(f"{base}/2025/results")).json()["items"]}
    got = {k: (results[v]["score"], results[v]["grade"]) for k, v in p.items()}
    # Annual score = the mark (the same in every quarter and at year end: m × 0.6 + m × 0.4).
    # B (94) had a failing quarter (the veto): a talk, and no excellent year (poor_quarter_bars_excellent);
    # the 3 slots go to A 95, C 93 (its ungraded Q3 neither fails nor counts as good), D 92; I four poor.
    assert got == {"A": ("95", "excellent"), "B": ("94", "competent"), "C": ("93", "excellent"),
                   "D": ("92", "excellent"), "E": ("91", "competent"), "F": ("80", "competent"),
                   "G": ("79", "competent"), "H": ("78", "competent"), "I": ("50", "incompetent"),
                   "J": ("77", "competent")}

    async def detail(who: str) -> dict[str, Any]:
        body = (await client.get(f"{base}/2025/people/{p[who]}/explanation")).json()
        return body["detail"]  # type: ignore[no-any-return]

    b = await detail("B")
    assert b["consequences"] == ["a talk with the unit head"]
    assert "1 quarter(s) graded poor: not excellent (poor_quarter_bars_excellent)" in b["grade"]["reasons"]
    assert b["grade"]["rank"] == 2 and b["four_good_priority"] is False
    c = await detail("C")
    assert [q["grade"] for q in c["quarters"]] == ["good", "good", None, "good"]
    assert c["quarters_mean"] == "93" and c["four_good_priority"] is False
    assert ("2025Q3 not graded (excluded from grading: negative item investigation: 立案审查): its score counts, "
            "its grade neither fails nor counts as good") in c["grade"]["reasons"]
    a = await detail("A")
    assert [q["grade"] for q in a["quarters"]] == ["average", "good", "good", "good"]
    assert a["consequences"] == [] and a["four_good_priority"] is False
    i = await detail("I")
    assert i["consequences"] == ["a talk with the unit head", "a notice of criticism",
                                 "annual grade basically_competent at best", "annual grade incompetent"]
    assert ("escalation, 4 quarter(s) graded poor: a talk with the unit head; a notice of criticism; "
            "annual grade basically_competent at best; annual grade incompetent") in i["grade"]["reasons"]
    d = await detail("D")
    assert d["four_good_priority"] is True

    # the bonus reads the published year, the ungraded quarter included
    close_id = response.json()["id"]
    assert (await client.post(f"/api/v1/scoring/results/{close_id}/publish")).status_code == 200
    scheme_id = base.split("/")[-2]
    bonus = await client.post(f"/api/v1/scoring/schemes/{scheme_id}/years/2025/bonus",
                              json={"total": "100000", "pool_share": "0.15"})
    assert bonus.status_code == 200, bonus.text
    assert bonus.json()["paid_count"] == 10


async def test_without_the_bar_a_failing_quarter_leaves_excellent_to_the_score(
        client: httpx.AsyncClient, records: httpx.AsyncClient, quota: httpx.AsyncClient) -> None:
    y = await every_effect(client, records, quota, {"poor_quarter_bars_excellent": False})
    p, base = y["people"], y["base"]
    assert (await client.post(f"{base}/2025/close")).status_code == 201
    results = {r["person_id"]: r["grade"] for r in (await client.get(f"{base}/2025/results")).json()["items"]}
    # the 3 slots by score alone: A 95, B 94 (one poor quarter: a talk only), C 93; D 92 competent
    assert {k: results[v] for k, v in p.items() if k in "ABCD"} == {
        "A": "excellent", "B": "excellent", "C": "excellent", "D": "competent"}


GRADE_STEPS = [{"failing_quarters": 1, "action": "talk"}, {"failing_quarters": 2, "action": "notice"},
               {"failing_quarters": 3, "action": "grade", "grade": "basically_competent"}]


@pytest.mark.parametrize(("escalation", "field"), [
    ([{"failing_quarters": 2, "action": "talk"}, {"failing_quarters": 1, "action": "notice"}],
     "body.annual.escalation.1.failing_quarters"),
    ([{"failing_quarters": 1, "action": "talk"}, {"failing_quarters": 1, "action": "notice"}],
     "body.annual.escalation.1.failing_quarters"),
    ([*GRADE_STEPS, {"failing_quarters": 4, "action": "grade", "grade": "poor"}],
     "body.annual.escalation.3.grade"),
    ([*GRADE_STEPS, {"failing_quarters": 4, "action": "grade"}], "body.annual.escalation.3.grade"),
    ([{"failing_quarters": 1, "action": "talk", "grade": "competent"}], "body.annual.escalation.0.grade"),
    ([{"failing_quarters": 1, "action": "grade", "grade": "excellent"}], "body.annual.escalation.0.grade"),
    ([*GRADE_STEPS, {"failing_quarters": 4, "action": "grade", "grade": "competent"}],
     "body.annual.escalation.3.grade"),
])
async def test_a_bad_escalation_is_refused_by_name(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                   escalation: list[dict[str, Any]], field: str) -> None:
    county = await unit_with_people(records, "A")
    definition = {**RULES, "annual": {"escalation": escalation}}
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "城步县某局", "definition": definition})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


# P has four good quarters; Q's mean is the same 90 ((99 + 70 + 99 + 92) / 4) with a fairly good Q2.
TIE_MARKS = {"A": (95,) * 4, "B": (94,) * 4, "P": (90,) * 4, "Q": (99, 70, 99, 92), "C": (79,) * 4,
             "D": (78,) * 4, "E": (77,) * 4, "F": (76,) * 4, "G": (75,) * 4, "H": (74,) * 4}


@pytest.mark.parametrize("breaks_ties", [True, False])
async def test_four_good_quarters_break_a_tie_at_the_last_slot(
        client: httpx.AsyncClient, records: httpx.AsyncClient, quota: httpx.AsyncClient, breaks_ties: bool) -> None:
    county = await unit_with_people(records, "".join(TIE_MARKS))
    p = county["people"]
    definition = {**RULES, "annual": {"four_good_breaks_ties": breaks_ties}}
    scheme = (await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "城步县某局",
        "definition": definition})).json()
    base = f"/api/v1/scoring/schemes/{scheme['id']}/periods"
    for q in range(4):
        marks = [{"person_id": p[k], "indicator": "ji", "mark": m[q]} for k, m in TIE_MARKS.items()]
        assert (await client.put(f"{base}/2025Q{q + 1}/marks", json={"marks": marks})).status_code == 200
        close = (await client.post(f"{base}/2025Q{q + 1}/close")).json()
        assert (await client.post(f"/api/v1/scoring/results/{close['id']}/publish")).status_code == 200
    marks = [{"person_id": p[k], "indicator": "ji", "mark": 90 if k in "PQ" else m[0]} for k, m in TIE_MARKS.items()]
    assert (await client.put(f"{base}/2025/marks", json={"marks": marks})).status_code == 200
    assert (await publish_quota(quota, county["region"], county["unit"]))[county["unit"]] == 3
    # Quarters: the 4 good are the top 4 of 10; Q2's are A B P C (Q's 70 is below C's 79): P good
    # throughout, Q fairly good in Q2. Year: P 90 × 0.6 + 90 × 0.4 = 90; Q mean 90 × 0.6 + 90 × 0.4 = 90.
    response = await client.post(f"{base}/2025/close")
    assert response.status_code == 201, response.text
    results = {k: (await client.get(f"{base}/2025/people/{v}/explanation")).json() for k, v in p.items()}
    got = {k: (r["score"], r["grade"], r["rank"]) for k, r in results.items() if k in "ABPQ"}
    if breaks_ties:
        # the 3 slots: A 95, B 94, then P ahead of Q at 90 by its four good quarters
        assert got == {"A": ("95", "excellent", 1), "B": ("94", "excellent", 2), "P": ("90", "excellent", 3),
                       "Q": ("90", "competent", 4)}
        assert ("equal annual score 90 with " + p["P"] + ", ranked first for four quarters graded good "
                "(four_good_breaks_ties)") in results["Q"]["detail"]["grade"]["reasons"]
        assert response.json()["summary"]["grading_notes"] == [
            f"at 90, {p['P']} (four good quarters) rank ahead of {p['Q']} (four_good_breaks_ties)"]
    else:
        # P and Q tied where the 3rd slot falls: the slot count holds, both stay out
        assert got == {"A": ("95", "excellent", 1), "B": ("94", "excellent", 2), "P": ("90", "competent", 3),
                       "Q": ("90", "competent", 3)}
        assert response.json()["summary"]["slots_unused"] == 1
    settings = results["P"]["detail"]["grade"]["settings"]
    assert (settings["four_good_breaks_ties"], settings["poor_quarter_bars_excellent"]) == (breaks_ties, True)
    assert (results["P"]["detail"]["four_good_priority"], results["Q"]["detail"]["four_good_priority"]) == (True, False)
