"""Outside raters through the real gateway: a round's administrators issue one-time rating codes for
an outside rater group (服务对象, 群众); whoever holds one rates once, without an account and
without a token; used and unknown codes get the same 404; the public route is rate-limited per
client address; the ballots count in the close like any group's.

The world: region A with unit A1 (a1 rated, a2 a rater of the staff group), region B; the unit
administrator of A1, the region administrator of B, a2 signed in as themself.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.identity import RateLimits
from gateway.testing import TEST_ADMIN
from shared.testing import asgi_client, ok, sign_in

PASSWORD = "rating-codes-pw-1"
Q = "2025Q1"
DEFINITION = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}], "missing_inputs": "zero",
              "raters": {"share": "0.5", "groups": {"staff": "0.5", "public": "0.5"}, "outside": ["public"]},
              "open_ballots": True}
BY_CODE = "/api/v1/scoring/ballots/by-code"


@dataclass
class Codes:
    person: dict[str, str]
    scheme: str
    round: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
async def w(gateway_app: FastAPI) -> AsyncIterator[Codes]:
    tag = "c" + uuid.uuid4().hex[:6]
    async with asgi_client(gateway_app) as client:
        admin = await sign_in(client, *TEST_ADMIN)
        region = {side: (await ok(await client.post("/api/v1/records/regions", headers=admin, json={
            "code": f"{tag}{side}", "name": f"区{side}"})))["id"] for side in ("A", "B")}
        unit = (await ok(await client.post("/api/v1/records/units", headers=admin, json={
            "region_id": region["A"], "code": f"A1{tag}", "name": "单位A1", "kind": "department"})))["id"]
        person = {name: (await ok(await client.post("/api/v1/records/persons", headers=admin, json={
            "unit_id": unit, "staff_no": f"{tag}-{name}", "name": name, "staff_category": "staff",
            "active_from": "2020-01-01"})))["id"] for name in ("a1", "a2")}
        scheme = (await ok(await client.post("/api/v1/scoring/schemes", headers=admin, json={
            "region_id": region["A"], "unit_id": unit, "name": "A1机关", "definition": DEFINITION})))["id"]
        round_ = (await ok(await client.post(f"/api/v1/scoring/schemes/{scheme}/periods/{Q}/rounds", headers=admin,
                                             json={"raters": [{"rater_id": person["a2"], "group": "staff"}]})))["id"]
        w = Codes(person=person, scheme=scheme, round=round_, headers={"P": admin})
        for name, role, scope in (("UA", "unit_admin", {"unit_id": unit}),
                                  ("RB", "region_admin", {"region_id": region["B"]}),
                                  ("a2", "member", {"person_id": person["a2"]})):
            username = f"{name.lower()}-{tag}"
            await ok(await client.post("/api/v1/admin/users", headers=admin, json={
                "username": username, "password": PASSWORD, "role": role, **scope}))
            w.headers[name] = await sign_in(client, username, PASSWORD)
    yield w


def ballot(code: str, person: str, mark: int) -> dict[str, Any]:
    return {"code": code, "ratings": [{"person_id": person, "mark": mark}]}


async def test_outside_raters_rate_once_each_without_an_account(client: httpx.AsyncClient, w: Codes) -> None:
    """a1: staff (a2) 70; the public 90 and 100 → 95; evaluation 0.5 × 70 + 0.5 × 95 = 82.5;
    marked 80, at 50%: 0.5 × 80 + 0.5 × 82.5 = 81.25."""
    codes_url = f"/api/v1/scoring/rounds/{w.round}/codes"
    # only the scheme's administrators issue codes: another region's gets 404, a rater 403
    assert (await client.post(codes_url, headers=w.headers["RB"], json={"group": "public", "count": 1})
            ).status_code == 404
    assert (await client.post(codes_url, headers=w.headers["a2"], json={"group": "public", "count": 1})
            ).status_code == 403
    assert (await client.post(codes_url, json={"group": "public", "count": 1})).status_code == 401
    # codes are shown once: an Idempotency-Key does not keep them at the gateway to be replayed
    once = {**w.headers["UA"], "idempotency-key": f"codes-{uuid.uuid4().hex}"}
    codes = (await ok(await client.post(codes_url, headers=once, json={"group": "public", "count": 2})))["codes"]
    codes += (await ok(await client.post(codes_url, headers=once, json={"group": "public", "count": 1})))["codes"]
    assert len(set(codes)) == 3
    # no token, and a token that is not valid is not even looked at: the code is the credential
    first = await client.post(BY_CODE, json=ballot(codes[0], w.person["a1"], 90))
    assert first.status_code == 201 and first.json()["stored"] == 1, first.text
    second = await client.post(BY_CODE, headers={"authorization": "Bearer not-a-token"},
                               json=ballot(codes[1], w.person["a1"], 100))
    assert second.status_code == 201, second.text
    again = await client.post(BY_CODE, json=ballot(codes[0], w.person["a1"], 1))
    unknown = await client.post(BY_CODE, json=ballot("ZZZZ-ZZZZ-ZZZZ", w.person["a1"], 1))
    assert again.status_code == unknown.status_code == 404
    assert again.headers["content-type"] == unknown.headers["content-type"] == "application/problem+json"
    assert again.json()["detail"] == unknown.json()["detail"]
    assert await ok(await client.get(codes_url, headers=w.headers["UA"]), 200) == {"public": {"issued": 3, "used": 2}}
    # the ballot's audit event names nobody
    events = await ok(await client.get("/api/v1/audit", headers=w.headers["P"], params={"limit": 50}), 200)
    cast = [e for e in events["items"] if e["route"] == BY_CODE and e["status"] == 201]
    assert len(cast) >= 2 and all(e["actor_id"] == "anonymous" for e in cast)
    # the round closes, and the public's marks count like any group's
    await ok(await client.put(f"/api/v1/scoring/rounds/{w.round}/ratings", headers=w.headers["a2"],
                              json={"ratings": [{"person_id": w.person["a1"], "mark": 70}]}), 200)
    await ok(await client.post(f"/api/v1/scoring/rounds/{w.round}/close", headers=w.headers["UA"]), 200)
    base = f"/api/v1/scoring/schemes/{w.scheme}/periods/{Q}"
    await ok(await client.put(f"{base}/marks", headers=w.headers["UA"], json={"marks": [
        {"person_id": w.person["a1"], "indicator": "ji", "mark": 80}]}), 200)
    await ok(await client.post(f"{base}/close", headers=w.headers["UA"]))
    detail = (await ok(await client.get(f"{base}/people/{w.person['a1']}/explanation", headers=w.headers["UA"]),
                       200))["detail"]
    groups = {g["group"]: (g["raters"], g["mean"]) for g in detail["evaluation"]["groups"]}
    assert groups == {"staff": (1, "70"), "public": (2, "95")} and detail["total"] == "81.25"
    late = await client.post(BY_CODE, json=ballot(codes[2], w.person["a1"], 100))
    assert late.status_code == 409 and late.json()["code"] == "round_closed"


async def test_the_public_route_is_limited_per_client_address(gateway_app: FastAPI, client: httpx.AsyncClient,
                                                              w: Codes) -> None:
    kept = gateway_app.state.rate_limits
    gateway_app.state.rate_limits = RateLimits("100000/minute", "2/minute")
    try:
        statuses = [(await client.post(BY_CODE, json=ballot(f"NONE-{n:04d}-ZZZZ", w.person["a1"], 1))).status_code
                    for n in range(3)]
    finally:
        gateway_app.state.rate_limits = kept
    assert statuses == [404, 404, 429]


async def test_the_document_asks_no_credentials_for_a_codes_ballot_only(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert document["paths"][BY_CODE]["post"]["security"] == []
    assert "security" not in document["paths"]["/api/v1/scoring/rounds/{round_id}/codes"]["post"]
