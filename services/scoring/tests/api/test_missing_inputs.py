"""No grade decided by a missing value: each indicator's missing-input policy, the close refused
with every person and indicator missing, the readiness before a close, reverse indicators.

The people A-D of one unit, 德 30% / 绩 70% marked by hand (no rater evaluation):
A: 德 90, 绩 90; B: 德 80, no 绩; C: nothing; D: 德 60, 绩 70.
"""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import XIACUN, unit_with_people

Q = "2025Q2"
MARKS = {"A": {"de": 90, "ji": 90}, "B": {"de": 80}, "C": {}, "D": {"de": 60, "ji": 70}}


def definition(**settings: Any) -> dict[str, Any]:
    ji = {"code": "ji", "name": "绩", "weight": "0.7", **settings.pop("ji", {})}
    return {**XIACUN, "raters": None, "thresholds": [], "indicators": [
        {"code": "de", "name": "德", "weight": "0.3"}, ji], **settings}


async def quarter(client: httpx.AsyncClient, records: httpx.AsyncClient, marks: dict[str, dict[str, int]],
                  **settings: Any) -> dict[str, Any]:
    county = await unit_with_people(records, "".join(marks))
    p = county["people"]
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "夏村镇机关干部",
        "definition": definition(**settings)})
    assert response.status_code == 201, response.text
    base = f"/api/v1/scoring/schemes/{response.json()['id']}/periods/{Q}"
    given = [{"person_id": p[k], "indicator": code, "mark": m} for k, codes in marks.items()
             for code, m in codes.items()]
    if given:
        assert (await client.put(f"{base}/marks", json={"marks": given})).status_code == 200
    return {"people": p, "unit": county["unit"], "region": county["region"], "base": base}


async def scores(client: httpx.AsyncClient, base: str) -> dict[str, str]:
    results = (await client.get(f"{base}/results")).json()["items"]
    return {r["person_id"]: r["score"] for r in results}


async def explained(client: httpx.AsyncClient, base: str, person_id: str) -> dict[str, Any]:
    response = await client.get(f"{base}/people/{person_id}/explanation")
    assert response.status_code == 200, response.text
    detail: dict[str, Any] = response.json()["detail"]
    return detail


async def test_by_default_a_close_with_missing_marks_is_refused_naming_each(client: httpx.AsyncClient,
                                                                           records: httpx.AsyncClient) -> None:
    q = await quarter(client, records, MARKS)
    p = q["people"]
    response = await client.post(f"{q['base']}/close")
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == "inputs_missing" and response.headers["content-type"] == "application/problem+json"
    assert problem["people_missing"] == 2 and problem["missing_total"] == 3
    assert problem["readiness"] == f"{q['base']}/readiness"
    assert sorted((m["person_id"], m["indicator"], m["policy"]) for m in problem["missing"]) == sorted([
        (p["B"], "ji", "refuse"), (p["C"], "de", "refuse"), (p["C"], "ji", "refuse")])
    assert all(m["unit_id"] == q["unit"] and m["blocks"] for m in problem["missing"])
    assert (await client.get(f"{q['base']}/versions")).json()["items"] == []  # nothing stored

    ready = (await client.get(f"{q['base']}/readiness")).json()
    assert ready["ready"] is False and ready["people"] == 4 and ready["people_blocking"] == 2
    assert ready["missing_total"] == 3 and ready["round"] is None
    [unit] = ready["units"]
    assert (unit["unit_id"], unit["people"], unit["people_missing"], unit["people_blocking"]) == (q["unit"], 4, 2, 2)
    lacking = {m["person_id"]: [i["indicator"] for i in m["indicators"]] for m in unit["missing"]}
    assert lacking == {p["B"]: ["ji"], p["C"]: ["de", "ji"]}

    # Marked, the close goes through and the readiness says so.
    await client.put(f"{q['base']}/marks", json={"marks": [
        {"person_id": p["B"], "indicator": "ji", "mark": 75}, {"person_id": p["C"], "indicator": "de", "mark": 70},
        {"person_id": p["C"], "indicator": "ji", "mark": 70}]})
    ready = (await client.get(f"{q['base']}/readiness")).json()
    assert ready["ready"] is True and ready["missing_total"] == 0
    assert (await client.post(f"{q['base']}/close")).status_code == 201


async def test_zero_scores_a_missing_mark_zero_and_says_so(client: httpx.AsyncClient,
                                                           records: httpx.AsyncClient) -> None:
    q = await quarter(client, records, MARKS, missing_inputs="zero")
    p = q["people"]
    assert (await client.post(f"{q['base']}/close")).status_code == 201
    # A 0.3×90 + 0.7×90 = 90; B 0.3×80 = 24; C 0; D 0.3×60 + 0.7×70 = 67
    assert await scores(client, q["base"]) == {p["A"]: "90", p["B"]: "24", p["C"]: "0", p["D"]: "67"}
    detail = await explained(client, q["base"], p["B"])
    assert detail["missing"] == [{"path": "ji", "policy": "zero"}]
    assert "ji: not marked; scored 0 (zero)" in detail["notes"]
    ready = (await client.get(f"{q['base']}/readiness")).json()
    assert ready["ready"] is True and ready["people_blocking"] == 0 and ready["missing_total"] == 3


async def test_renormalise_shares_the_missing_weight_among_the_persons_other_indicators(
        client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    q = await quarter(client, records, MARKS, missing_inputs="renormalise")
    p = q["people"]
    response = await client.post(f"{q['base']}/close")
    # C has no indicator at all to share the weight over: still refused, for C alone.
    assert response.status_code == 409
    assert {(m["person_id"], m["indicator"]) for m in response.json()["missing"]} == {(p["C"], "de"), (p["C"], "ji")}
    assert all(m["why"] == "no indicator has a value to share its weight" for m in response.json()["missing"])
    await client.put(f"{q['base']}/marks", json={"marks": [{"person_id": p["C"], "indicator": "ji", "mark": 55}]})
    assert (await client.post(f"{q['base']}/close")).status_code == 201
    # B: 0.3×80 over the 30% that has a value = 80; C: 0.7×55 / 0.7 = 55
    assert await scores(client, q["base"]) == {p["A"]: "90", p["B"]: "80", p["C"]: "55", p["D"]: "67"}
    detail = await explained(client, q["base"], p["B"])
    assert detail["indicators"]["renormalised_over"] == "0.3" and detail["indicators"]["score"] == "80"
    assert detail["missing"] == [{"path": "ji", "policy": "renormalise"}]


async def test_unit_mean_scores_a_missing_mark_the_units_mean(client: httpx.AsyncClient,
                                                              records: httpx.AsyncClient) -> None:
    q = await quarter(client, records, {**MARKS, "C": {"de": 70}}, ji={"missing": "unit_mean"})
    p = q["people"]
    assert (await client.post(f"{q['base']}/close")).status_code == 201
    # 绩 of the unit: A 90, D 70 → mean 80. B: 0.3×80 + 0.7×80 = 80; C: 0.3×70 + 0.7×80 = 77
    assert await scores(client, q["base"]) == {p["A"]: "90", p["B"]: "80", p["C"]: "77", p["D"]: "67"}
    detail = await explained(client, q["base"], p["C"])
    assert detail["missing"] == [{"path": "ji", "policy": "unit_mean"}]
    assert "ji: not marked; scored the unit's mean 80 of 2 people (unit_mean)" in detail["notes"]


async def test_unit_mean_with_nobody_marked_in_the_unit_is_refused(client: httpx.AsyncClient,
                                                                   records: httpx.AsyncClient) -> None:
    q = await quarter(client, records, {"A": {"de": 90}, "B": {"de": 80}}, ji={"missing": "unit_mean"})
    response = await client.post(f"{q['base']}/close")
    assert response.status_code == 409
    assert {m["why"] for m in response.json()["missing"]} == {"nobody in the unit has a mark or value for it"}


async def test_a_leaf_policy_overrides_the_schemes(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    q = await quarter(client, records, {"A": {"de": 90, "ji": 90}, "B": {"de": 80}}, ji={"missing": "zero"})
    assert (await client.post(f"{q['base']}/close")).status_code == 201


async def test_a_reverse_indicator_scores_a_lower_mark_higher(client: httpx.AsyncClient,
                                                              records: httpx.AsyncClient) -> None:
    # 绩 is a reverse indicator (say, a count of complaints, marked 0-100): 100 - mark.
    q = await quarter(client, records, {"A": {"de": 90, "ji": 10}, "B": {"de": 80, "ji": 40}},
                      ji={"direction": "lower"})
    p = q["people"]
    assert (await client.post(f"{q['base']}/close")).status_code == 201
    # A: 0.3×90 + 0.7×(100-10) = 90; B: 0.3×80 + 0.7×(100-40) = 66
    assert await scores(client, q["base"]) == {p["A"]: "90", p["B"]: "66"}
    leaf = (await explained(client, q["base"], p["B"]))["indicators"]["leaves"][1]
    assert leaf == {"path": "ji", "weight": "0.7", "value": None, "score": "60", "contribution": "42",
                    "direction": "lower is better"}


async def test_missing_and_direction_settings_are_checked_when_saved(client: httpx.AsyncClient,
                                                                     records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    bad = [({"missing_inputs": "guess"}, "body.definition.missing_inputs"),
           ({"ji": {"missing": "average"}}, "body.definition.indicators.1.missing"),
           ({"ji": {"direction": "down"}}, "body.definition.indicators.1.direction")]
    for settings, field in bad:
        response = await client.post("/api/v1/scoring/schemes", json={
            "region_id": county["region"], "unit_id": county["unit"], "name": "方案",
            "definition": definition(**settings)})
        assert response.status_code == 422, settings
        assert field in [e["field"] for e in response.json()["errors"]], response.json()
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "方案", "definition": {
            **definition(), "indicators": [{"code": "de", "name": "德", "weight": "1", "direction": "lower",
                                            "children": [{"code": "a", "name": "a", "weight": "1"}]}]}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.indicators.0.direction"


async def test_a_year_end_evaluation_begun_is_finished_before_the_year_closes(
        client: httpx.AsyncClient, records: httpx.AsyncClient, quota: httpx.AsyncClient) -> None:
    from .test_year import publish_quota

    q = await quarter(client, records, {"A": {"de": 90, "ji": 90}, "B": {"de": 80, "ji": 70}})
    p = q["people"]
    close = (await client.post(f"{q['base']}/close")).json()
    assert (await client.post(f"/api/v1/scoring/results/{close['id']}/publish")).status_code == 200
    year = q["base"].replace(f"/{Q}", "/2025")
    await client.put(f"{year}/marks", json={"marks": [
        {"person_id": p["A"], "indicator": "de", "mark": 90}, {"person_id": p["A"], "indicator": "ji", "mark": 90},
        {"person_id": p["B"], "indicator": "de", "mark": 80}]})
    await publish_quota(quota, q["region"], q["unit"], accept_warnings=True)  # 2 people at 30%: no slot
    response = await client.post(f"{year}/close")
    assert response.status_code == 409, response.text
    assert [(m["person_id"], m["indicator"]) for m in response.json()["missing"]] == [(p["B"], "ji")]
    await client.put(f"{year}/marks", json={"marks": [{"person_id": p["B"], "indicator": "ji", "mark": 70}]})
    assert (await client.post(f"{year}/close")).status_code == 201
