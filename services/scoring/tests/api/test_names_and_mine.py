"""Results in names (not only ids), a member reading the scheme that evaluates them, and a
person's own results in one answer (``GET /api/v1/scoring/me/results``).

Unit 夏村镇: A 90, B 80, C 70, D 85 (D in the section 办公室), one indicator of weight 1, so each
score is the mark. Ranked A 1, D 2, B 3, C 4; the default rule caps "good" at 40% of 4 people,
floored: one good (A), the rest average."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import caller_headers, unit_with_people
from .test_exports import open_results, table

DEFINITION: dict[str, Any] = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}]}
MARKS = {"A": 90, "B": 80, "C": 70, "D": 85}


async def quarter(client: httpx.AsyncClient, records: httpx.AsyncClient) -> dict[str, Any]:
    world = await unit_with_people(records, "ABC")
    office = (await records.post(f"/api/v1/records/units/{world['unit']}/sections", json={"name": "办公室"})).json()
    d = await records.post("/api/v1/records/persons", json={
        "unit_id": world["unit"], "section_id": office["id"], "staff_no": f"{world['region'][:8]}-D", "name": "D",
        "staff_category": "staff", "active_from": "2020-01-01"})
    world["people"]["D"] = d.json()["id"]
    scheme = await client.post("/api/v1/scoring/schemes", json={
        "region_id": world["region"], "unit_id": world["unit"], "name": "夏村镇机关", "definition": DEFINITION})
    assert scheme.status_code == 201, scheme.text
    world["scheme"] = scheme.json()["id"]
    world["base"] = base = f"/api/v1/scoring/schemes/{world['scheme']}/periods/2025Q1"
    marks = [{"person_id": world["people"][k], "indicator": "ji", "mark": v} for k, v in MARKS.items()]
    assert (await client.put(f"{base}/marks", json={"marks": marks})).status_code == 200
    world["close"] = (await client.post(f"{base}/close")).json()["id"]
    return world


async def test_results_and_explanations_name_each_person(client: httpx.AsyncClient,
                                                         records: httpx.AsyncClient) -> None:
    w = await quarter(client, records)
    page = (await client.get(f"{w['base']}/results")).json()
    assert [(r["rank"], r["name"], r["staff_no"].rpartition("-")[2], r["unit_name"], r["section_name"], r["score"],
             r["grade"]) for r in page["items"]] == [
        (1, "A", "A", "夏村镇", None, "90", "good"),
        (2, "D", "D", "夏村镇", "办公室", "85", "average"),
        (3, "B", "B", "夏村镇", None, "80", "average"),
        (4, "C", "C", "夏村镇", None, "70", "average")]
    sheet = open_results(await client.get(f"{w['base']}/results.xlsx"))["考核结果"]
    assert [(r[2], r[3], r[4]) for r in table(sheet)] == [("A", "夏村镇", None), ("D", "夏村镇", "办公室"),
                                                         ("B", "夏村镇", None), ("C", "夏村镇", None)]
    explained = (await client.get(f"{w['base']}/people/{w['people']['D']}/explanation")).json()
    assert (explained["name"], explained["unit_name"], explained["section_name"], explained["rank"]) == (
        "D", "夏村镇", "办公室", 2)


async def test_a_member_reads_the_scheme_that_evaluates_them_only(client: httpx.AsyncClient,
                                                                   records: httpx.AsyncClient) -> None:
    w = await quarter(client, records)
    as_a = caller_headers(w["people"]["A"])
    read = await client.get(f"/api/v1/scoring/schemes/{w['scheme']}", headers=as_a)
    assert read.status_code == 200, read.text
    assert read.json()["definition"]["indicators"][0]["weight"] == "1" and read.json()["created_by"] is None
    admin = (await client.get(f"/api/v1/scoring/schemes/{w['scheme']}")).json()
    assert admin["created_by"] == "user:province-admin"

    other = await unit_with_people(records, "X")  # another unit's scheme, and a staff category not A's
    for unit, region, category in ((other["unit"], other["region"], None), (w["unit"], w["region"], "leadership")):
        body = {"region_id": region, "unit_id": unit, "name": "别的", "definition": DEFINITION}
        created = await client.post("/api/v1/scoring/schemes", json={**body, "staff_category": category}
                                    if category else body)
        assert created.status_code == 201, created.text
        response = await client.get(f"/api/v1/scoring/schemes/{created.json()['id']}", headers=as_a)
        assert response.status_code == 404 and response.json()["code"] == "scheme_not_found"


async def test_my_results_explained_with_my_objections(client: httpx.AsyncClient,
                                                       records: httpx.AsyncClient) -> None:
    w = await quarter(client, records)
    as_b = caller_headers(w["people"]["B"])
    mine = await client.get("/api/v1/scoring/me/results", headers=as_b)
    assert mine.status_code == 200 and mine.json()["results"] == [], mine.text  # a draft is nobody's to see
    assert [s["id"] for s in mine.json()["schemes"]] == [w["scheme"]]

    assert (await client.post(f"/api/v1/scoring/results/{w['close']}/publish")).status_code == 200
    objected = await client.post(f"/api/v1/scoring/results/{w['close']}/objections", headers=as_b,
                                 json={"reason": "任务量漏记一项"})
    assert objected.status_code == 201, objected.text
    rejected = await client.post(f"/api/v1/scoring/objections/{objected.json()['id']}/review",
                                 json={"decision": "reject", "reason": "任务已计入"})
    assert rejected.status_code == 200, rejected.text

    body = (await client.get("/api/v1/scoring/me/results", headers=as_b)).json()
    assert body["person_id"] == w["people"]["B"] and body["other_objections"] == []
    [result] = body["results"]
    assert (result["period"], result["close_id"], result["score"], result["rank"], result["grade"]) == (
        "2025Q1", w["close"], "80", 3, "average")
    explanation = result["explanation"]
    assert (explanation["name"], explanation["unit_name"], explanation["score"]) == ("B", "夏村镇", "80")
    assert explanation["detail"]["grade"]["rank"] == 3
    assert [(o["status"], o["decision"], o["decision_reason"], o["name"]) for o in result["objections"]] == [
        ("rejected", "rejected", "任务已计入", "B")]
    assert body["schemes"][0]["definition"]["indicators"][0]["code"] == "ji"

    # C sees C's own, not B's objection
    c = (await client.get("/api/v1/scoring/me/results", headers=caller_headers(w["people"]["C"]))).json()
    assert [(r["score"], r["objections"]) for r in c["results"]] == [("70", [])]


async def test_a_scheme_that_does_not_publish_ranks_shows_members_none(client: httpx.AsyncClient,
                                                                       records: httpx.AsyncClient) -> None:
    w = await quarter(client, records)
    assert (await client.post(f"/api/v1/scoring/results/{w['close']}/publish")).status_code == 200
    changed = await client.post(f"/api/v1/scoring/schemes/{w['scheme']}/versions",
                                json={"definition": {**DEFINITION, "publish_ranks": False}})
    assert changed.status_code == 201, changed.text
    as_a = caller_headers(w["people"]["A"])
    [result] = (await client.get("/api/v1/scoring/me/results", headers=as_a)).json()["results"]
    assert (result["score"], result["rank"], result["grade"]) == ("90", None, "good")
    assert result["explanation"]["rank"] is None and "rank" not in result["explanation"]["detail"]["grade"]
    assert not any(r.startswith("rank ") for r in result["explanation"]["detail"]["grade"]["reasons"])
    own = (await client.get(f"{w['base']}/people/{w['people']['A']}/explanation", headers=as_a)).json()
    assert own["rank"] is None and "rank" not in own["detail"]["grade"]
    admin = (await client.get(f"{w['base']}/people/{w['people']['A']}/explanation")).json()
    assert admin["rank"] == 1 and admin["detail"]["grade"]["rank"] == 1  # administrators see ranks


async def test_only_a_person_has_results_of_their_own(client: httpx.AsyncClient) -> None:
    admin = service_headers(Caller(subject="user:r", roles=("region_admin",), region_ids=(str(uuid.uuid4()),)))
    response = await client.get("/api/v1/scoring/me/results", headers=admin)
    assert response.status_code == 404 and response.json()["code"] == "result_not_found"
    stranger = await client.get("/api/v1/scoring/me/results", headers=caller_headers(str(uuid.uuid4())))
    assert stranger.status_code == 200 and stranger.json()["results"] == [] and stranger.json()["schemes"] == []
