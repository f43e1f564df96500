"""Moves of the procedure recorded afterwards (a stage run on paper, a publicity on the notice board):
each takes effect on the day given, with a reason, and the history keeps both days; a publicity so
entered counts its window from that day, and objections keep to that window. And a rating stage
without a closing date of its own, moved on once its round's deadline has passed.

"Today" (the procedure's clock) is 2026-03-02 unless a step says otherwise; January 2026 is the
month the period was run on paper (New Year's days 01-01 to 01-03 off)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from scoring.clock import now
from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import caller_headers
from .test_procedure import CUSTOM, DEFINITION, a_period, rate

PAPER = "按纸质台账补录"


async def move(client: httpx.AsyncClient, period: dict[str, Any], status: int = 200, how: str = "advance",
               **body: Any) -> dict[str, Any]:
    response = await client.post(f"{period['proc']}/{how}", json=body)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def refused_field(answer: dict[str, Any]) -> list[str]:
    return [e["field"] for e in answer["errors"]]


async def test_a_publicity_recorded_afterwards_runs_from_its_day_and_may_be_over_at_once(
        client: httpx.AsyncClient, records: httpx.AsyncClient, today_is: Callable[[str], None]) -> None:
    w = await a_period(client, records, {**DEFINITION, "procedure": CUSTOM})
    today_is("2026-03-02")
    state = await move(client, w, on="2026-01-05", reason=PAPER)  # the rating started on Monday 01-05
    assert state["current"] == "rating" and state["stages"][0]["closes"] == "2026-01-07"  # 2 working days
    for rater in w["raters"]:
        await rate(client, w, rater)
    assert (await client.post(f"/api/v1/scoring/rounds/{w['round']}/close")).status_code == 200
    assert (await move(client, w, on="2026-01-07", reason=PAPER))["current"] == "draft"
    draft = await client.post(f"{w['base']}/close")
    assert draft.status_code == 201, draft.text

    # on the notice board from Friday 01-09: 5 working days from Monday 01-12, over on Friday 01-16
    state = await move(client, w, on="2026-01-09", reason="公示于单位政务公开栏张贴，事后补录")
    assert state["current"] == "publicity" and state["draft_close_id"] == draft.json()["id"]
    window = state["window"]
    assert (window["opened_on"], window["starts_on"], window["ends_on"], window["open"]) == (
        "2026-01-09", "2026-01-12", "2026-01-16", False)

    # the window is over: an objection today is refused with the window's dates
    late = await client.post(f"/api/v1/scoring/results/{draft.json()['id']}/objections",
                             headers=caller_headers(w["p"]["E"]), json={"reason": "等次偏低请复核"})
    assert late.status_code == 409 and late.json()["code"] == "objection_window_closed"
    assert late.json()["window"] == {"starts_on": "2026-01-12", "ends_on": "2026-01-16"}

    # the publicity is not left on a day of its window, even recorded afterwards
    inside = await move(client, w, 409, on="2026-01-16", reason=PAPER)
    assert inside["code"] == "publicity_not_over" and "as of 2026-01-16" in inside["detail"]
    state = await move(client, w, on="2026-01-19", reason="公示期满无异议，县委组织部确定等次")
    assert (state["current"], state["finished"], state["final_close_id"]) == ("final", True, draft.json()["id"])
    versions = (await client.get(f"{w['base']}/versions")).json()["items"]
    assert [v["published_at"] is not None for v in versions] == [True]

    shown = [(h["code"], h["opened_on"], h["opened_recorded_on"], h["closed_on"], h["closed_recorded_on"],
              h["late_reason"]) for h in state["history"]]
    assert shown == [
        ("rating", "2026-01-05", "2026-03-02", "2026-01-07", "2026-03-02", PAPER),
        ("draft", "2026-01-07", "2026-03-02", "2026-01-09", "2026-03-02", PAPER),
        ("publicity", "2026-01-09", "2026-03-02", "2026-01-19", "2026-03-02", "公示于单位政务公开栏张贴，事后补录"),
        ("final", "2026-01-19", "2026-03-02", "2026-01-19", "2026-03-02", "公示期满无异议，县委组织部确定等次")]
    assert {h["opened_by"] for h in state["history"]} == {"user:province-admin"}


async def test_a_day_in_the_future_before_the_previous_move_or_without_a_reason_is_refused(
        client: httpx.AsyncClient, records: httpx.AsyncClient, today_is: Callable[[str], None]) -> None:
    w = await a_period(client, records, {**DEFINITION, "procedure": "national"})
    today_is("2026-01-20")
    assert refused_field(await move(client, w, 422, on="2026-01-21", reason=PAPER)) == ["body.on"]
    assert refused_field(await move(client, w, 422, on="2026-01-05")) == ["body.reason"]
    assert refused_field(await move(client, w, 422, reason=PAPER)) == ["body.reason"]  # a reason goes with on
    assert (await client.get(w["proc"])).json()["started"] is False  # nothing written
    await move(client, w, on="2026-01-05", reason=PAPER)
    before = await move(client, w, 422, on="2026-01-02", reason=PAPER)
    assert refused_field(before) == ["body.on"] and "2026-01-05" in before["detail"]

    # who may record a move afterwards: whoever may make it (the current stage's actor or above)
    leader = service_headers(Caller(subject="user:leader", roles=("leader",), unit_ids=(w["county"]["unit"],)))
    response = await client.post(f"{w['proc']}/advance", headers=leader, json={"on": "2026-01-06", "reason": PAPER})
    assert response.status_code == 403
    unit_admin = service_headers(Caller(subject="user:ua", roles=("unit_admin",), unit_ids=(w["county"]["unit"],)))
    response = await client.post(f"{w['proc']}/advance", headers=unit_admin,
                                 json={"on": "2026-01-06", "reason": PAPER})
    assert response.status_code == 200 and response.json()["current"] == "unit_review"

    # back: its reason always, the day not in the future nor before the move it undoes
    assert refused_field(await move(client, w, 422, "back", on="2026-01-21", reason="退回重报")) == ["body.on"]
    assert refused_field(await move(client, w, 422, "back", on="2026-01-05", reason="退回重报")) == ["body.on"]
    assert refused_field(await move(client, w, 422, "back", on="2026-01-08")) == ["body.reason"]
    state = await move(client, w, how="back", on="2026-01-08", reason="个人总结材料不全，退回重报")
    assert state["current"] == "self_report"
    assert [(h["code"], h["opened_on"], h["closed_on"], h["closed_recorded_on"], h["moved_back"], h["reason"],
             h["late_reason"]) for h in state["history"]] == [
        ("self_report", "2026-01-05", "2026-01-06", "2026-01-20", False, None, PAPER),
        ("unit_review", "2026-01-06", "2026-01-08", "2026-01-20", True, "个人总结材料不全，退回重报", PAPER),
        ("self_report", "2026-01-08", None, None, False, None, "个人总结材料不全，退回重报")]
    assert (await move(client, w))["history"][-1]["opened_on"] == "2026-01-20"  # today, not recorded afterwards


@pytest.fixture
def now_is(scoring_app: FastAPI) -> Iterator[Callable[[str], None]]:
    """The scoring service's clock (a round's deadline is compared with it)."""
    def set_now(text: str) -> None:
        at = datetime.fromisoformat(text)
        scoring_app.dependency_overrides[now] = lambda: at

    set_now("2026-02-10T09:00:00+08:00")
    yield set_now
    scoring_app.dependency_overrides.pop(now, None)


WITHOUT_DATES = [{"code": "rating", "name": "民主测评", "produces": "ballots"}, *CUSTOM[1:]]


async def test_a_rating_stage_without_a_closing_date_moves_on_once_its_rounds_deadline_has_passed(
        client: httpx.AsyncClient, records: httpx.AsyncClient, today_is: Callable[[str], None],
        now_is: Callable[[str], None]) -> None:
    w = await a_period(client, records, {**DEFINITION, "procedure": WITHOUT_DATES})
    rounds = f"/api/v1/scoring/rounds/{w['round']}"
    await rate(client, w, w["raters"][0])  # the second leader will never rate: 5 ballots missing
    today_is("2026-02-10")
    await move(client, w)
    waiting = await move(client, w, 409)
    assert waiting["code"] == "rating_round_open" and "deadline" in waiting["detail"]
    assert (await client.post(f"{rounds}/close")).status_code == 200
    stuck = await move(client, w, 409)
    assert stuck["code"] == "ballots_missing" and "5 ballot(s) missing" in stuck["detail"]

    # reopened and given a deadline: Thursday 02-12, 18:00 in China
    assert (await client.post(f"{rounds}/reopen", json={"reason": "测评人外出，设定截止时间"})).status_code == 200
    patched = await client.patch(rounds, json={"closes_at": "2026-02-12T18:00:00+08:00", "reason": "设定测评截止时间"})
    assert patched.status_code == 200, patched.text
    today_is("2026-02-12")
    before = await move(client, w, 409)
    assert before["code"] == "rating_round_open" and "2026-02-12" in before["detail"]
    today_is("2026-02-13")
    state = await move(client, w)
    assert state["current"] == "draft"
    assert (state["history"][0]["missing_ballots"], state["history"][0]["closed_on"]) == (5, "2026-02-13")
    assert (await client.get(rounds)).json()["status"] == "closed"
    ballot = await client.put(f"{rounds}/ratings", json={
        "rater_id": w["raters"][1], "on_behalf": True, "ratings": [{"person_id": w["p"]["A"], "mark": 80}]})
    assert ballot.status_code == 409  # closed: the missing ballots stay missing
