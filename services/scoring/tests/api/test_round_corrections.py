"""Correcting a rating round while it runs, and reopening it, against the real records service:
each correction with the history row it leaves, voided ballots kept apart and left out of the
close, ids checked with records, the deadline, and who may correct."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clock import now
from scoring.results.inputs import _rating_sums
from scoring.results.stored import driver as _driver
from shared.service_auth import Caller
from shared.testing import asgi_client, rolled_back, service_headers

from .conftest import PROVINCE, as_named, caller_headers, raters_of, staff_letters, unit_with_people

Q = "2025Q2"
ADMIN = "user:province-admin"


@pytest.fixture
async def with_session(scoring_app: FastAPI) -> AsyncIterator[tuple[httpx.AsyncClient, AsyncSession]]:
    async with rolled_back(scoring_app) as session, \
            asgi_client(scoring_app, headers=service_headers(PROVINCE)) as c:
        yield c, session


class Clock:
    """The service's clock, stood where a test needs it (the deadline is compared with it)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.at = datetime(2030, 1, 1, 9, tzinfo=UTC)

    def set(self, at: datetime) -> None:
        self.at = at
        self.app.dependency_overrides[now] = lambda: self.at


@pytest.fixture
def clock(scoring_app: FastAPI) -> Iterator[Clock]:
    fixed = Clock(scoring_app)
    fixed.set(fixed.at)
    try:
        yield fixed
    finally:
        scoring_app.dependency_overrides.pop(now, None)


def fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [e["field"] for e in response.json().get("errors") or []]


async def _setup(client: httpx.AsyncClient, records: httpx.AsyncClient, names: str, raters: int,
                 **round_body: Any) -> dict[str, Any]:
    county = await unit_with_people(records, names)
    staff = await raters_of(records, county["region"], raters)
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "夏村机关",
        "definition": {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
                       "raters": {"share": "0.5", "groups": {"staff": "1"}}, "open_ballots": True}})
    assert response.status_code == 201, response.text
    scheme_id = response.json()["id"]
    response = await client.post(f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}/rounds", json={
        "raters": [{"rater_id": r, "group": "staff"} for r in staff], **round_body})
    assert response.status_code == 201, response.text
    return {**county, "scheme": scheme_id, "raters": staff, "round": response.json()["id"],
            "base": f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}"}


async def _ballot(client: httpx.AsyncClient, round_id: str, rater: str, marks: dict[str, int]) -> httpx.Response:
    return await client.put(f"/api/v1/scoring/rounds/{round_id}/ratings", json={
        "rater_id": rater, "on_behalf": True, "ratings": [{"person_id": p, "mark": m} for p, m in marks.items()]})


async def _history(client: httpx.AsyncClient, round_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/scoring/rounds/{round_id}/history")
    assert response.status_code == 200, response.text
    rows = response.json()["items"]
    assert all(r["changed_at"] for r in rows) and [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    return [{k: r[k] for k in ("what", "reason", "old", "new", "changed_by")} for r in rows]


async def _close_period(client: httpx.AsyncClient, w: dict[str, Any]) -> dict[str, Any]:
    assert (await client.post(f"/api/v1/scoring/rounds/{w['round']}/close")).status_code == 200
    response = await client.post(f"{w['base']}/close")
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _explained(client: httpx.AsyncClient, base: str, person: str) -> tuple[dict[str, Any], str]:
    response = await client.get(f"{base}/people/{person}/explanation")
    assert response.status_code == 200, response.text
    detail = response.json()["detail"]
    return {g["group"]: g for g in detail["evaluation"]["groups"]}["staff"], detail["total"]


async def test_a_removed_raters_ballot_is_voided_kept_and_not_counted(
        with_session: tuple[httpx.AsyncClient, AsyncSession], records: httpx.AsyncClient) -> None:
    """A rated 90, 80, 70 by three staff raters; marked 80, ratings at 50%.
    Closed with all three: mean (90 + 80 + 70) / 3 = 80, total 0.5 × 80 + 0.5 × 80 = 80.
    The round reopened, the third rater removed: mean (90 + 80) / 2 = 85, total 0.5 × 80 + 0.5 × 85 = 82.5.
    B rated 80 and 60 (not by the second): 70, total 0.5 × 70 + 0.5 × 70 = 70; then 80 alone, 75."""
    client, session = with_session
    w = await _setup(client, records, "AB", 3)
    a, b = w["people"]["A"], w["people"]["B"]
    r1, r2, r3 = w["raters"]
    for rater, marks in ((r1, {a: 90, b: 80}), (r2, {a: 80}), (r3, {a: 70, b: 60})):
        assert (await _ballot(client, w["round"], rater, marks)).status_code == 200
    assert (await client.put(f"{w['base']}/marks", json={"marks": [
        {"person_id": a, "indicator": "ji", "mark": 80}, {"person_id": b, "indicator": "ji", "mark": 70}]})
            ).status_code == 200
    await _close_period(client, w)
    staff, total = await _explained(client, w["base"], a)
    assert (staff["raters"], staff["mean"], total) == (3, "80", "80")
    assert (await _explained(client, w["base"], b))[1] == "70"

    # an open round is not reopened; a closed one is corrected only once reopened
    url = f"/api/v1/scoring/rounds/{w['round']}"
    response = await client.delete(f"{url}/raters/{r3}", params={"reason": "调离本单位"})
    assert response.status_code == 409 and response.json()["code"] == "round_closed"
    closed_at = (await client.get(url)).json()["closed_at"]
    response = await client.post(f"{url}/reopen", json={"reason": "  "})
    assert response.status_code == 422 and fields(response) == ["body.reason"]
    response = await client.post(f"{url}/reopen", json={"reason": "第三名评价人已调离，其票作废"})
    assert response.status_code == 200 and response.json()["status"] == "open" and response.json()["closed_at"] is None
    assert (await client.post(f"{url}/reopen", json={"reason": "再开"})).status_code == 409

    response = await client.delete(f"{url}/raters/{r3}")
    assert response.status_code == 422 and fields(response) == ["query.reason"]
    response = await client.delete(f"{url}/raters/{r3}", params={"reason": "调离本单位"})
    assert response.status_code == 200, response.text
    assert response.json()["raters_by_group"] == {"staff": 2} and response.json()["ratings"] == 3
    again = await client.delete(f"{url}/raters/{r3}", params={"reason": "调离本单位"})
    assert again.status_code == 409 and again.json()["code"] == "round_changed"
    response = await client.delete(f"{url}/raters/{uuid.uuid4()}", params={"reason": "无此人"})
    assert response.status_code == 404 and response.json()["code"] == "not_in_round"
    # the removed rater no longer sees the round, nor rates in it
    assert (await client.get(url, headers=caller_headers(r3))).status_code == 404

    voided = (await session.execute(text(
        "SELECT person_id::text, rater_id::text, rater_group, mark::text, void_reason, voided_by "
        "FROM scoring.voided_ratings WHERE round_id = :r ORDER BY mark DESC"), {"r": w["round"]})).all()
    assert [tuple(v) for v in voided] == [(a, r3, "staff", "70.00", "调离本单位", ADMIN),
                                          (b, r3, "staff", "60.00", "调离本单位", ADMIN)]
    assert await session.scalar(text("SELECT count(*) FROM scoring.ratings WHERE round_id = :r AND rater_id = :x"),
                                {"r": w["round"], "x": r3}) == 0

    await _close_period(client, w)
    staff, total = await _explained(client, w["base"], a)
    assert (staff["raters"], staff["mean"], total) == (2, "85", "82.5")
    assert (await _explained(client, w["base"], b))[1] == "75"
    history = await _history(client, w["round"])
    assert datetime.fromisoformat(history[0]["old"]["closed_at"]) == datetime.fromisoformat(closed_at)
    assert history == [
        {"what": "reopened", "reason": "第三名评价人已调离，其票作废", "changed_by": ADMIN,
         "old": {"status": "closed", "closed_at": history[0]["old"]["closed_at"], "closes_at": None},
         "new": {"status": "open", "closes_at": None}},
        {"what": "rater_removed", "reason": "调离本单位", "changed_by": ADMIN,
         "old": {"rater_id": r3, "group": "staff", "ratings_voided": 2}, "new": None},
    ]


async def test_a_mistaken_rater_is_replaced_and_the_new_one_rates_afresh(
        with_session: tuple[httpx.AsyncClient, AsyncSession], records: httpx.AsyncClient) -> None:
    client, session = with_session
    w = await _setup(client, records, "A", 2)
    a = w["people"]["A"]
    r1, r2 = w["raters"]
    (new,) = await raters_of(records, w["region"], 1)
    other_region = (await unit_with_people(records, "Z"))["people"]["Z"]
    url = f"/api/v1/scoring/rounds/{w['round']}"
    assert (await _ballot(client, w["round"], r1, {a: 90})).status_code == 200
    for body, status, where in (({"rater_id": str(uuid.uuid4()), "reason": "错选"}, 422, ["body.rater_id"]),
                                ({"rater_id": other_region, "reason": "错选"}, 422, ["body.rater_id"]),
                                ({"rater_id": r1, "reason": "错选"}, 422, ["body.rater_id"]),
                                ({"rater_id": r2, "reason": "错选"}, 409, ["body.rater_id"]),
                                ({"rater_id": new}, 422, ["body.reason"])):
        response = await client.post(f"{url}/raters/{r1}/replace", json=body)
        assert (response.status_code, fields(response)) == (status, where), response.text
    response = await client.post(f"{url}/raters/{r1}/replace", json={"rater_id": new, "reason": "错选为评价人"})
    assert response.status_code == 200, response.text
    assert response.json()["raters_by_group"] == {"staff": 2} and response.json()["ratings"] == 0
    again = await client.post(f"{url}/raters/{r1}/replace", json={"rater_id": new, "reason": "错选为评价人"})
    assert again.status_code == 409
    assert (await _ballot(client, w["round"], r1, {a: 95})).status_code == 422  # no longer a rater
    assert (await _ballot(client, w["round"], new, {a: 60})).status_code == 200
    client.headers.update(caller_headers(new))
    mine = (await client.get(f"{url}/ratings/mine")).json()["items"]
    assert staff_letters(mine) == [as_named(a, "A", mark="60.00", dimensions=None)]
    client.headers.update(service_headers(PROVINCE))
    voided = (await session.execute(text("SELECT rater_id::text, mark::text, void_reason FROM scoring.voided_ratings "
                                         "WHERE round_id = :r"), {"r": w["round"]})).all()
    assert [tuple(v) for v in voided] == [(r1, "90.00", "错选为评价人")]
    assert await _history(client, w["round"]) == [
        {"what": "rater_replaced", "reason": "错选为评价人", "changed_by": ADMIN,
         "old": {"rater_id": r1, "group": "staff", "ratings_voided": 1}, "new": {"rater_id": new, "group": "staff"}}]


async def test_raters_and_rated_people_are_added_and_removed(client: httpx.AsyncClient,
                                                             records: httpx.AsyncClient) -> None:
    w = await _setup(client, records, "AB", 1)
    a, b = w["people"]["A"], w["people"]["B"]
    (r1,) = w["raters"]
    r2, r3 = await raters_of(records, w["region"], 2)
    other_region = (await unit_with_people(records, "Z"))["people"]["Z"]
    url = f"/api/v1/scoring/rounds/{w['round']}"
    assert (await _ballot(client, w["round"], r1, {a: 90, b: 70})).status_code == 200

    def raters(*pairs: tuple[str, str]) -> dict[str, Any]:
        return {"raters": [{"rater_id": r, "group": g} for r, g in pairs], "reason": "补充评价人"}

    for body, status, where in ((raters((r2, "staff"), (str(uuid.uuid4()), "staff")), 422, ["body.raters.1.rater_id"]),
                                (raters((other_region, "staff")), 422, ["body.raters.0.rater_id"]),
                                (raters((r2, "middle")), 422, ["body.raters.0.group"]),
                                (raters((r2, "staff"), (r2, "staff")), 422, ["body.raters.1.rater_id"]),
                                (raters((r2, "staff"), (r1, "staff")), 409, ["body.raters.1.rater_id"])):
        response = await client.post(f"{url}/raters", json=body)
        assert (response.status_code, fields(response)) == (status, where), response.text
    response = await client.post(f"{url}/raters", json=raters((r2, "staff"), (r3, "staff")))
    assert response.status_code == 200 and response.json()["raters_by_group"] == {"staff": 3}
    assert (await _ballot(client, w["round"], r2, {a: 80})).status_code == 200

    # B leaves the rated: the marks B was given are voided; B is rated again once added back
    response = await client.delete(f"{url}/people/{b}", params={"reason": "长期病假，不参加测评"})
    assert response.status_code == 200 and response.json()["people"] == 1 and response.json()["ratings"] == 2
    assert (await client.delete(f"{url}/people/{b}", params={"reason": "再删"})).status_code == 409
    assert (await client.delete(f"{url}/people/{r1}", params={"reason": "无此人"})).status_code == 404
    response = await _ballot(client, w["round"], r1, {b: 75})
    assert response.status_code == 422 and fields(response) == ["body.ratings.0.person_id"]
    for people, status, where in (([r2], 422, ["body.people.0"]),              # not one of the scheme's people
                                  ([b, other_region], 422, ["body.people.1"]),
                                  ([b, b], 422, ["body.people.1"]),
                                  ([b, a], 409, ["body.people.1"])):
        response = await client.post(f"{url}/people", json={"people": people, "reason": "病愈返岗"})
        assert (response.status_code, fields(response)) == (status, where), response.text
    response = await client.post(f"{url}/people", json={"people": [b], "reason": "病愈返岗"})
    assert response.status_code == 200 and response.json()["people"] == 2
    assert (await _ballot(client, w["round"], r1, {b: 75})).status_code == 200
    assert await _history(client, w["round"]) == [
        {"what": "rater_added", "reason": "补充评价人", "changed_by": ADMIN, "old": None,
         "new": {"rater_id": r2, "group": "staff"}},
        {"what": "rater_added", "reason": "补充评价人", "changed_by": ADMIN, "old": None,
         "new": {"rater_id": r3, "group": "staff"}},
        {"what": "person_removed", "reason": "长期病假，不参加测评", "changed_by": ADMIN,
         "old": {"person_id": b, "ratings_voided": 1}, "new": None},
        {"what": "person_added", "reason": "病愈返岗", "changed_by": ADMIN, "old": None, "new": {"person_id": b}},
    ]


async def test_an_unknown_rater_when_opening_is_a_422_naming_the_row(client: httpx.AsyncClient,
                                                                     records: httpx.AsyncClient) -> None:
    w = await _setup(client, records, "A", 1)
    response = await client.post(f"/api/v1/scoring/schemes/{w['scheme']}/periods/2025Q3/rounds", json={
        "raters": [{"rater_id": w["raters"][0], "group": "staff"}, {"rater_id": str(uuid.uuid4()), "group": "staff"}]})
    assert response.status_code == 422 and fields(response) == ["body.raters.1.rater_id"]


async def test_no_ballot_after_the_deadline_until_it_is_moved(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                              clock: Clock) -> None:
    deadline = datetime(2030, 1, 10, 18, tzinfo=UTC)
    county = await unit_with_people(records, "A")
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "限期",
        "definition": {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
                       "raters": {"share": "0.5", "groups": {"staff": "1"}}}})
    scheme_url = f"/api/v1/scoring/schemes/{response.json()['id']}/periods/{Q}/rounds"
    (rater,) = await raters_of(records, county["region"], 1)
    body = {"raters": [{"rater_id": rater, "group": "staff"}], "closes_at": "2029-12-31T00:00:00Z"}
    response = await client.post(scheme_url, json=body)
    assert response.status_code == 422 and fields(response) == ["body.closes_at"]  # already past
    response = await client.post(scheme_url, json={**body, "closes_at": "2030-01-10T18:00:00"})
    assert response.status_code == 422 and fields(response) == ["body.closes_at"]  # no time zone
    response = await client.post(scheme_url, json={**body, "closes_at": "2030-01-10T18:00:00+00:00"})
    assert response.status_code == 201 and response.json()["closes_at"] == "2030-01-10T18:00:00Z"
    round_id = response.json()["id"]
    a = county["people"]["A"]
    clock.set(deadline - timedelta(seconds=1))
    assert (await _ballot(client, round_id, rater, {a: 80})).status_code == 200
    clock.set(deadline)
    response = await _ballot(client, round_id, rater, {a: 85})
    assert response.status_code == 409 and response.json()["code"] == "round_deadline_passed"
    url = f"/api/v1/scoring/rounds/{round_id}"
    for past_or_beyond in ("2030-01-10T18:00:00Z", "9999-12-31T23:59:00-23:00"):
        response = await client.patch(url, json={"closes_at": past_or_beyond, "reason": "延期"})
        assert response.status_code == 422 and fields(response) == ["body.closes_at"]
    response = await client.patch(url, json={"closes_at": "2030-01-12T18:00:00+08:00",
                                             "reason": "部分评价人出差，延期两天"})
    assert response.status_code == 200 and response.json()["closes_at"] == "2030-01-12T10:00:00Z"
    assert (await _ballot(client, round_id, rater, {a: 85})).status_code == 200
    clock.set(datetime(2030, 1, 12, 10, tzinfo=UTC))
    assert (await _ballot(client, round_id, rater, {a: 86})).status_code == 409
    assert await _history(client, round_id) == [
        {"what": "deadline_moved", "reason": "部分评价人出差，延期两天", "changed_by": ADMIN,
         "old": {"closes_at": "2030-01-10T18:00:00+00:00"}, "new": {"closes_at": "2030-01-12T10:00:00+00:00"}}]


async def test_a_published_period_is_final(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    w = await _setup(client, records, "A", 1)
    a = w["people"]["A"]
    assert (await _ballot(client, w["round"], w["raters"][0], {a: 90})).status_code == 200
    assert (await client.put(f"{w['base']}/marks", json={"marks": [{"person_id": a, "indicator": "ji",
                                                                     "mark": 80}]})).status_code == 200
    close = await _close_period(client, w)
    assert (await client.post(f"/api/v1/scoring/results/{close['id']}/publish")).status_code == 200
    response = await client.post(f"/api/v1/scoring/rounds/{w['round']}/reopen", json={"reason": "补录"})
    assert response.status_code == 409 and response.json()["code"] == "period_published"
    assert await _history(client, w["round"]) == []


async def test_only_the_schemes_administrators_correct_a_round(client: httpx.AsyncClient,
                                                               records: httpx.AsyncClient) -> None:
    """Another region's administrator: 404 everywhere; a rater of the round: 403; the region's own
    administrator: through."""
    w = await _setup(client, records, "A", 2)
    r1, r2 = w["raters"]
    a = w["people"]["A"]
    url = f"/api/v1/scoring/rounds/{w['round']}"
    calls: list[tuple[str, str, dict[str, Any] | None, dict[str, str] | None]] = [
        ("PATCH", url, {"closes_at": "2099-01-01T00:00:00Z", "reason": "延期"}, None),
        ("POST", f"{url}/raters", {"raters": [{"rater_id": r2, "group": "staff"}], "reason": "补"}, None),
        ("POST", f"{url}/raters/{r2}/replace", {"rater_id": r1, "reason": "换"}, None),
        ("DELETE", f"{url}/raters/{r2}", None, {"reason": "删"}),
        ("POST", f"{url}/people", {"people": [a], "reason": "补"}, None),
        ("DELETE", f"{url}/people/{a}", None, {"reason": "删"}),
        ("POST", f"{url}/reopen", {"reason": "重开"}, None),
        ("GET", f"{url}/history", None, None),
    ]
    outsider = service_headers(Caller(subject="user:rb", roles=("region_admin",), region_ids=(str(uuid.uuid4()),)))
    for method, path, body, params in calls:
        for headers, status in ((outsider, 404), (caller_headers(r1), 403)):
            response = await client.request(method, path, json=body, params=params, headers=headers)
            assert response.status_code == status, (method, path, response.text)
    own = service_headers(Caller(subject="user:ra", roles=("region_admin",), region_ids=(w["region"],)))
    response = await client.delete(f"{url}/raters/{r2}", params={"reason": "调离"}, headers=own)
    assert response.status_code == 200
    assert [r["changed_by"] for r in await _history(client, w["round"])] == ["user:ra"]


# per rater: a mark for A (or none), and what befalls the rater: kept, removed, or replaced
ballots = st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 100)), st.sampled_from(("keep", "remove", "replace"))),
                   min_size=1, max_size=5)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=ballots)
async def test_a_close_sums_exactly_the_ballots_no_correction_voided(
        with_session: tuple[httpx.AsyncClient, AsyncSession], records: httpx.AsyncClient,
        plan: list[tuple[int | None, str]]) -> None:
    """Whatever raters are removed or replaced, the sums a close reads (on either path: a column
    pair per group, or per person and group) are those of the kept raters' marks, and every
    voided mark is in ``voided_ratings``."""
    client, session = with_session
    w = await _setup(client, records, "A", len(plan))
    a = w["people"]["A"]
    url = f"/api/v1/scoring/rounds/{w['round']}"
    fresh = await raters_of(records, w["region"], sum(fate == "replace" for _, fate in plan))
    for rater, (mark, _) in zip(w["raters"], plan, strict=True):
        if mark is not None:
            assert (await _ballot(client, w["round"], rater, {a: mark})).status_code == 200
    for rater, (_, fate) in zip(w["raters"], plan, strict=True):
        if fate == "remove":
            response = await client.delete(f"{url}/raters/{rater}", params={"reason": "作废"})
        elif fate == "replace":
            response = await client.post(f"{url}/raters/{rater}/replace", json={"rater_id": fresh.pop(),
                                                                               "reason": "作废"})
        else:
            continue
        assert response.status_code == 200, response.text
    kept = [mark for mark, fate in plan if mark is not None and fate == "keep"]
    voided = sorted(mark for mark, fate in plan if mark is not None and fate != "keep")
    driver = await _driver(session)
    for groups in (("staff",), ()):
        sums = await _rating_sums(driver, uuid.UUID(w["round"]), groups, 64)
        assert sums == ({a: {"staff": [sum(kept) * 100, len(kept)]}} if kept else {}), groups
    stored = await session.scalars(text("SELECT mark::int FROM scoring.voided_ratings WHERE round_id = :r "
                                        "ORDER BY mark"), {"r": w["round"]})
    assert list(stored) == voided
    history = await _history(client, w["round"])
    assert [r["what"] for r in history] == [f"rater_{'removed' if f == 'remove' else 'replaced'}"
                                            for _, f in plan if f != "keep"]
