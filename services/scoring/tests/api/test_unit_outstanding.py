"""What a unit still has to do in scoring: the raters missing in each open round of the schemes covering
it (its evaluation group's too), named, and each scheme's procedure of the period."""

from __future__ import annotations

import httpx

from shared.service_auth import Caller
from shared.testing import ok, service_headers

from .conftest import raters_of, unit_with_people

DEFINITION = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
              "raters": {"share": "0.2", "groups": {"leadership": "1"}}, "missing_inputs": "zero"}


async def test_a_group_schemes_round_and_its_missing_raters(client: httpx.AsyncClient,
                                                             records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "ABC", group="乡镇")
    scheme = (await ok(await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "group": "乡镇", "name": "乡镇组", "definition": DEFINITION})))["id"]
    raters = await raters_of(records, county["region"], 2)
    round_id = (await ok(await client.post(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q4/rounds", json={
        "raters": [{"rater_id": r, "group": "leadership"} for r in raters]})))["id"]
    await ok(await client.put(f"/api/v1/scoring/rounds/{round_id}/ratings", json={
        "rater_id": raters[0], "on_behalf": True,
        "ratings": [{"person_id": p, "mark": 80} for p in list(county["people"].values())[:2]]}), 200)
    path = f"/api/v1/scoring/units/{county['unit']}/outstanding"
    leader = service_headers(Caller(subject="user:l", roles=("leader",), unit_ids=(county["unit"],)))
    body = await ok(await client.get(path, params={"period": "2025Q4"}, headers=leader), 200)
    [round_] = body["rounds"]
    assert (round_["round_id"], round_["scheme_name"], round_["period"], round_["codes_unused"]) == (
        round_id, "乡镇组", "2025Q4", 0)
    assert [(r["name"], r["unit_name"], r["done"], r["due"]) for r in round_["raters_missing"]] == sorted(
        [("领导0", "县领导", 2, 3), ("领导1", "县领导", 0, 3)], key=lambda r: raters[int(r[0][-1])])
    [procedure] = body["procedures"]
    assert (procedure["scheme_name"], procedure["period"], procedure["stages"], procedure["started"],
            procedure["current"], procedure["next"]) == ("乡镇组", "2025Q4", 0, False, None, None)


async def test_another_units_administrator_finds_no_unit(client: httpx.AsyncClient,
                                                         records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    other = await unit_with_people(records, "B")
    outsider = service_headers(Caller(subject="user:u", roles=("unit_admin",), unit_ids=(other["unit"],)))
    response = await client.get(f"/api/v1/scoring/units/{county['unit']}/outstanding", headers=outsider)
    assert (response.status_code, response.json()["code"]) == (404, "unit_not_found")
    bad = await client.get(f"/api/v1/scoring/units/{county['unit']}/outstanding", params={"period": "2025Q9"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "query.period")
