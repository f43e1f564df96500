"""A merged group (承办: an institution too small for a 好 or an 优秀 is evaluated with its
supervising department): the group's scheme names the department as its lead unit, and the
department's administrator runs it as their own unit's, against the real records service."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import approved, caller_headers
from .test_exports import open_results, table

Q = "2025Q2"
DEFINITION = {
    "indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
    "raters": {"share": "0.2", "groups": {"staff": "1"}},
    "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"}},
                    "bonus_total": "3", "deduction_total": "10"},
    "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"}},
}


def admin_of(unit_id: str) -> dict[str, str]:
    return service_headers(Caller(subject=f"user:admin-{unit_id[:8]}", roles=("unit_admin",), unit_ids=(unit_id,)))


def leader_of(unit_id: str) -> dict[str, str]:
    return service_headers(Caller(subject=f"user:leader-{unit_id[:8]}", roles=("leader",), unit_ids=(unit_id,)))


async def county(records: httpx.AsyncClient) -> dict[str, Any]:
    """Department D (people A, B) and its institution I (person C) in group G; township O in group H."""
    region = (await records.post("/api/v1/records/regions", json={"code": f"r{uuid.uuid4().hex[:8]}",
                                                                    "name": "承办县"})).json()["id"]
    units, people = {}, {}
    for code, kind, group, names in (("D", "department", "G", "AB"), ("I", "institution", "G", "C"),
                                     ("O", "township", "H", "E")):
        unit = (await records.post("/api/v1/records/units", json={
            "region_id": region, "code": code, "name": f"单位{code}", "kind": kind,
            "evaluation_group": group})).json()["id"]
        units[code] = unit
        for letter in names:
            response = await records.post("/api/v1/records/persons", json={
                "unit_id": unit, "staff_no": f"{region[:8]}-{letter}", "name": letter, "staff_category": "staff",
                "active_from": "2020-01-01"})
            assert response.status_code == 201, response.text
            people[letter] = response.json()["id"]
    return {"region": region, "units": units, "people": people}


async def test_the_lead_units_administrator_runs_the_groups_scheme(client: httpx.AsyncClient,
                                                                  records: httpx.AsyncClient) -> None:
    """By hand (one indicator 绩 at 100%, no round: the indicators stand for the whole):
    A 90 → 90, rank 1; C 85 + honour 2 = 87, rank 2; B 80 → 80, rank 3."""
    c = await county(records)
    d, i, o = c["units"]["D"], c["units"]["I"], c["units"]["O"]
    p = c["people"]
    created = await client.post("/api/v1/scoring/schemes", headers=admin_of(d), json={
        "region_id": c["region"], "group": "G", "lead_unit_id": d, "name": "部门及所属事业单位",
        "definition": DEFINITION})
    assert created.status_code == 201, created.text
    scheme = created.json()
    assert (scheme["unit_id"], scheme["group"], scheme["lead_unit_id"]) == (None, "G", d)
    sid = scheme["id"]
    base = f"/api/v1/scoring/schemes/{sid}/periods/{Q}"

    as_d = admin_of(d)
    marks = [{"person_id": p[k], "indicator": "ji", "mark": v} for k, v in (("A", 90), ("B", 80), ("C", 85))]
    response = await client.put(f"{base}/marks", headers=as_d, json={"marks": marks})
    assert response.status_code == 200 and response.json() == {"stored": 3}, response.text
    response = await client.post(f"{base}/adjustments", headers=as_d, json={
        "person_id": p["C"], "item": "honour", "points": "2", "evidence": "表彰文件", "approved_by": "党组"})
    assert response.status_code == 201, response.text
    assert [a["person_id"] for a in (await client.get(f"{base}/adjustments", headers=as_d)).json()["items"]] == [p["C"]]
    version = await client.post(f"/api/v1/scoring/schemes/{sid}/versions", headers=as_d,
                                json={"definition": DEFINITION})
    assert version.status_code == 201 and version.json()["version"] == 2
    await approved(client, sid, 2, as_d)  # by the region's organisation department
    close = await client.post(f"{base}/close", headers=as_d)
    assert close.status_code == 201, close.text
    close_id = close.json()["id"]
    assert (await client.post(f"/api/v1/scoring/results/{close_id}/publish", headers=as_d)).status_code == 200

    def rows(response: httpx.Response) -> dict[str, tuple[str, int]]:
        assert response.status_code == 200, response.text
        return {r["person_id"]: (r["score"], r["rank"]) for r in response.json()["items"]}

    everyone = {p["A"]: ("90", 1), p["C"]: ("87", 2), p["B"]: ("80", 3)}
    assert rows(await client.get(f"{base}/results", headers=as_d)) == everyone
    assert rows(await client.get(f"{base}/results", headers=leader_of(d))) == everyone
    explained = await client.get(f"{base}/people/{p['C']}/explanation", headers=as_d)
    assert explained.status_code == 200 and explained.json()["score"] == "87"
    sheet = open_results(await client.get(f"{base}/results.xlsx", headers=as_d))["考核结果"]
    assert [r[2] for r in table(sheet)] == ["A", "C", "B"]
    assert [r[3] for r in table(sheet)] == ["单位D", "单位I", "单位D"]  # the group's other unit by name too
    listed = await client.get("/api/v1/scoring/schemes", headers=as_d, params={"unit_id": d})
    assert [s["id"] for s in listed.json()["items"]] == [sid]  # D's schemes: those of the group it leads too
    assert (await client.get(f"{base}/versions", headers=as_d)).status_code == 200
    # D's leaders see it as a unit's leaders see their unit's scheme: not theirs to change
    assert (await client.post(f"{base}/close", headers=leader_of(d))).status_code == 403

    # C objects; D's administrator reviews it (as a unit's administrator reviews their unit's)
    objected = await client.post(f"/api/v1/scoring/results/{close_id}/objections", headers=caller_headers(p["C"]),
                                 json={"reason": "荣誉加分应为三分"})
    assert objected.status_code == 201, objected.text
    objection = objected.json()["id"]
    listed = (await client.get("/api/v1/scoring/objections", headers=as_d)).json()["items"]
    assert [o["id"] for o in listed] == [objection]
    # a round of the next quarter, opened and closed by D's administrator
    opened = await client.post(f"/api/v1/scoring/schemes/{sid}/periods/2025Q3/rounds", headers=as_d,
                               json={"raters": [{"rater_id": p["A"], "group": "staff"}]})
    assert opened.status_code == 201 and opened.json()["people"] == 3, opened.text
    round_id = opened.json()["id"]

    # I's administrator sees the scheme and I's rows only, and changes nothing
    as_i = admin_of(i)
    sheet = open_results(await client.get(f"{base}/results.xlsx", headers=as_i))["考核结果"]
    assert [(r[2], r[3]) for r in table(sheet)] == [("C", "单位I")]
    assert (await client.get(f"{base}/results", headers=leader_of(i))).json()["items"][0]["person_id"] == p["C"]
    assert (await client.get(f"{base}/versions", headers=as_i)).status_code == 403
    assert (await client.get(f"/api/v1/scoring/objections/{objection}", headers=as_i)).status_code == 404
    assert (await client.post(f"/api/v1/scoring/objections/{objection}/review", headers=as_i,
                              json={"decision": "reject", "reason": "加分按文件计"})).status_code == 404
    assert (await client.get("/api/v1/scoring/objections", headers=as_i)).json()["items"] == []
    assert (await client.get(f"/api/v1/scoring/rounds/{round_id}", headers=as_i)).status_code == 404
    assert (await client.post(f"/api/v1/scoring/rounds/{round_id}/close", headers=as_i)).status_code == 404
    assert (await client.get(f"/api/v1/scoring/schemes/{sid}", headers=as_i)).status_code == 200
    assert rows(await client.get(f"{base}/results", headers=as_i)) == {p["C"]: ("87", 2)}
    assert (await client.get(f"{base}/people/{p['A']}/explanation", headers=as_i)).status_code == 404
    assert (await client.get(f"{base}/people/{p['C']}/explanation", headers=as_i)).status_code == 200
    assert (await client.put(f"{base}/marks", headers=as_i, json={"marks": marks[:1]})).status_code == 403
    assert (await client.post(f"{base}/close", headers=as_i)).status_code == 403
    assert (await client.post(f"/api/v1/scoring/results/{close_id}/publish", headers=as_i)).status_code == 403
    assert (await client.post(f"/api/v1/scoring/schemes/{sid}/versions", headers=as_i,
                              json={"definition": DEFINITION})).status_code == 403
    assert sid in [s["id"] for s in (await client.get("/api/v1/scoring/schemes", headers=as_i)).json()["items"]]

    # another group's administrator: the scheme does not exist for them
    as_o = admin_of(o)
    assert (await client.get(f"/api/v1/scoring/schemes/{sid}", headers=as_o)).status_code == 404
    assert (await client.get(f"{base}/results", headers=as_o)).status_code == 404
    assert (await client.put(f"{base}/marks", headers=as_o, json={"marks": marks[:1]})).status_code == 404
    assert (await client.post(f"/api/v1/scoring/results/{close_id}/publish", headers=as_o)).status_code == 404
    assert sid not in [s["id"] for s in (await client.get("/api/v1/scoring/schemes", headers=as_o)).json()["items"]]

    reviewed = await client.post(f"/api/v1/scoring/objections/{objection}/review", headers=as_d,
                                 json={"decision": "reject", "reason": "加分按表彰文件计两分"})
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "rejected", reviewed.text
    closed = await client.post(f"/api/v1/scoring/rounds/{round_id}/close", headers=as_d)
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text


async def test_a_lead_unit_is_a_unit_of_the_group(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    c = await county(records)
    d, i, o = c["units"]["D"], c["units"]["I"], c["units"]["O"]

    async def create(headers: dict[str, str], **scope: Any) -> httpx.Response:
        return await client.post("/api/v1/scoring/schemes", headers=headers, json={
            "region_id": c["region"], "name": "合并考核", "definition": DEFINITION, **scope})

    def field_of(response: httpx.Response) -> str:
        assert response.status_code == 422, response.text
        return str(response.json()["errors"][0]["field"])

    # the region's administrator, a lead unit of another group (O is in H)
    assert field_of(await create({}, group="G", lead_unit_id=o)) == "body.lead_unit_id"
    assert field_of(await create({}, group="G", lead_unit_id=str(uuid.uuid4()))) == "body.lead_unit_id"
    assert field_of(await create({}, unit_id=d, lead_unit_id=d)) == "body.lead_unit_id"
    # a region records does not have: the reference is refused before the rules (weights not adding up here)
    nowhere = await client.post("/api/v1/scoring/schemes", json={
        "region_id": str(uuid.uuid4()), "group": "G", "name": "无处",
        "definition": {"indicators": [{"code": "x", "name": "x", "weight": "0.5"}]}})
    assert nowhere.status_code == 422 and nowhere.json()["code"] == "invalid_reference", nowhere.text
    assert field_of(nowhere) == "body.region_id"
    # D's administrator, for a group D is not in
    assert field_of(await create(admin_of(d), group="H", lead_unit_id=d)) == "body.lead_unit_id"
    # I's administrator may not make D's scheme; nor may anyone but the region's without a lead unit
    assert (await create(admin_of(i), group="G", lead_unit_id=d)).status_code == 404
    assert (await create(admin_of(d), group="G")).status_code == 404
    # the region's administrator names it (and the lead unit's administrator then manages it)
    made = await create({}, group="G", lead_unit_id=i)
    assert made.status_code == 201 and made.json()["lead_unit_id"] == i
    marks = {"marks": [{"person_id": c["people"]["C"], "indicator": "ji", "mark": 70}]}
    assert (await client.put(f"/api/v1/scoring/schemes/{made.json()['id']}/periods/{Q}/marks",
                             headers=admin_of(i), json=marks)).status_code == 200
    # a group scheme without a lead unit stays the region's: its units' administrators only read it
    plain = (await create({}, group="G")).json()
    assert plain["lead_unit_id"] is None
    assert (await client.put(f"/api/v1/scoring/schemes/{plain['id']}/periods/{Q}/marks",
                             headers=admin_of(d), json=marks)).status_code == 403
