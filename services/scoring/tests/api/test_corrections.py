"""Corrections of a period's inputs: a bonus or deduction item or a negative-list event voided or
amended with a reason, a mark changed or taken away; every correction kept in the period's
changes with its old and new values; a result version computed before a change shows as stale,
and closing again makes a new version that the comparison lists person by person."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import as_named, staff_letters, unit_with_people

Q = "2025Q2"
API = "/api/v1/scoring"

DEFINITION = {
    "indicators": [{"code": "de", "name": "德", "weight": "0.3"}, {"code": "ji", "name": "绩", "weight": "0.7"}],
    "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"},
                              "safety": {"name": "安全生产", "direction": "deduction", "max_points": "5"}},
                    "bonus_total": "4", "deduction_total": "10"},
    "negative_items": {"corruption": {"name": "违纪违法", "effect": "veto"},
                       "late": {"name": "迟到早退", "effect": "cap", "grade": "good"}},
    "grades": {"caps": [{"grade": "good", "max_share": "0.5"}], "default": "fairly_good"},
    "thresholds": [{"grade": "poor", "below": "60"}],
    "missing_inputs": "zero",
}


async def quarter(client: httpx.AsyncClient, records: httpx.AsyncClient) -> dict[str, Any]:
    """A's indicators 0.3×90 + 0.7×80 = 83, B's 70."""
    county = await unit_with_people(records, "AB")
    p = county["people"]
    response = await client.post(f"{API}/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "更正", "definition": DEFINITION})
    assert response.status_code == 201, response.text
    scheme = response.json()["id"]
    base = f"{API}/schemes/{scheme}/periods/{Q}"
    response = await client.put(f"{base}/marks", json={"marks": [
        {"person_id": p[k], "indicator": code, "mark": mark}
        for k, marks in (("A", (90, 80)), ("B", (70, 70))) for code, mark in zip(("de", "ji"), marks, strict=True)]})
    assert response.status_code == 200, response.text
    return {"county": county, "p": p, "scheme": scheme, "base": base}


def keyed(person: str, item: str, points: str) -> dict[str, str]:
    return {"person_id": person, "item": item, "points": points, "evidence": "文件", "approved_by": "局党组"}


async def scores(client: httpx.AsyncClient, base: str) -> tuple[dict[str, tuple[str, str]], dict[str, Any]]:
    page = (await client.get(f"{base}/results")).json()
    return {r["person_id"]: (r["score"], r["grade"]) for r in page["items"]}, page["close"]


async def test_a_voided_item_leaves_the_close_and_the_new_version_differs_by_its_points(
        client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    q = await quarter(client, records)
    a, b, base = q["p"]["A"], q["p"]["B"], q["base"]
    safety = (await client.post(f"{base}/adjustments", json=keyed(a, "safety", "2"))).json()
    assert (await client.post(f"{base}/adjustments", json=keyed(b, "honour", "1"))).status_code == 201
    first = await client.post(f"{base}/close")
    assert first.status_code == 201 and first.json()["stale"] is False
    assert (await client.post(f"{API}/results/{first.json()['id']}/publish")).status_code == 200
    found, close = await scores(client, base)
    # By hand: A 83 - 2 = 81 (good: one of two may be); B 70 + 1 = 71.
    assert found == {a: ("81", "good"), b: ("71", "fairly_good")} and close["stale"] is False

    response = await client.post(f"{API}/adjustments/{safety['id']}/void", json={"reason": "扣分对象录错"})
    assert response.status_code == 200, response.text  # allowed on a published period: it goes stale
    voided = response.json()
    assert voided["voided_by"] == "user:province-admin" and voided["void_reason"] == "扣分对象录错"
    assert voided["voided_at"] is not None and voided["points"] == "-2.00"
    assert [i["person_id"] for i in (await client.get(f"{base}/adjustments")).json()["items"]] == [b]
    listed = (await client.get(f"{base}/adjustments", params={"include_voided": "true"})).json()["items"]
    assert sorted((i["person_id"], i["voided_at"] is not None) for i in listed) == sorted([(a, True), (b, False)])

    versions = (await client.get(f"{base}/versions")).json()["items"]
    assert [(v["version"], v["stale"], v["changed_since"]) for v in versions] == [(1, True, 1)]
    assert versions[0]["inputs_changed_at"] is not None
    found, close = await scores(client, base)
    assert found[a] == ("81", "good") and close["stale"] is True  # the published version stays as it was

    second = await client.post(f"{base}/close")
    assert second.status_code == 201, second.text
    assert (second.json()["version"], second.json()["stale"], second.json()["changed_since"]) == (2, False, 0)
    assert staff_letters(second.json()["changes"]) == [as_named(a, "A", score=["81", "83"], grade=["good", "good"])]
    compare = (await client.get(f"{API}/results/{first.json()['id']}/compare/{second.json()['id']}")).json()
    assert staff_letters(compare["changes"]) == [as_named(a, "A", score=["81", "83"], grade=["good", "good"])]
    assert compare["stale"] is False
    found, _ = await scores(client, base)
    assert found[a] == ("83", "good")  # exactly the 2 voided points back
    assert [(v["version"], v["stale"]) for v in (await client.get(f"{base}/versions")).json()["items"]] == [(1, True),
                                                                                                   (2, False)]

    again = await client.post(f"{API}/adjustments/{safety['id']}/void", json={"reason": "再撤销"})
    assert again.status_code == 409 and again.json()["code"] == "already_voided"
    amend = await client.patch(f"{API}/adjustments/{safety['id']}", json={"points": "1", "reason": "改"})
    assert amend.status_code == 409
    changes = (await client.get(f"{base}/changes")).json()
    assert changes["total"] == 3
    assert [(c["kind"], c["action"], c["person_id"]) for c in changes["items"]] == [
        ("adjustment", "add", a), ("adjustment", "add", b), ("adjustment", "void", a)]
    void = changes["items"][2]
    assert (void["object_id"], void["reason"], void["new"]) == (safety["id"], "扣分对象录错", None)
    assert void["old"] == {"item": "safety", "points": "-2.00", "evidence": "文件", "approved_by": "局党组"}
    after_first = (await client.get(f"{base}/changes", params={"close_id": first.json()["id"]})).json()
    assert [c["id"] for c in after_first["items"]] == [void["id"]]
    page = (await client.get((await client.get(f"{base}/changes", params={"limit": 1})).json()["next"])).json()
    assert (page["total"], len(page["items"]), page["items"][0]["person_id"]) == (3, 1, b)


async def test_a_void_needs_a_reason(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    q = await quarter(client, records)
    row = (await client.post(f"{q['base']}/adjustments", json=keyed(q["p"]["A"], "honour", "1"))).json()
    for body in ({}, {"reason": ""}):
        response = await client.post(f"{API}/adjustments/{row['id']}/void", json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.reason"
    event = (await client.post(f"{q['base']}/negative-events", json={"person_id": q["p"]["A"], "item": "late",
                                                                      "note": "迟到"})).json()
    response = await client.post(f"{API}/negative-events/{event['id']}/void", json={})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.reason"
    response = await client.patch(f"{API}/negative-events/{event['id']}", json={"note": "改"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.reason"
    assert len((await client.get(f"{q['base']}/adjustments")).json()["items"]) == 1  # nothing voided
    assert (await client.get(f"{q['base']}/changes")).json()["total"] == 2  # the two additions only


async def test_amending_a_veto_to_a_cap_changes_the_grade(client: httpx.AsyncClient,
                                                         records: httpx.AsyncClient) -> None:
    q = await quarter(client, records)
    b, base = q["p"]["B"], q["base"]
    event = (await client.post(f"{base}/negative-events", json={"person_id": b, "item": "corruption",
                                                                 "note": "立案"})).json()
    assert (await client.post(f"{base}/close")).status_code == 201
    found, _ = await scores(client, base)
    assert found[b] == ("70", "poor")  # vetoed: the lowest grade
    response = await client.patch(f"{API}/negative-events/{event['id']}", json={"item": "nothing", "reason": "x"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.item"
    response = await client.patch(f"{API}/negative-events/{event['id']}",
                                  json={"item": "late", "reason": "经核实为迟到，非违纪"})
    assert response.status_code == 200, response.text
    assert (response.json()["item"], response.json()["note"]) == ("late", "立案")
    second = await client.post(f"{base}/close")
    assert second.status_code == 201
    # No better than good: B keeps the default grade, fairly good
    assert staff_letters(second.json()["changes"]) == [
        as_named(b, "B", score=["70", "70"], grade=["poor", "fairly_good"])]
    change = (await client.get(f"{base}/changes", params={"kind": "negative_event"})).json()["items"][-1]
    assert (change["action"], change["old"], change["new"], change["reason"]) == (
        "amend", {"item": "corruption", "note": "立案"}, {"item": "late", "note": "立案"}, "经核实为迟到，非违纪")
    response = await client.post(f"{API}/negative-events/{event['id']}/void", json={"reason": "不属实"})
    assert response.status_code == 200
    assert (await client.get(f"{base}/negative-events")).json()["items"] == []
    assert len((await client.get(f"{base}/negative-events", params={"include_voided": True})).json()["items"]) == 1


async def test_amending_an_item_is_checked_like_a_new_one(client: httpx.AsyncClient,
                                                          records: httpx.AsyncClient) -> None:
    q = await quarter(client, records)
    a, base = q["p"]["A"], q["base"]
    row = (await client.post(f"{base}/adjustments", json=keyed(a, "honour", "3"))).json()
    response = await client.patch(f"{API}/adjustments/{row['id']}", json={"points": "4", "reason": "多加"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.points"  # item cap 3
    response = await client.patch(f"{API}/adjustments/{row['id']}", json={"points": "3", "reason": "同"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body"  # nothing changes
    response = await client.patch(f"{API}/adjustments/{row['id']}", json={"item": "safety", "reason": "方向录反"})
    assert response.status_code == 200, response.text
    assert (response.json()["item"], response.json()["points"]) == ("safety", "-3.00")
    assert (await client.post(f"{base}/close")).status_code == 201
    found, _ = await scores(client, base)
    assert found[a] == ("80", "good")  # 83 - 3
    change = (await client.get(f"{base}/changes")).json()["items"][-1]
    assert (change["old"]["points"], change["new"]["points"], change["new"]["item"]) == ("3.00", "-3.00", "safety")


async def test_a_changed_mark_keeps_its_old_value(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    q = await quarter(client, records)
    a, base = q["p"]["A"], q["base"]
    first = (await client.post(f"{base}/close")).json()
    response = await client.put(f"{base}/marks", json={"marks": [
        {"person_id": a, "indicator": "de", "mark": 90}, {"person_id": a, "indicator": "ji", "mark": 100}],
        "reason": "绩效分录入错误"})
    assert response.status_code == 200
    changes = (await client.get(f"{base}/changes", params={"kind": "mark"})).json()
    assert changes["total"] == 1  # the same mark again is no change
    change = changes["items"][0]
    assert (change["action"], change["person_id"], change["reason"], change["changed_by"]) == (
        "amend", a, "绩效分录入错误", "user:province-admin")
    assert change["old"] == {"indicator": "ji", "mark": "80.00", "marked_by": "user:province-admin"}
    assert change["new"] == {"indicator": "ji", "mark": "100"}
    assert (await client.get(f"{base}/versions")).json()["items"][0]["stale"] is True
    second = (await client.post(f"{base}/close")).json()
    # A: 0.3×90 + 0.7×100 = 97
    assert staff_letters(second["changes"]) == [as_named(a, "A", score=["83", "97"], grade=["good", "good"])]
    assert first["version"] == 1 and second["stale"] is False

    response = await client.post(f"{base}/marks/{a}/ji/void", json={"reason": "该项不适用"})
    assert response.status_code == 200, response.text
    assert (response.json()["action"], response.json()["old"]["mark"], response.json()["new"]) == ("void", "100.00",
                                                                                                    None)
    again = await client.post(f"{base}/marks/{a}/ji/void", json={"reason": "该项不适用"})
    assert again.status_code == 409 and again.json()["code"] == "already_voided"
    third = (await client.post(f"{base}/close")).json()
    # A without a ji mark, scored as zero (missing_inputs zero): 0.3×90 = 27 (below 60: poor); the one
    # good place goes to B (70)
    assert {c["person_id"]: (c["score"], c["grade"]) for c in third["changes"]} == {
        a: (["97", "27"], ["good", "poor"]), q["p"]["B"]: (["70", "70"], ["fairly_good", "good"])}
    never = await client.post(f"{base}/marks/{a}/ji/void", json={"reason": "x"}, headers=service_headers(
        Caller(subject="user:x", roles=("province_admin",))))
    assert never.status_code == 409  # taken away before: whoever asks again
    other = await quarter(client, records)
    response = await client.post(f"{other['base']}/marks/{a}/ji/void", json={"reason": "x"})
    assert response.status_code == 404 and response.json()["code"] == "mark_not_found"  # never marked there


async def test_writing_the_same_inputs_again_is_stale_until_closed_again(client: httpx.AsyncClient,
                                                                         records: httpx.AsyncClient) -> None:
    """Any write of the inputs makes the version stale; closing again finds them unchanged (200, the
    same version), which checks it afresh."""
    q = await quarter(client, records)
    base = q["base"]
    first = (await client.post(f"{base}/close")).json()
    marks = {"marks": [{"person_id": q["p"]["B"], "indicator": "de", "mark": 70}]}
    assert (await client.put(f"{base}/marks", json=marks)).status_code == 200
    versions = (await client.get(f"{base}/versions")).json()["items"]
    assert [(v["stale"], v["changed_since"]) for v in versions] == [(True, 0)]
    again = await client.post(f"{base}/close")
    assert again.status_code == 200 and again.json()["unchanged"] is True and again.json()["id"] == first["id"]
    assert again.json()["stale"] is False
    assert [v["stale"] for v in (await client.get(f"{base}/versions")).json()["items"]] == [False]


async def test_who_may_correct(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    q = await quarter(client, records)
    a, base = q["p"]["A"], q["base"]
    row = (await client.post(f"{base}/adjustments", json=keyed(a, "honour", "1"))).json()
    event = (await client.post(f"{base}/negative-events", json={"person_id": a, "item": "late",
                                                                 "note": "迟到"})).json()
    elsewhere = service_headers(Caller(subject="user:elsewhere", roles=("region_admin",),
                                       region_ids=(str(uuid.uuid4()),)))
    leader = service_headers(Caller(subject="user:leader", roles=("leader",), unit_ids=(q["county"]["unit"],)))
    reason = {"reason": "更正"}
    for headers, status in ((elsewhere, 404), (leader, 403)):
        assert (await client.post(f"{API}/adjustments/{row['id']}/void", json=reason,
                                  headers=headers)).status_code == status
        assert (await client.patch(f"{API}/adjustments/{row['id']}", json={"points": "2", **reason},
                                   headers=headers)).status_code == status
        assert (await client.post(f"{API}/negative-events/{event['id']}/void", json=reason,
                                  headers=headers)).status_code == status
        assert (await client.patch(f"{API}/negative-events/{event['id']}", json={"note": "改", **reason},
                                   headers=headers)).status_code == status
        assert (await client.post(f"{base}/marks/{a}/de/void", json=reason,
                                  headers=headers)).status_code == status
        assert (await client.get(f"{base}/changes", headers=headers)).status_code == status
    missing = await client.post(f"{API}/adjustments/{uuid.uuid4()}/void", json=reason)
    assert missing.status_code == 404 and missing.json()["code"] == "adjustment_not_found"
    # Another scheme's path does not reach this scheme's mark
    other = await quarter(client, records)
    response = await client.post(f"{other['base']}/marks/{a}/de/void", json=reason)
    assert response.status_code == 404 and response.json()["code"] == "mark_not_found"
    response = await client.get(f"{other['base']}/changes", params={"close_id": str(uuid.uuid4())})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "query.close_id"
    assert (await client.get(f"{base}/adjustments")).json()["items"][0]["voided_at"] is None  # nothing changed
    assert (await client.get(f"{base}/changes")).json()["total"] == 2


async def test_a_voided_item_no_longer_counts_under_its_cap(client: httpx.AsyncClient,
                                                            records: httpx.AsyncClient) -> None:
    q = await quarter(client, records)
    a, base = q["p"]["A"], q["base"]
    row = (await client.post(f"{base}/adjustments", json=keyed(a, "honour", "3"))).json()
    refused = await client.post(f"{base}/adjustments", json=keyed(a, "honour", "1"))
    assert refused.status_code == 422 and "cap of 3" in refused.json()["detail"]
    assert (await client.post(f"{API}/adjustments/{row['id']}/void", json={"reason": "重复录入"})).status_code == 200
    assert (await client.post(f"{base}/adjustments", json=keyed(a, "honour", "3"))).status_code == 201
    assert (await client.post(f"{base}/close")).status_code == 201
    found, _ = await scores(client, base)
    assert found[a] == ("86", "good")  # 83 + 3, the voided 3 not counted
