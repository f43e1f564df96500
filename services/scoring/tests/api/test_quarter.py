"""A quarter end to end against the real records service: Xiacun's 40/30/20/10 evaluation at 20%,
bonus and deduction, the negative list, the good cap, versions, explanations, publication."""

from __future__ import annotations

import gc
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from scoring.config import CloseTuning
from scoring.results.inputs import _rating_sums
from scoring.results.stored import driver as _driver
from shared.testing import asgi_client, rolled_back, service_headers

from .conftest import PROVINCE, XIACUN, caller_headers, raters_of, unit_with_people

Q = "2025Q2"


async def scheme(client: httpx.AsyncClient, county: dict[str, Any], definition: dict[str, Any] = XIACUN) -> str:
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "夏村镇机关干部", "definition": definition})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def xiacun_quarter(client: httpx.AsyncClient, records: httpx.AsyncClient) -> dict[str, Any]:
    """Five cadres A-E marked by hand; A and B rated; a bonus for A, a discipline cap for D.

    By hand (indicators 德 30% / 绩 70%, evaluation 20%):
    A: 0.3×90 + 0.7×80 = 83; raters: leadership (90+80)/2 = 85, middle 70, staff 80, non-staff 60
       → 0.4×85 + 0.3×70 + 0.2×80 + 0.1×60 = 77; 83×0.8 + 77×0.2 = 81.8; + honour 2 = 83.8
    B: 0.3×80 + 0.7×90 = 87; only leadership rated (80), renormalised to the whole → 80;
       87×0.8 + 80×0.2 = 85.6
    C: 70 and no rater: the indicators stand for the whole → 70
    D: 100, but a discipline event: no better than average
    E: 50: below 60, no better than poor
    Good is capped at 40% of 5 = 2 (floor): D is capped, so B and A.
    """
    county = await unit_with_people(records, "ABCDE")
    p = county["people"]
    scheme_id = await scheme(client, county)
    marks = {"A": (90, 80), "B": (80, 90), "C": (70, 70), "D": (100, 100), "E": (50, 50)}
    response = await client.put(f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}/marks", json={"marks": [
        {"person_id": p[k], "indicator": code, "mark": v} for k, (de, ji) in marks.items()
        for code, v in (("de", de), ("ji", ji))]})
    assert response.json() == {"stored": 10}
    leaders = await raters_of(records, county["region"], 4)
    middle, non_staff = leaders.pop(), leaders.pop()
    raters = [{"rater_id": r, "group": "leadership"} for r in leaders] + [
        {"rater_id": middle, "group": "middle"}, {"rater_id": p["C"], "group": "staff"},
        {"rater_id": non_staff, "group": "non_staff"}]
    response = await client.post(f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}/rounds", json={"raters": raters})
    assert response.status_code == 201, response.text
    round_ = response.json()
    assert round_["people"] == 5 and round_["raters_by_group"] == {"leadership": 2, "middle": 1, "staff": 1,
                                                                   "non_staff": 1}
    for rater, ballot in ((leaders[0], {"A": 90, "B": 80}), (leaders[1], {"A": 80}), (middle, {"A": 70}),
                          (p["C"], {"A": 80}), (non_staff, {"A": 60})):
        response = await client.put(f"/api/v1/scoring/rounds/{round_['id']}/ratings", json={
            "rater_id": rater, "on_behalf": True,
            "ratings": [{"person_id": p[k], "mark": m} for k, m in ballot.items()]})
        assert response.status_code == 200, response.text
    base = f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}"
    assert (await client.post(f"{base}/adjustments", json={
        "person_id": p["A"], "item": "honour", "points": "2", "evidence": "市级表彰", "approved_by": "镇党委"})
        ).status_code == 201
    assert (await client.post(f"{base}/negative-events", json={
        "person_id": p["D"], "item": "discipline", "note": "无故缺席防汛值班"})).status_code == 201
    return {"county": county, "scheme": scheme_id, "round": round_["id"], "base": base, "raters": raters}


async def test_xiacun_quarter_by_hand(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    q = await xiacun_quarter(client, records)
    p = q["county"]["people"]
    response = await client.post(f"{q['base']}/close")
    assert response.status_code == 409 and response.json()["code"] == "round_open"
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert (await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")).status_code == 200
    response = await client.post(f"{q['base']}/close")
    assert response.status_code == 201, response.text
    # What the close left behind was let go of after the response, and the collector runs again.
    assert gc.isenabled() and gc.get_freeze_count() == 0
    close = response.json()
    assert close["version"] == 1 and close["people"] == 5 and close["changes"] is None
    assert uuid.UUID(close["id"]).version == 7  # time-ordered: a version's results go in at the index's end
    assert close["summary"]["grades"] == {"good": 2, "fairly_good": 1, "average": 1, "poor": 1}
    results = {r["person_id"]: r for r in (await client.get(f"{q['base']}/results")).json()["items"]}
    got = {k: (results[v]["score"], results[v]["rank"], results[v]["grade"]) for k, v in p.items()}
    assert got == {"A": ("83.8", 3, "good"), "B": ("85.6", 2, "good"), "C": ("70", 4, "fairly_good"),
                   "D": ("100", 1, "average"), "E": ("50", 5, "poor")}


async def test_a_close_in_parts_is_the_close_in_one(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                   scoring_app: FastAPI) -> None:
    """A close computed in parts of ``close_part_people`` people gives the results, explanations and
    input digest of one computed whole (a re-close in one part finds nothing new)."""
    q = await xiacun_quarter(client, records)
    p = q["county"]["people"]
    await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")
    tuning = scoring_app.state.close_tuning
    scoring_app.state.close_tuning = CloseTuning(work_mem_mb=tuning.work_mem_mb, part_people=2)
    try:
        response = await client.post(f"{q['base']}/close")
        assert response.status_code == 201, response.text
        assert response.json()["summary"]["grades"] == {"good": 2, "fairly_good": 1, "average": 1, "poor": 1}
        results = {r["person_id"]: r for r in (await client.get(f"{q['base']}/results")).json()["items"]}
        got = {k: (results[v]["score"], results[v]["rank"], results[v]["grade"]) for k, v in p.items()}
        assert got == {"A": ("83.8", 3, "good"), "B": ("85.6", 2, "good"), "C": ("70", 4, "fairly_good"),
                       "D": ("100", 1, "average"), "E": ("50", 5, "poor")}
        for letter, total in (("A", "83.8"), ("E", "50")):
            explained = await client.get(f"{q['base']}/people/{p[letter]}/explanation")
            assert explained.status_code == 200 and explained.json()["detail"]["total"] == total
        scoring_app.state.close_tuning = CloseTuning(work_mem_mb=tuning.work_mem_mb, part_people=0)
        again = await client.post(f"{q['base']}/close")
        assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
        assert again.json()["result_digest"] == response.json()["result_digest"]
    finally:
        scoring_app.state.close_tuning = tuning


async def test_explanation_shows_every_part_and_no_rater(client: httpx.AsyncClient,
                                                         records: httpx.AsyncClient) -> None:
    q = await xiacun_quarter(client, records)
    await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")
    await client.post(f"{q['base']}/close")
    a = q["county"]["people"]["A"]
    body = (await client.get(f"{q['base']}/people/{a}/explanation")).json()
    detail = body["detail"]
    assert detail["total"] == "83.8"
    assert detail["indicators"]["score"] == "83" and detail["indicators"]["weight"] == "0.8"
    assert [(leaf["path"], leaf["weight"], leaf["score"], leaf["contribution"])
            for leaf in detail["indicators"]["leaves"]] == [("de", "0.3", "90", "27"), ("ji", "0.7", "80", "56")]
    groups = {g["group"]: (g["weight"], g["raters"], g["mean"], g["contribution"])
              for g in detail["evaluation"]["groups"]}
    assert groups == {"leadership": ("0.4", 2, "85", "34"), "middle": ("0.3", 1, "70", "21"),
                      "staff": ("0.2", 1, "80", "16"), "non_staff": ("0.1", 1, "60", "6")}
    assert detail["evaluation"]["score"] == "77" and detail["evaluation"]["share"] == "0.2"
    assert detail["adjustments"]["net"] == "2" and detail["adjustments"]["items"][0]["approved_by"] == "镇党委"
    assert "rank 3 within the good cap of 2" in detail["grade"]["reasons"][0]
    text = str(body)
    for rater in q["raters"]:
        assert rater["rater_id"] not in text  # who rated whom is never shown
    d = (await client.get(f"{q['base']}/people/{q['county']['people']['D']}/explanation")).json()["detail"]
    assert d["limits"][0]["effect"] == "no better than average"
    assert "limited to no better than average (see the limits)" in d["grade"]["reasons"]


async def test_reclose_is_byte_identical_and_a_change_is_a_new_version(client: httpx.AsyncClient,
                                                                       records: httpx.AsyncClient) -> None:
    q = await xiacun_quarter(client, records)
    await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")
    first = await client.post(f"{q['base']}/close")
    before = (await client.get(f"{q['base']}/results")).content
    again = await client.post(f"{q['base']}/close")
    assert again.status_code == 200 and again.json()["unchanged"] is True
    assert again.json()["id"] == first.json()["id"]
    assert (await client.get(f"{q['base']}/results")).content == before
    c = q["county"]["people"]["C"]
    await client.put(f"{q['base']}/marks", json={"marks": [{"person_id": c, "indicator": "ji", "mark": 100}]})
    second = await client.post(f"{q['base']}/close")
    assert second.status_code == 201 and second.json()["version"] == 2
    # C: 0.3×70 + 0.7×100 = 91 → rank 2; the good cap of 2 now goes to C and B, A drops to fairly good
    changes = {ch["person_id"]: (ch["score"], ch["grade"]) for ch in second.json()["changes"]}
    a = q["county"]["people"]["A"]
    assert changes == {c: (["70", "91"], ["fairly_good", "good"]),
                       a: (["83.8", "83.8"], ["good", "fairly_good"])}
    old = (await client.get(f"{q['base']}/results", params={"version": 1})).json()
    kept = json.loads(before)
    assert old["items"] == kept["items"] and old["close"]["result_digest"] == kept["close"]["result_digest"]
    assert (kept["close"]["stale"], old["close"]["stale"]) == (False, True)  # computed before C's mark changed
    versions = (await client.get(f"{q['base']}/versions")).json()["items"]
    assert [v["version"] for v in versions] == [1, 2]


@pytest.mark.parametrize(("ballot", "field", "status"), [
    ({"rater": "self", "mark": 80}, "body.ratings.0.person_id", 422),
    ({"rater": "outsider", "mark": 80}, "body.rater_id", 422),
    ({"rater": "leader", "mark": 100.5}, "body.ratings.0.mark", 422),
    ({"rater": "leader", "mark": -1}, "body.ratings.0.mark", 422),
])
async def test_bad_ratings_name_the_field(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                          ballot: dict[str, Any], field: str, status: int) -> None:
    q = await xiacun_quarter(client, records)
    p = q["county"]["people"]
    rater = {"self": p["C"], "outsider": str(uuid.uuid4()), "leader": q["raters"][0]["rater_id"]}[ballot["rater"]]
    response = await client.put(f"/api/v1/scoring/rounds/{q['round']}/ratings", json={
        "rater_id": rater, "on_behalf": True, "ratings": [{"person_id": p["C"], "mark": ballot["mark"]}]})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"].endswith(field.split(".", 1)[1])


async def test_a_rating_after_close_is_409_and_nothing_is_stored(client: httpx.AsyncClient,
                                                                 records: httpx.AsyncClient) -> None:
    q = await xiacun_quarter(client, records)
    closed = (await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")).json()
    response = await client.put(f"/api/v1/scoring/rounds/{q['round']}/ratings", json={
        "rater_id": q["raters"][0]["rater_id"], "on_behalf": True,
        "ratings": [{"person_id": q["county"]["people"]["E"], "mark": 1}]})
    assert response.status_code == 409 and response.json()["code"] == "round_closed"
    assert (await client.get(f"/api/v1/scoring/rounds/{q['round']}")).json()["ratings"] == closed["ratings"] == 6


async def test_a_rater_revises_until_close_and_sees_only_their_own(client: httpx.AsyncClient,
                                                                   records: httpx.AsyncClient) -> None:
    q = await xiacun_quarter(client, records)
    p = q["county"]["people"]
    rater = p["C"]  # C rates A in the staff group
    client.headers.update(caller_headers(rater))
    response = await client.put(f"/api/v1/scoring/rounds/{q['round']}/ratings",
                                json={"ratings": [{"person_id": p["A"], "mark": 95},
                                                  {"person_id": p["B"], "mark": 75}]})
    assert response.status_code == 200, response.text
    mine = (await client.get(f"/api/v1/scoring/rounds/{q['round']}/ratings/mine")).json()["items"]
    assert sorted((r["person_id"], r["mark"]) for r in mine) == sorted([(p["A"], "95.00"), (p["B"], "75.00")])
    client.headers.update(caller_headers(p["E"]))  # not a rater: the round does not exist for E
    assert (await client.get(f"/api/v1/scoring/rounds/{q['round']}")).status_code == 404


async def test_adjustment_caps_per_item_and_in_total(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    q = await xiacun_quarter(client, records)
    a = q["county"]["people"]["A"]
    item = {"person_id": a, "item": "honour", "evidence": "省级表彰", "approved_by": "县委组织部"}
    response = await client.post(f"{q['base']}/adjustments", json={**item, "points": "1.5"})  # 2 + 1.5 > 3
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.points" and "cap of 3" in response.json()["detail"]
    assert (await client.post(f"{q['base']}/adjustments", json={**item, "points": "1"})).status_code == 201
    listed = (await client.get(f"{q['base']}/adjustments")).json()["items"]
    assert sorted((x["item"], x["points"]) for x in listed) == [("honour", "1.00"), ("honour", "2.00")]
    response = await client.post(f"{q['base']}/adjustments", json={**item, "item": "nope", "points": "1"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.item"


async def test_weights_that_do_not_add_up_are_refused_naming_the_node(client: httpx.AsyncClient,
                                                                      records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    bad = {**XIACUN, "indicators": [{"code": "de", "name": "德", "weight": "0.3"},
                                    {"code": "ji", "name": "绩", "weight": "0.6"}]}
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "x", "definition": bad})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.indicators" and "90%" in response.json()["detail"]
    bad_raters = {**XIACUN, "raters": {"share": "0.2", "groups": {"leadership": "0.5", "middle": "0.3"}}}
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "x", "definition": bad_raters})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.raters.groups"
    listed = (await client.get("/api/v1/scoring/schemes", params={"unit_id": county["unit"]})).json()
    assert listed["items"] == []  # nothing half-written


async def test_publish_once_and_members_see_only_their_own(client: httpx.AsyncClient,
                                                           records: httpx.AsyncClient) -> None:
    q = await xiacun_quarter(client, records)
    p = q["county"]["people"]
    await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")
    close = (await client.post(f"{q['base']}/close")).json()
    admin = dict(client.headers)
    client.headers.update(caller_headers(p["A"]))
    assert (await client.get(f"{q['base']}/people/{p['A']}/explanation")).status_code == 404  # not yet published
    client.headers.update(admin)
    response = await client.post(f"/api/v1/scoring/results/{close['id']}/publish")
    assert response.status_code == 200 and response.json()["published_by"] == "user:province-admin"
    second = await client.post(f"/api/v1/scoring/results/{close['id']}/publish")
    assert second.status_code == 409 and second.json()["code"] == "already_published"
    client.headers.update(caller_headers(p["A"]))
    own = await client.get(f"{q['base']}/people/{p['A']}/explanation")
    assert own.status_code == 200 and own.json()["detail"]["total"] == "83.8" and own.json()["published"]
    assert (await client.get(f"{q['base']}/people/{p['B']}/explanation")).status_code == 404
    assert (await client.get(f"{q['base']}/results")).status_code == 404


async def test_a_tree_deeper_than_the_limit_is_refused(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    node: dict[str, Any] = {"code": "leaf", "name": "叶", "weight": "1"}
    for level in range(150):
        node = {"code": f"n{level}", "name": "层", "weight": "1", "children": [node]}
    for path, body in (("/api/v1/scoring/schemes", {"region_id": county["region"], "unit_id": county["unit"],
                                                    "name": "深", "definition": {"indicators": [node]}}),
                       ("/api/v1/scoring/schemes/indicators/check", {"indicators": [node]})):
        response = await client.post(path, json=body)
        assert response.status_code == 422 and "deeper than 8 levels" in response.text


async def test_rating_sums_keep_every_group_whatever_the_scheme_names(scoring_app: FastAPI,
                                                                     records: httpx.AsyncClient) -> None:
    """A close sums the ratings with a column pair per rater group of the scheme; ratings in a group
    the scheme no longer names (its groups changed after the round opened) are kept all the same."""
    async with rolled_back(scoring_app) as session, asgi_client(scoring_app,
                                                                 headers=service_headers(PROVINCE)) as client:
        q = await xiacun_quarter(client, records)
        p = q["county"]["people"]
        driver = await _driver(session)
        round_id = uuid.UUID(q["round"])
        by_hand = {p["A"]: {"leadership": [17_000, 2], "middle": [7_000, 1], "staff": [8_000, 1],
                            "non_staff": [6_000, 1]},
                   p["B"]: {"leadership": [8_000, 1]}}
        for groups in ((), ("leadership", "middle", "staff", "non_staff"), ("leadership", "middle"),
                       ("non_staff", "staff", "middle", "leadership", "elsewhere")):
            assert await _rating_sums(driver, round_id, groups, 64) == by_hand, groups


async def test_any_text_in_the_inputs_is_stored_and_explained_as_it_was_given(client: httpx.AsyncClient,
                                                                              records: httpx.AsyncClient) -> None:
    """The rows go to the database in COPY's text format: backslashes, tabs, quotes and line breaks
    in an item's evidence come back exactly."""
    q = await xiacun_quarter(client, records)
    b = q["county"]["people"]["B"]
    evidence = '市级表彰\t"优秀"\\n 字面的反斜杠 \\ 与换行\n第二行\r\\N'
    response = await client.post(f"{q['base']}/adjustments", json={
        "person_id": b, "item": "honour", "points": "1", "evidence": evidence, "approved_by": "镇党委\\办"})
    assert response.status_code == 201, response.text
    await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")
    assert (await client.post(f"{q['base']}/close")).status_code == 201
    detail = (await client.get(f"{q['base']}/people/{b}/explanation")).json()["detail"]
    assert detail["total"] == "86.6"  # 85.6 + 1
    assert [(i["evidence"], i["approved_by"]) for i in detail["adjustments"]["items"]] == [(evidence, "镇党委\\办")]
