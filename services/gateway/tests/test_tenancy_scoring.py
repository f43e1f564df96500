"""Tenancy in scoring, through the real gateway: every scheme, round, result version, objection
and bonus run is authorised by its scheme's own region and unit; a ballot is its rater's; inputs
name the scheme's people; small rater groups are not shown.

The world: region A with unit A1 (people a1-a5), region B with unit B1 (person b1); the region
administrators of A and B, the unit administrators of A1 and B1, a leader of B1, and a1-a3 signed
in as themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN
from shared.testing import asgi_client, ok, sign_in

PASSWORD = "tenancy-scoring-pw-1"
Q = "2025Q1"
# These tests are about who sees what, not marks: an unmarked person scores 0 by the explicit policy.
PLAIN = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}], "missing_inputs": "zero"}
RATED = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}], "missing_inputs": "zero",
         "raters": {"share": "0.5", "groups": {"leadership": "0.5", "staff": "0.5"}},
         "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"}}},
         "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"}}}


@dataclass
class Scoring:
    region: dict[str, str]
    unit: dict[str, str]
    person: dict[str, str]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


def problem_fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [e["field"] for e in response.json().get("errors") or []]


@pytest.fixture(scope="module")
async def w(gateway_app: FastAPI) -> AsyncIterator[Scoring]:
    tag = "s" + uuid.uuid4().hex[:6]
    async with asgi_client(gateway_app) as client:
        admin = await sign_in(client, *TEST_ADMIN)
        region, unit, person = {}, {}, {}
        for side in ("A", "B"):
            region[side] = (await ok(await client.post("/api/v1/records/regions", headers=admin, json={
                "code": f"{tag}{side}", "name": f"区{side}"})))["id"]
            unit[f"{side}1"] = (await ok(await client.post("/api/v1/records/units", headers=admin, json={
                "region_id": region[side], "code": f"{side}1{tag}", "name": f"单位{side}1",
                "kind": "department"})))["id"]
        for name, u, category in (("a1", "A1", "staff"), ("a2", "A1", "staff"), ("a3", "A1", "staff"),
                                  ("a4", "A1", "leadership"), ("a5", "A1", "staff"), ("b1", "B1", "staff")):
            person[name] = (await ok(await client.post("/api/v1/records/persons", headers=admin, json={
                "unit_id": unit[u], "staff_no": f"{tag}-{name}", "name": name, "staff_category": category,
                "active_from": "2020-01-01"})))["id"]
        w = Scoring(region=region, unit=unit, person=person, headers={"P": admin})
        for name, role, scope in (("RA", "region_admin", {"region_id": region["A"]}),
                                  ("RB", "region_admin", {"region_id": region["B"]}),
                                  ("UA", "unit_admin", {"unit_id": unit["A1"]}),
                                  ("UB", "unit_admin", {"unit_id": unit["B1"]}),
                                  ("LB", "leader", {"unit_id": unit["B1"]}),
                                  ("a1", "member", {"person_id": person["a1"]}),
                                  ("a2", "member", {"person_id": person["a2"]}),
                                  ("a3", "member", {"person_id": person["a3"]}),
                                  ("b1", "member", {"person_id": person["b1"]})):
            username = f"{name.lower()}-{tag}"
            await ok(await client.post("/api/v1/admin/users", headers=admin, json={
                "username": username, "password": PASSWORD, "role": role, **scope}))
            w.headers[name] = await sign_in(client, username, PASSWORD)
    yield w


async def scoring_db(database_urls: dict[str, str]) -> asyncpg.Connection:
    return await asyncpg.connect(database_urls["scoring"].replace("postgresql+asyncpg://", "postgresql://"))


async def a_scheme(client: httpx.AsyncClient, w: Scoring, definition: dict[str, Any] = RATED,
                   who: str = "P") -> str:
    return str((await ok(await client.post("/api/v1/scoring/schemes", headers=w.headers[who], json={
        "region_id": w.region["A"], "unit_id": w.unit["A1"], "name": "A1机关", "definition": definition})))["id"])


# ------------------------------------------------------------------ finding 2: a scheme's region and unit


@pytest.mark.parametrize("who", ["P", "RA", "UB"])
async def test_a_scheme_of_region_a_cannot_name_a_unit_of_region_b(client: httpx.AsyncClient, w: Scoring,
                                                                   who: str) -> None:
    response = await client.post("/api/v1/scoring/schemes", headers=w.headers[who], json={
        "region_id": w.region["A"], "unit_id": w.unit["B1"], "name": "越界", "definition": PLAIN})
    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["body.unit_id"]


async def test_a_unit_admin_creates_only_their_units_scheme(client: httpx.AsyncClient, w: Scoring) -> None:
    await a_scheme(client, w, PLAIN, who="UA")
    response = await client.post("/api/v1/scoring/schemes", headers=w.headers["UB"], json={
        "region_id": w.region["A"], "unit_id": w.unit["A1"], "name": "别人的", "definition": PLAIN})
    assert response.status_code == 404, response.text


async def test_a_scheme_that_names_another_regions_unit_is_nobodys_there(
        client: httpx.AsyncClient, w: Scoring, database_urls: dict[str, str]) -> None:
    """A scheme of region A naming unit B1 (as creation allowed before it was checked): region B's
    administrators, B1's administrator and its leader get 404 on it, its rounds, result versions,
    objections and bonus runs."""
    scheme_id = uuid.uuid4()
    db = await scoring_db(database_urls)
    try:
        await db.execute("INSERT INTO schemes (id, region_id, unit_id, name, created_by) VALUES ($1, $2, $3, $4, $5)",
                         scheme_id, uuid.UUID(w.region["A"]), uuid.UUID(w.unit["B1"]), "错配方案", "legacy")
        await db.execute("INSERT INTO scheme_versions (scheme_id, version, definition, created_by) "
                         "VALUES ($1, 1, $2::jsonb, 'legacy')", scheme_id, orjson.dumps(RATED).decode())
    finally:
        await db.close()
    base = f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}"
    round_ = await ok(await client.post(f"{base}/rounds", headers=w.headers["P"], json={
        "raters": [{"rater_id": w.person["a4"], "group": "leadership"}]}))
    await ok(await client.post(f"/api/v1/scoring/rounds/{round_['id']}/close", headers=w.headers["P"]), 200)
    close = await ok(await client.post(f"{base}/close", headers=w.headers["P"]))
    await ok(await client.post(f"/api/v1/scoring/results/{close['id']}/publish", headers=w.headers["P"]), 200)
    objection = await ok(await client.post(f"/api/v1/scoring/results/{close['id']}/objections",
                                           headers=w.headers["b1"], json={"reason": "本季度任务量漏记"}))
    for who in ("RB", "UB", "LB"):
        h = w.headers[who]
        assert (await client.get(f"/api/v1/scoring/schemes/{scheme_id}", headers=h)).status_code == 404, who
        listed = await ok(await client.get("/api/v1/scoring/schemes", headers=h), 200)
        assert str(scheme_id) not in {s["id"] for s in listed["items"]}, who
        assert (await client.get(f"{base}/results", headers=h)).status_code == 404, who
        assert (await client.get(f"{base}/results.xlsx", headers=h)).status_code == 404, who
        assert (await client.get(f"{base}/people/{w.person['b1']}/explanation", headers=h)).status_code == 404, who
        assert (await client.get(f"/api/v1/scoring/rounds/{round_['id']}", headers=h)).status_code == 404, who
        assert (await client.get(f"/api/v1/scoring/objections/{objection['id']}", headers=h)).status_code == 404
        listed = await ok(await client.get("/api/v1/scoring/objections", headers=h), 200)
        assert objection["id"] not in {o["id"] for o in listed["items"]}, who
        if who == "LB":
            continue  # a leader changes nothing anyway (the gateway's 403)
        assert (await client.get(f"{base}/versions", headers=h)).status_code == 404, who
        assert (await client.post(f"/api/v1/scoring/results/{close['id']}/publish", headers=h)).status_code == 404
        assert (await client.post(f"/api/v1/scoring/objections/{objection['id']}/review", headers=h, json={
            "decision": "reject", "reason": "不予采纳理由"})).status_code == 404, who
        assert (await client.get(f"/api/v1/scoring/results/{close['id']}/compare/{close['id']}",
                                 headers=h)).status_code == 404, who
        assert (await client.post(f"/api/v1/scoring/schemes/{scheme_id}/versions", headers=h,
                                  json={"definition": PLAIN})).status_code == 404, who
        assert (await client.get(f"{base}/adjustments", headers=h)).status_code == 404, who
        assert (await client.post(f"{base}/close", headers=h)).status_code == 404, who
        assert (await client.post(f"/api/v1/scoring/schemes/{scheme_id}/years/2025/bonus", headers=h,
                                  json={"total": "1000", "pool_share": "0.15"})).status_code == 404, who


# ------------------------------------------------------------------ finding 3: a ballot is its rater's


async def _round(client: httpx.AsyncClient, w: Scoring, scheme_id: str,
                 raters: dict[str, str] | None = None) -> str:
    raters = raters or {"a2": "staff", "a3": "staff", "a4": "leadership"}
    body = {"raters": [{"rater_id": w.person[name], "group": group} for name, group in raters.items()]}
    return str((await ok(await client.post(f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}/rounds",
                                           headers=w.headers["P"], json=body)))["id"])


async def test_a_unit_admin_cannot_overwrite_a_raters_ballot(client: httpx.AsyncClient, w: Scoring,
                                                             database_urls: dict[str, str]) -> None:
    scheme_id = await a_scheme(client, w)
    round_id = await _round(client, w, scheme_id)
    ratings = f"/api/v1/scoring/rounds/{round_id}/ratings"
    own = await ok(await client.put(ratings, headers=w.headers["a2"], json={
        "ratings": [{"person_id": w.person["a1"], "mark": 90}]}), 200)
    assert own == {"stored": 1, "rater_id": w.person["a2"], "on_behalf": False}
    # the unit's administrator naming the rater: refused, and the ballot is as the rater left it
    response = await client.put(ratings, headers=w.headers["UA"], json={
        "rater_id": w.person["a2"], "ratings": [{"person_id": w.person["a1"], "mark": 10}]})
    assert response.status_code == 403, response.text
    # another rater naming them: refused too
    response = await client.put(ratings, headers=w.headers["a3"], json={
        "rater_id": w.person["a2"], "ratings": [{"person_id": w.person["a1"], "mark": 10}]})
    assert response.status_code == 403, response.text
    mine = (await ok(await client.get(f"{ratings}/mine", headers=w.headers["a2"]), 200))["items"]
    assert [(r["person_id"], r["mark"]) for r in mine] == [(w.person["a1"], "90.00")]
    # a paper ballot keyed in on a rater's behalf, saying so: recorded on the ballot and attributable
    keyed = await ok(await client.put(ratings, headers=w.headers["UA"], json={
        "rater_id": w.person["a3"], "on_behalf": True, "ratings": [{"person_id": w.person["a1"], "mark": 80}]}), 200)
    assert keyed == {"stored": 1, "rater_id": w.person["a3"], "on_behalf": True}
    db = await scoring_db(database_urls)
    try:
        rows = await db.fetch("SELECT rater_id::text, keyed_by FROM ratings WHERE round_id = $1 ORDER BY 1",
                              uuid.UUID(round_id))
    finally:
        await db.close()
    keyed_by = {r["rater_id"]: r["keyed_by"] for r in rows}
    assert keyed_by[w.person["a2"]] is None and keyed_by[w.person["a3"]]
    # only for raters of the round, only by the scheme's managers
    response = await client.put(ratings, headers=w.headers["UA"], json={
        "rater_id": w.person["a5"], "on_behalf": True, "ratings": [{"person_id": w.person["a1"], "mark": 80}]})
    assert response.status_code == 422 and problem_fields(response) == ["body.rater_id"]
    response = await client.put(ratings, headers=w.headers["a2"], json={
        "rater_id": w.person["a3"], "on_behalf": True, "ratings": [{"person_id": w.person["a1"], "mark": 1}]})
    assert response.status_code == 403, response.text
    response = await client.put(ratings, headers=w.headers["UB"], json={
        "rater_id": w.person["a3"], "on_behalf": True, "ratings": [{"person_id": w.person["a1"], "mark": 1}]})
    assert response.status_code == 404, response.text
    # administrators see who has voted, never what anyone gave
    read = await ok(await client.get(f"/api/v1/scoring/rounds/{round_id}", headers=w.headers["UA"]), 200)
    assert read["voted_by_group"] == {"staff": 2} and read["raters_by_group"] == {"staff": 2, "leadership": 1}
    assert await ok(await client.get(f"{ratings}/mine", headers=w.headers["UA"]), 200) == {"items": [], "next": None}


# ------------------------------------------------------------------ finding 4: inputs name the scheme's people


async def test_inputs_for_people_outside_the_scheme_are_refused_naming_the_row(
        client: httpx.AsyncClient, w: Scoring, database_urls: dict[str, str]) -> None:
    scheme_id = await a_scheme(client, w)
    base = f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}"
    h = w.headers["UA"]
    response = await client.put(f"{base}/marks", headers=h, json={"marks": [
        {"person_id": w.person["a1"], "indicator": "ji", "mark": 80},
        {"person_id": w.person["b1"], "indicator": "ji", "mark": 80},
        {"person_id": str(uuid.uuid4()), "indicator": "ji", "mark": 80}]})
    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["body.marks.1.person_id", "body.marks.2.person_id"]
    response = await client.post(f"{base}/adjustments", headers=h, json={
        "person_id": w.person["b1"], "item": "honour", "points": "1", "evidence": "表彰", "approved_by": "组织部"})
    assert response.status_code == 422 and problem_fields(response) == ["body.person_id"]
    response = await client.post(f"{base}/negative-events", headers=h, json={
        "person_id": w.person["b1"], "item": "discipline", "note": "x"})
    assert response.status_code == 422 and problem_fields(response) == ["body.person_id"]
    db = await scoring_db(database_urls)
    try:
        stored = [await db.fetchval(f"SELECT count(*) FROM {table} WHERE scheme_id = $1",  # noqa: S608
                                    uuid.UUID(scheme_id)) for table in ("marks", "adjustments", "negative_events")]
    finally:
        await db.close()
    assert stored == [0, 0, 0]  # nothing of the refused requests, not even a1's good row
    await ok(await client.put(f"{base}/marks", headers=h, json={"marks": [
        {"person_id": w.person["a1"], "indicator": "ji", "mark": 80}]}), 200)


async def test_a_round_names_raters_who_exist_in_the_schemes_region(client: httpx.AsyncClient, w: Scoring) -> None:
    scheme_id = await a_scheme(client, w)
    response = await client.post(f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}/rounds", headers=w.headers["UA"],
                                 json={"raters": [{"rater_id": w.person["a2"], "group": "staff"},
                                                  {"rater_id": str(uuid.uuid4()), "group": "staff"},
                                                  {"rater_id": w.person["b1"], "group": "leadership"}]})
    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["body.raters.1.rater_id", "body.raters.2.rater_id"]
    await _round(client, w, scheme_id)  # nothing was stored: the round can still be opened


# ------------------------------------------------------------------ finding 5: small rater groups


async def _rated_close(client: httpx.AsyncClient, w: Scoring, definition: dict[str, Any]) -> tuple[str, str]:
    """a1 rated 60 by one leader (a4) and 90, 80, 70 by three staff (a2, a3, a5); marked 80."""
    scheme_id = await a_scheme(client, w, definition)
    round_id = await _round(client, w, scheme_id, {"a2": "staff", "a3": "staff", "a5": "staff", "a4": "leadership"})
    for rater, mark in (("a2", 90), ("a3", 80), ("a5", 70), ("a4", 60)):
        await ok(await client.put(f"/api/v1/scoring/rounds/{round_id}/ratings", headers=w.headers["P"], json={
            "rater_id": w.person[rater], "on_behalf": True, "ratings": [{"person_id": w.person["a1"], "mark": mark}]}),
            200)
    await ok(await client.post(f"/api/v1/scoring/rounds/{round_id}/close", headers=w.headers["P"]), 200)
    base = f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}"
    await ok(await client.put(f"{base}/marks", headers=w.headers["P"], json={"marks": [
        {"person_id": w.person["a1"], "indicator": "ji", "mark": 80}]}), 200)
    close = await ok(await client.post(f"{base}/close", headers=w.headers["P"]))
    await ok(await client.post(f"/api/v1/scoring/results/{close['id']}/publish", headers=w.headers["P"]), 200)
    return base, close["result_digest"]


async def test_a_group_of_fewer_raters_than_the_threshold_is_not_shown(client: httpx.AsyncClient,
                                                                        w: Scoring) -> None:
    base, _ = await _rated_close(client, w, RATED)
    for who in ("P", "UA", "a1"):
        detail = (await ok(await client.get(f"{base}/people/{w.person['a1']}/explanation", headers=w.headers[who]),
                           200))["detail"]
        # leadership 60, staff 80: evaluation 70; 80 × 0.5 + 70 × 0.5 = 75, computed from every mark
        assert detail["total"] == "75", who
        groups = {g["group"]: g for g in detail["evaluation"]["groups"]}
        assert groups["leadership"]["raters"] is None and groups["leadership"]["fewer_than"] == 3, who
        assert groups["leadership"]["mean"] is None and groups["leadership"]["contribution"] is None, who
        # the other groups' means would give the leader's mark back beside the evaluation score
        assert groups["staff"]["raters"] == 3 and groups["staff"]["mean"] is None, who
        assert "60" not in orjson.dumps(detail["evaluation"]).decode(), who
    xlsx = await client.get(f"{base}/results.xlsx", headers=w.headers["UA"])
    assert xlsx.status_code == 200


async def test_an_open_scheme_shows_every_group(client: httpx.AsyncClient, w: Scoring) -> None:
    _, masked_digest = await _rated_close(client, w, RATED)
    base, open_digest = await _rated_close(client, w, {**RATED, "open_ballots": True})
    detail = (await ok(await client.get(f"{base}/people/{w.person['a1']}/explanation", headers=w.headers["P"]),
                       200))["detail"]
    groups = {g["group"]: (g["raters"], g["mean"]) for g in detail["evaluation"]["groups"]}
    assert groups == {"leadership": (1, "60"), "staff": (3, "80")} and detail["total"] == "75"
    assert masked_digest == open_digest  # the same results, whatever is shown of them
