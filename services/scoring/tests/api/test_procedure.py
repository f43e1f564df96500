"""A period run through its scheme's procedure on the real stack: stages opened and closed in turn,
the publicity (公示) window counted in working days around the 2026 Spring Festival (Saturday
2026-02-14 is a make-up working day, 02-15 to 02-23 are off), objections taken in that window
only, an upheld objection making a new draft, and the final stage publishing it.

"Today" is the procedure's clock dependency, overridden per step: the walk spans weeks of dates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import caller_headers, raters_of, unit_with_people

Q = "2025Q4"
DEFINITION: dict[str, Any] = {
    "indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
    "raters": {"share": "0.2", "groups": {"leadership": "1"}},
    "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
    "thresholds": [{"grade": "poor", "below": "75"}],
    "missing_inputs": "zero",
    "open_ballots": True,
    "procedure": "national",
}


async def a_period(client: httpx.AsyncClient, records: httpx.AsyncClient,
                   definition: dict[str, Any] | None = None) -> dict[str, Any]:
    """Five people marked A 95, B 90, C 85, D 80, E 60; a round of two county leaders."""
    county = await unit_with_people(records, "ABCDE")
    p = county["people"]
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "夏村镇机关",
        "definition": definition or DEFINITION})
    assert response.status_code == 201, response.text
    scheme = response.json()["id"]
    base = f"/api/v1/scoring/schemes/{scheme}/periods/{Q}"
    marks = {"A": 95, "B": 90, "C": 85, "D": 80, "E": 60}
    assert (await client.put(f"{base}/marks", json={"marks": [
        {"person_id": p[k], "indicator": "ji", "mark": m} for k, m in marks.items()]})).status_code == 200
    raters = await raters_of(records, county["region"], 2)
    response = await client.post(f"{base}/rounds", json={"raters": [{"rater_id": r, "group": "leadership"}
                                                                    for r in raters]})
    assert response.status_code == 201, response.text
    return {"county": county, "p": p, "scheme": scheme, "base": base, "raters": raters,
            "round": response.json()["id"], "proc": f"{base}/procedure"}


async def rate(client: httpx.AsyncClient, period: dict[str, Any], rater: str) -> None:
    response = await client.put(f"/api/v1/scoring/rounds/{period['round']}/ratings", json={
        "rater_id": rater, "on_behalf": True,
        "ratings": [{"person_id": pid, "mark": 80} for pid in period["p"].values()]})
    assert response.status_code == 200, response.text


async def advance(client: httpx.AsyncClient, period: dict[str, Any], status: int = 200,
                  code: str | None = None) -> dict[str, Any]:
    response = await client.post(f"{period['proc']}/advance")
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body


def grades(publicity: dict[str, Any]) -> dict[str, str]:
    return {row["name"]: row["grade"] for row in publicity["items"]}


async def test_a_period_walks_through_the_national_procedure(
        client: httpx.AsyncClient, records: httpx.AsyncClient, today_is: Callable[[str], None]) -> None:
    w = await a_period(client, records)
    p, proc = w["p"], w["proc"]
    admin = dict(client.headers)
    before = (await client.get(proc)).json()
    assert (before["started"], before["current"]) == (False, None)
    assert [s["code"] for s in before["stages"]] == ["self_report", "unit_review", "democratic_rating",
                                                      "leader_rating", "draft", "publicity", "final"]
    assert (await advance(client, w))["current"] == "self_report"  # the first move starts it
    today_is("2026-01-06")
    assert (await advance(client, w))["current"] == "unit_review"
    assert (await advance(client, w))["current"] == "democratic_rating"
    for rater in w["raters"]:
        await rate(client, w, rater)
    await advance(client, w, 409, "rating_round_open")  # no closing date: the round must be closed
    assert (await client.post(f"/api/v1/scoring/rounds/{w['round']}/close")).status_code == 200
    state = await advance(client, w)
    assert state["current"] == "leader_rating"
    rating = next(h for h in state["history"] if h["code"] == "democratic_rating")
    assert (rating["missing_ballots"], rating["closed_on"]) == (0, "2026-01-06")
    assert (await advance(client, w))["current"] == "draft"
    await advance(client, w, 409, "draft_missing")
    response = await client.post(f"{w['base']}/close")
    assert response.status_code == 201, response.text
    draft = response.json()
    published = await client.post(f"/api/v1/scoring/results/{draft['id']}/publish")
    assert published.status_code == 409 and published.json()["code"] == "run_by_procedure"

    # E objects before the publicity: refused
    client.headers.update(caller_headers(p["E"]))
    today_is("2026-02-10")
    objections = f"/api/v1/scoring/results/{draft['id']}/objections"
    early = await client.post(objections, json={"reason": "绩效分偏低，请复核"})
    assert early.status_code == 409 and early.json()["code"] == "objection_window_closed"
    assert (await client.get(f"{proc}/publicity")).json()["code"] == "not_in_publicity"

    # Thursday 02-12: the publicity opens; 5 working days from Friday 02-13: 13, 14 (make-up Saturday),
    # then after the Spring Festival 24, 25, 26
    client.headers.update(admin)
    today_is("2026-02-12")
    state = await advance(client, w)
    assert state["current"] == "publicity" and state["draft_close_id"] == draft["id"]
    assert {k: state["window"][k] for k in ("opened_on", "starts_on", "ends_on", "working_days", "open")} == {
        "opened_on": "2026-02-12", "starts_on": "2026-02-13", "ends_on": "2026-02-26", "working_days": 5,
        "open": False}
    assert state["window"]["fallback_years"] == []

    # everyone in the unit reads the draft: names, unit, grade, nothing more
    client.headers.update(caller_headers(p["C"]))
    shown = (await client.get(f"{proc}/publicity")).json()
    # A 0.8×95 + 0.2×80 = 92, B 88, C 84, D 80, E 0.8×60 + 16 = 64 (below 75: poor); good for 2 of 5
    assert grades(shown) == {"A": "good", "B": "good", "C": "fairly_good", "D": "fairly_good", "E": "poor"}
    assert set(shown["items"][0]) == {"person_id", "name", "unit", "grade", "grade_label"}
    assert shown["items"][0]["unit"] == "夏村镇"
    chinese = {"good": "好", "fairly_good": "较好", "poor": "较差"}
    assert all(i["grade_label"]["zh-CN"] == chinese[i["grade"]] for i in shown["items"])
    assert "score" not in str(shown)

    today_is("2026-02-13")
    client.headers.update(admin)
    await advance(client, w, 409, "publicity_not_over")
    today_is("2026-02-24")
    client.headers.update(caller_headers(p["E"]))
    filed = await client.post(objections, json={"reason": "第四季度防汛任务漏记"})
    assert filed.status_code == 201, filed.text
    objection = filed.json()

    # Friday 02-27 is one working day after the window closed
    today_is("2026-02-27")
    client.headers.update(caller_headers(p["D"]))
    late = await client.post(objections, json={"reason": "等次偏低请复核"})
    assert late.status_code == 409, late.text
    assert late.json()["code"] == "objection_window_closed"
    assert late.json()["window"] == {"starts_on": "2026-02-13", "ends_on": "2026-02-26"}
    client.headers.update(admin)
    await advance(client, w, 409, "objections_pending")

    # upheld: E's mark was keyed wrong; a new draft version, unpublished, with E's grade changed
    assert (await client.put(f"{w['base']}/marks", json={"marks": [
        {"person_id": p["E"], "indicator": "ji", "mark": 80}]})).status_code == 200
    reviewed = await client.post(f"/api/v1/scoring/objections/{objection['id']}/review",
                                 json={"decision": "uphold", "reason": "防汛任务漏记属实，补记后重算"})
    assert reviewed.status_code == 200, reviewed.text
    client.headers.update(caller_headers(p["E"]))
    own = (await client.get(f"/api/v1/scoring/objections/{objection['id']}")).json()
    assert (own["status"], own["decision"]) == ("accepted", "upheld")
    assert own["decision_reason"] == "防汛任务漏记属实，补记后重算"
    assert own["reviewed_by"] == "user:province-admin" and own["reviewed_at"] is not None
    shown = (await client.get(f"{proc}/publicity")).json()
    assert shown["version"] == 2 and shown["close_id"] == own["new_close_id"]
    assert grades(shown) == {"A": "good", "B": "good", "C": "fairly_good", "D": "fairly_good", "E": "fairly_good"}
    client.headers.update(admin)
    versions = (await client.get(f"{w['base']}/versions")).json()["items"]
    assert [(v["version"], v["published_at"]) for v in versions] == [(1, None), (2, None)]

    # final: the latest draft is published
    state = await advance(client, w)
    assert (state["current"], state["finished"], state["final_close_id"]) == ("final", True, own["new_close_id"])
    versions = (await client.get(f"{w['base']}/versions")).json()["items"]
    assert [(v["version"], v["published_at"] is not None) for v in versions] == [(1, False), (2, True)]
    assert [(h["code"], h["opened_on"], h["closed_on"]) for h in state["history"]] == [
        ("self_report", "2026-01-05", "2026-01-06"), ("unit_review", "2026-01-06", "2026-01-06"),
        ("democratic_rating", "2026-01-06", "2026-01-06"), ("leader_rating", "2026-01-06", "2026-01-06"),
        ("draft", "2026-01-06", "2026-02-12"), ("publicity", "2026-02-12", "2026-02-27"),
        ("final", "2026-02-27", "2026-02-27")]
    done = await client.post(f"{proc}/back", json={"reason": "重新公示"})
    assert done.status_code == 409 and done.json()["code"] == "procedure_finished"
    await advance(client, w, 409, "procedure_finished")
    client.headers.update(caller_headers(p["E"]))
    after = await client.post(f"/api/v1/scoring/results/{own['new_close_id']}/objections",
                              json={"reason": "再次提出异议"})
    assert after.status_code == 409 and after.json()["code"] == "objection_window_closed"


CUSTOM = [
    {"code": "rating", "name": "民主测评", "produces": "ballots", "working_days": 2},
    {"code": "draft", "name": "拟定等次", "produces": "draft"},
    {"code": "publicity", "name": "公示", "produces": "publicity", "working_days": 5},
    {"code": "final", "name": "确定等次", "produces": "final", "actor": "region_admin"},
]


async def test_a_rating_stage_past_its_closing_date_closes_the_round_and_counts_the_missing_ballots(
        client: httpx.AsyncClient, records: httpx.AsyncClient, today_is: Callable[[str], None]) -> None:
    w = await a_period(client, records, {**DEFINITION, "procedure": CUSTOM})
    await rate(client, w, w["raters"][0])  # the second leader never rates: 5 ballots missing
    today_is("2026-02-12")  # opened Thursday: 2 working days are Friday 13 and the make-up Saturday 14
    state = await advance(client, w)
    assert state["stages"][0]["closes"] == "2026-02-14"
    today_is("2026-02-14")
    refused = await advance(client, w, 409, "rating_round_open")
    assert "2026-02-14" in refused["detail"]
    today_is("2026-02-15")
    state = await advance(client, w)
    assert state["current"] == "draft" and state["history"][0]["missing_ballots"] == 5
    round_ = (await client.get(f"/api/v1/scoring/rounds/{w['round']}")).json()
    assert round_["status"] == "closed"


async def test_moving_back_needs_a_reason_is_recorded_and_reopens_the_window(
        client: httpx.AsyncClient, records: httpx.AsyncClient, today_is: Callable[[str], None]) -> None:
    w = await a_period(client, records, {**DEFINITION, "procedure": CUSTOM})
    for rater in w["raters"]:
        await rate(client, w, rater)
    today_is("2026-02-02")
    refused = await client.post(f"{w['proc']}/back", json={"reason": "退回"})
    assert refused.status_code == 409 and refused.json()["code"] == "procedure_not_started"
    await advance(client, w)
    first = await client.post(f"{w['proc']}/back", json={"reason": "退回"})
    assert first.status_code == 409 and first.json()["code"] == "first_stage"
    assert (await client.post(f"/api/v1/scoring/rounds/{w['round']}/close")).status_code == 200
    await advance(client, w)
    assert (await client.post(f"{w['base']}/close")).status_code == 201
    state = await advance(client, w)
    assert (state["current"], state["window"]["ends_on"]) == ("publicity", "2026-02-09")
    no_reason = await client.post(f"{w['proc']}/back", json={})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "body.reason"
    today_is("2026-02-04")
    state = (await client.post(f"{w['proc']}/back", json={"reason": "公示名单有误，重新拟定"})).json()
    assert (state["current"], state["window"]) == ("draft", None)
    moved = [h for h in state["history"] if h["moved_back"]]
    assert [(h["code"], h["reason"], h["closed_on"]) for h in moved] == [("publicity", "公示名单有误，重新拟定",
                                                                          "2026-02-04")]
    state = await advance(client, w)  # again: a new window of 5 working days from 02-05
    assert (state["window"]["starts_on"], state["window"]["ends_on"]) == ("2026-02-05", "2026-02-11")


async def test_who_may_move_and_who_may_read(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                             today_is: Callable[[str], None]) -> None:
    w = await a_period(client, records, {**DEFINITION, "procedure": CUSTOM})
    p, unit = w["p"], w["county"]["unit"]
    admin = dict(client.headers)
    unit_admin = service_headers(Caller(subject="user:ua", roles=("unit_admin",), unit_ids=(unit,)))
    leader = service_headers(Caller(subject="user:leader", roles=("leader",), unit_ids=(unit,)))
    client.headers.update(leader)
    assert (await client.get(w["proc"])).status_code == 200
    assert (await client.post(f"{w['proc']}/advance")).status_code == 403
    client.headers.update(caller_headers(p["A"]))
    assert (await client.get(w["proc"])).status_code == 404
    assert (await client.get(f"{w['proc']}/publicity")).status_code == 404  # nothing of hers is drafted yet
    client.headers.update(unit_admin)
    for rater in w["raters"]:
        await rate(client, w, rater)
    today_is("2026-02-02")
    assert (await advance(client, w))["stages"][0]["may_act"] is True
    assert (await client.post(f"/api/v1/scoring/rounds/{w['round']}/close")).status_code == 200
    await advance(client, w)
    assert (await client.post(f"{w['base']}/close")).status_code == 201
    await advance(client, w)
    today_is("2026-02-10")
    state = (await client.get(w["proc"])).json()
    assert state["current"] == "publicity" and state["stages"][2]["may_act"] is True
    assert all(c["holds"] for c in state["stages"][2]["conditions"])
    # the unit's administrator leaves the publicity, which enters the final stage (whose actor is the region's)
    state = await advance(client, w)
    assert state["finished"] is True and state["stages"][3]["may_act"] is False
    client.headers.update(caller_headers(p["A"]))
    shown = await client.get(f"{w['proc']}/publicity")
    assert shown.status_code == 200 and len(shown.json()["items"]) == 5
    stranger = service_headers(Caller(subject="user:x", roles=("member",), person_id=w["raters"][0]))
    client.headers.update(stranger)
    assert (await client.get(f"{w['proc']}/publicity")).status_code == 404
    client.headers.update(admin)


async def test_a_scheme_without_a_procedure_has_none_to_run(client: httpx.AsyncClient,
                                                           records: httpx.AsyncClient) -> None:
    w = await a_period(client, records, {k: v for k, v in DEFINITION.items() if k != "procedure"})
    state = (await client.get(w["proc"])).json()
    assert (state["started"], state["stages"]) == (False, [])
    refused = await client.post(f"{w['proc']}/advance")
    assert refused.status_code == 409 and refused.json()["code"] == "no_procedure"


async def test_a_period_published_before_the_procedure_was_taken_up_stays_published_the_old_way(
        client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    """A scheme takes up its procedure with a new version after 2025Q4 was published: Q4's
    objections are still taken after its publication; the next period runs through the stages."""
    plain = {k: v for k, v in DEFINITION.items() if k != "procedure"}
    w = await a_period(client, records, plain)
    for rater in w["raters"]:
        await rate(client, w, rater)
    await client.post(f"/api/v1/scoring/rounds/{w['round']}/close")
    close = (await client.post(f"{w['base']}/close")).json()
    assert (await client.post(f"/api/v1/scoring/results/{close['id']}/publish")).status_code == 200
    taken_up = await client.post(f"/api/v1/scoring/schemes/{w['scheme']}/versions", json={"definition": DEFINITION})
    assert taken_up.status_code == 201, taken_up.text
    objected = await client.post(f"/api/v1/scoring/results/{close['id']}/objections",
                                 headers=caller_headers(w["p"]["E"]), json={"reason": "第四季度的分数有误"})
    assert objected.status_code == 201, objected.text
    assert (await client.get(w["proc"])).json()["started"] is False
    following = f"/api/v1/scoring/schemes/{w['scheme']}/periods/2026Q1"
    assert (await client.post(f"{following}/close")).status_code in (200, 201)
    latest = (await client.get(f"{following}/versions")).json()["items"][-1]
    refused = await client.post(f"/api/v1/scoring/results/{latest['id']}/publish")
    assert refused.status_code == 409 and refused.json()["code"] == "run_by_procedure"


@pytest.mark.parametrize(("procedure", "field"), [
    ([{"code": "draft", "name": "拟定", "produces": "draft"},
      {"code": "publicity", "name": "公示", "produces": "publicity", "working_days": 3},
      {"code": "final", "name": "确定", "produces": "final"}], "body.procedure.1.working_days"),
    ([{"code": "publicity", "name": "公示", "produces": "publicity", "working_days": 5},
      {"code": "final", "name": "确定", "produces": "final"}], "body.procedure.0.produces"),
    ([{"code": "final", "name": "确定", "produces": "final"},
      {"code": "draft", "name": "拟定", "produces": "draft"}], "body.procedure.0.produces"),
    ([{"code": "draft", "name": "拟定", "produces": "draft"}, {"code": "draft", "name": "确定", "produces": "final"}],
     "body.procedure.1.code"),
])
async def test_a_procedure_that_breaks_a_rule_is_refused_naming_the_setting(
        client: httpx.AsyncClient, records: httpx.AsyncClient, procedure: list[dict[str, Any]], field: str) -> None:
    county = await unit_with_people(records, "A")
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "机关",
        "definition": {**DEFINITION, "procedure": procedure}})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_the_calendar_and_its_overrides(client: httpx.AsyncClient) -> None:
    year = (await client.get("/api/v1/scoring/calendar/2026")).json()
    assert year["covered"] is True and year["fallback"] is False
    assert "2026-02-14" in [d["date"] for d in year["working_weekends"]]
    assert {"date": "2026-02-16", "workday": False, "source": "official", "note": ""} in year["days_off_on_weekdays"]
    later = (await client.get("/api/v1/scoring/calendar/2027")).json()
    assert (later["covered"], later["fallback"], later["workdays"]) == (False, True, 261)  # Monday to Friday
    days = [{"date": "2027-02-08", "workday": False, "note": "春节"}, {"date": "2027-02-06", "workday": True,
                                                                     "note": "调休上班"}]
    stored = await client.put("/api/v1/scoring/calendar/2027", json=days)
    assert stored.status_code == 200, stored.text
    body = stored.json()
    assert body["workdays"] == 261 and [d["source"] for d in body["overrides"]] == ["override", "override"]
    assert body["working_weekends"][0]["note"] == "调休上班"
    wrong = await client.put("/api/v1/scoring/calendar/2027", json=[{"date": "2028-01-03", "workday": False}])
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "body.0.date"
    client.headers.update(service_headers(Caller(subject="user:ra", roles=("region_admin",), region_ids=("r",))))
    assert (await client.put("/api/v1/scoring/calendar/2027", json=[])).status_code == 403
