"""Lists about people carry their names, not only ids: a version's changes and a comparison of two
versions, objections, the corrections of a period, bonus and deduction items and negative-list events,
the readiness's missing inputs, a rater's own marks and a round's corrections (one records call per
answer).

The quarter of ``test_names_and_mine``: unit 夏村镇, A 90, B 80, C 70, D 85 (D in 办公室), one
indicator of weight 1; A good, the rest average."""

from __future__ import annotations

import socket
from typing import Any

import httpx
from fastapi import FastAPI

from shared.http import ServiceClient

from .conftest import caller_headers
from .test_corrections import keyed
from .test_corrections import quarter as corrections_quarter
from .test_names_and_mine import quarter
from .test_quarter import xiacun_quarter


def named(row: dict[str, Any]) -> tuple[str | None, str | None, str | None, str | None]:
    """A row's name, the letter its staff number ends with, its unit and its section."""
    staff = None if row["staff_no"] is None else row["staff_no"].rpartition("-")[2]
    return row["name"], staff, row["unit_name"], row["section_name"]


async def test_a_version_and_a_comparison_name_whose_result_changed(client: httpx.AsyncClient,
                                                                   records: httpx.AsyncClient) -> None:
    w = await quarter(client, records)
    p = w["people"]
    # B 80 → 60; D 85 → 95 ranks first and takes the one good grade from A
    marks = [{"person_id": p["B"], "indicator": "ji", "mark": 60}, {"person_id": p["D"], "indicator": "ji", "mark": 95}]
    assert (await client.put(f"{w['base']}/marks", json={"marks": marks})).status_code == 200
    closed = await client.post(f"{w['base']}/close")
    assert closed.status_code == 201, closed.text
    expected = [(("A", "A", "夏村镇", None), ["90", "90"], ["good", "average"]),
                (("B", "B", "夏村镇", None), ["80", "60"], ["average", "average"]),
                (("D", "D", "夏村镇", "办公室"), ["85", "95"], ["average", "good"])]
    assert sorted((named(c), c["score"], c["grade"]) for c in closed.json()["changes"]) == expected
    compared = await client.get(f"/api/v1/scoring/results/{w['close']}/compare/{closed.json()['id']}")
    assert compared.status_code == 200, compared.text
    assert sorted((named(c), c["score"], c["grade"]) for c in compared.json()["changes"]) == expected
    assert {c["name"]: c["person_id"] for c in compared.json()["changes"]} == {k: p[k] for k in "ABD"}


async def test_objections_name_the_person_they_are_about(client: httpx.AsyncClient,
                                                          records: httpx.AsyncClient) -> None:
    w = await quarter(client, records)
    assert (await client.post(f"/api/v1/scoring/results/{w['close']}/publish")).status_code == 200
    as_b = caller_headers(w["people"]["B"])
    filed = await client.post(f"/api/v1/scoring/results/{w['close']}/objections", headers=as_b,
                              json={"reason": "任务量漏记一项"})
    assert filed.status_code == 201, filed.text
    assert named(filed.json()) == ("B", "B", "夏村镇", None)
    listed = await client.get("/api/v1/scoring/objections", params={"scheme_id": w["scheme"]})
    assert [(named(o), o["person_id"], o["status"]) for o in listed.json()["items"]] == [
        (("B", "B", "夏村镇", None), w["people"]["B"], "pending")]
    own = (await client.get(f"/api/v1/scoring/objections/{filed.json()['id']}", headers=as_b)).json()
    assert named(own) == ("B", "B", "夏村镇", None)
    reviewed = await client.post(f"/api/v1/scoring/objections/{filed.json()['id']}/review",
                                 json={"decision": "reject", "reason": "任务已计入"})
    assert reviewed.status_code == 200, reviewed.text
    assert (named(reviewed.json()), reviewed.json()["status"]) == (("B", "B", "夏村镇", None), "rejected")


async def test_corrections_and_readiness_name_the_person(client: httpx.AsyncClient,
                                                         records: httpx.AsyncClient) -> None:
    w = await quarter(client, records)
    d = w["people"]["D"]
    voided = await client.post(f"{w['base']}/marks/{d}/ji/void", json={"reason": "录入有误"})
    assert voided.status_code == 200, voided.text
    assert named(voided.json()) == ("D", "D", "夏村镇", "办公室")
    page = (await client.get(f"{w['base']}/changes")).json()
    assert [(named(c), c["kind"], c["action"], c["person_id"]) for c in page["items"]] == [
        (("D", "D", "夏村镇", "办公室"), "mark", "void", d)]
    ready = (await client.get(f"{w['base']}/readiness")).json()
    missing = [(named(m), m["person_id"], [i["indicator"] for i in m["indicators"]])
               for u in ready["units"] for m in u["missing"]]
    assert missing == [(("D", "D", "夏村镇", "办公室"), d, ["ji"])]


async def test_a_rater_sees_the_names_of_those_they_rated(client: httpx.AsyncClient,
                                                           records: httpx.AsyncClient) -> None:
    q = await xiacun_quarter(client, records)
    p = q["county"]["people"]
    client.headers.update(caller_headers(p["C"]))  # C rates A and B in the staff group
    response = await client.put(f"/api/v1/scoring/rounds/{q['round']}/ratings",
                                json={"ratings": [{"person_id": p["A"], "mark": 95},
                                                  {"person_id": p["B"], "mark": 75}]})
    assert response.status_code == 200, response.text
    mine = (await client.get(f"/api/v1/scoring/rounds/{q['round']}/ratings/mine")).json()["items"]
    assert sorted((named(r), r["mark"]) for r in mine) == [(("A", "A", "夏村镇", None), "95.00"),
                                                          (("B", "B", "夏村镇", None), "75.00")]


async def test_a_rounds_history_names_the_raters_and_people_it_took_out(client: httpx.AsyncClient,
                                                                        records: httpx.AsyncClient) -> None:
    q = await xiacun_quarter(client, records)
    url, leader = f"/api/v1/scoring/rounds/{q['round']}", q["raters"][0]["rater_id"]
    removed = await client.delete(f"{url}/raters/{leader}", params={"reason": "调离"})
    assert removed.status_code == 200, removed.text
    gone = await client.delete(f"{url}/people/{q['county']['people']['E']}", params={"reason": "借调"})
    assert gone.status_code == 200, gone.text
    history = (await client.get(f"{url}/history")).json()["items"]
    assert [(h["what"], [(p["person_id"], p["name"], p["unit_name"]) for p in h["people"]]) for h in history] == [
        ("rater_removed", [(leader, "领导0", "县领导")]),
        ("person_removed", [(q["county"]["people"]["E"], "E", "夏村镇")])]


async def test_items_and_events_name_the_person(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    q = await corrections_quarter(client, records)
    p = q["p"]
    added = await client.post(f"{q['base']}/adjustments", json=keyed(p["A"], "honour", "2"))
    assert added.status_code == 201, added.text
    assert named(added.json()) == ("A", "A", "夏村镇", None)
    event = await client.post(f"{q['base']}/negative-events",
                              json={"person_id": p["B"], "item": "late", "note": "迟到"})
    assert event.status_code == 201, event.text
    assert named(event.json()) == ("B", "B", "夏村镇", None)
    items = (await client.get(f"{q['base']}/adjustments")).json()["items"]
    assert [(named(i), i["person_id"], i["points"]) for i in items] == [(("A", "A", "夏村镇", None), p["A"], "2.00")]
    events = (await client.get(f"{q['base']}/negative-events")).json()["items"]
    assert [(named(e), e["person_id"], e["item"]) for e in events] == [(("B", "B", "夏村镇", None), p["B"], "late")]


async def test_with_records_down_the_rows_answer_without_names(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                               scoring_app: FastAPI) -> None:
    w = await quarter(client, records)
    assert (await client.post(f"/api/v1/scoring/results/{w['close']}/publish")).status_code == 200
    filed = await client.post(f"/api/v1/scoring/results/{w['close']}/objections",
                              headers=caller_headers(w["people"]["B"]), json={"reason": "任务量漏记一项"})
    assert filed.status_code == 201, filed.text
    voided = await client.post(f"{w['base']}/marks/{w['people']['D']}/ji/void", json={"reason": "录入有误"})
    assert voided.status_code == 200, voided.text
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    neighbours = scoring_app.state.neighbours
    alive = neighbours.records
    neighbours.records = ServiceClient(name="records", base_url=f"http://127.0.0.1:{closed}", tokens=alive.tokens)
    try:
        listed = await client.get("/api/v1/scoring/objections", params={"scheme_id": w["scheme"]})
        page = await client.get(f"{w['base']}/changes")
    finally:
        await neighbours.records.http.aclose()
        neighbours.records = alive
    assert listed.status_code == 200, listed.text
    assert [(o["person_id"], named(o)) for o in listed.json()["items"]] == [
        (w["people"]["B"], (None, None, None, None))]
    assert page.status_code == 200, page.text
    assert [(c["person_id"], c["action"], named(c)) for c in page.json()["items"]] == [
        (w["people"]["D"], "void", (None, None, None, None))]
