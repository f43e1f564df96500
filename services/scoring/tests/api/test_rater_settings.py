"""Rating rounds under the rater settings, against the real records service: a trimmed group
(去掉一个最高分和一个最低分), marks per dimension (Binzhou's 强度/难度/数量/成效/措施), and an
outside group rating with one-time codes (服务对象, 群众)."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.results import round_sums
from scoring.results.inputs import _rating_sums
from scoring.results.round_sums import Sums, trimmed
from scoring.results.stored import driver as _driver
from shared.service_auth import Caller
from shared.testing import asgi_client, rolled_back, service_headers

from .conftest import PROVINCE, as_named, caller_headers, raters_of, staff_letters, unit_with_people

Q = "2025Q2"
INDICATORS = [{"code": "ji", "name": "绩", "weight": "1"}]
def public() -> dict[str, str]:
    """As the gateway sends a code's ballot: a service token minted now (it lives a minute, so never at import)."""
    return service_headers(Caller(subject="public", kind="public"))


async def _scheme(client: httpx.AsyncClient, county: dict[str, Any], raters: dict[str, Any]) -> str:
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "滨州机关",
        "definition": {"indicators": INDICATORS, "raters": raters, "open_ballots": True}})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _round(client: httpx.AsyncClient, scheme_id: str, raters: list[tuple[str, str]]) -> str:
    response = await client.post(f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}/rounds",
                                 json={"raters": [{"rater_id": r, "group": g} for r, g in raters]})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _ballot(client: httpx.AsyncClient, round_id: str, rater: str,
                  ratings: list[dict[str, Any]]) -> httpx.Response:
    return await client.put(f"/api/v1/scoring/rounds/{round_id}/ratings",
                            json={"rater_id": rater, "on_behalf": True, "ratings": ratings})


async def _close(client: httpx.AsyncClient, scheme_id: str, round_id: str, marks: dict[str, int]) -> str:
    base = f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}"
    assert (await client.put(f"{base}/marks", json={"marks": [
        {"person_id": p, "indicator": "ji", "mark": m} for p, m in marks.items()]})).status_code == 200
    assert (await client.post(f"/api/v1/scoring/rounds/{round_id}/close")).status_code == 200
    response = await client.post(f"{base}/close")
    assert response.status_code == 201, response.text
    return base


async def _explained(client: httpx.AsyncClient, base: str, person: str) -> dict[str, Any]:
    response = await client.get(f"{base}/people/{person}/explanation")
    assert response.status_code == 200, response.text
    return dict(response.json()["detail"])


def problem_fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [e["field"] for e in response.json().get("errors") or []]


async def test_a_trimmed_group_leaves_out_its_highest_and_lowest_mark(client: httpx.AsyncClient,
                                                                       records: httpx.AsyncClient) -> None:
    """A: staff 90, 85, 80, 70, 60 → without 90 and 60, (85 + 80 + 70) / 3 = 78.333…; the leader's 75
    stands (an untrimmed group); evaluation 0.5 × 78.333… + 0.5 × 75 = 76.666…; marked 80, at 50%:
    0.5 × 80 + 0.5 × 76.666… = 78.333…
    B: staff 90 and 60 only, fewer than three: nothing dropped, 75; leader 75 → 75; 0.5 × 70 + 0.5 × 75 = 72.5."""
    county = await unit_with_people(records, "AB")
    p = county["people"]
    staff = await raters_of(records, county["region"], 6)
    leader = staff.pop()
    scheme_id = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "0.5", "leadership": "0.5"},
                                               "trim": ["staff"]})
    round_id = await _round(client, scheme_id, [(r, "staff") for r in staff] + [(leader, "leadership")])
    for rater, marks in zip(staff, ({"A": 90, "B": 90}, {"A": 85}, {"A": 80}, {"A": 70}, {"A": 60, "B": 60}),
                            strict=True):
        response = await _ballot(client, round_id, rater, [{"person_id": p[k], "mark": m} for k, m in marks.items()])
        assert response.status_code == 200, response.text
    assert (await _ballot(client, round_id, leader, [{"person_id": p["A"], "mark": 75},
                                                     {"person_id": p["B"], "mark": 75}])).status_code == 200
    base = await _close(client, scheme_id, round_id, {p["A"]: 80, p["B"]: 70})
    a = await _explained(client, base, p["A"])
    staff_a = {g["group"]: g for g in a["evaluation"]["groups"]}["staff"]
    assert staff_a["raters"] == 3 and staff_a["mean"] == "78.333333"  # 235/3, shown to six places
    assert "2 marks dropped" in staff_a["trimmed"]
    assert "trimmed" not in {g["group"]: g for g in a["evaluation"]["groups"]}["leadership"]
    assert a["evaluation"]["score"] == "76.666667" and a["total"] == "78.333333"  # 230/3 and 235/3
    b = await _explained(client, base, p["B"])
    staff_b = {g["group"]: g for g in b["evaluation"]["groups"]}["staff"]
    assert staff_b["raters"] == 2 and staff_b["mean"] == "75" and "fewer than 3" in staff_b["trimmed"]
    assert b["total"] == "72.5"


BINZHOU = {"intensity": {"name": "强度", "weight": "0.3"}, "difficulty": {"name": "难度", "weight": "0.2"},
           "quantity": {"name": "数量", "weight": "0.2"}, "effect": {"name": "成效", "weight": "0.2"},
           "measures": {"name": "措施", "weight": "0.1"}}


def dims(*marks: float | str) -> dict[str, Any]:
    return dict(zip(BINZHOU, marks, strict=True))


async def test_marks_per_dimension_make_the_rating_their_weighted_sum(client: httpx.AsyncClient,
                                                                      records: httpx.AsyncClient) -> None:
    """Binzhou's five dimensions at 30/20/20/20/10%:
    rater 1: 0.3×90 + 0.2×80 + 0.2×70 + 0.2×85 + 0.1×60 = 27 + 16 + 14 + 17 + 6 = 80
    rater 2: 0.3×100 + 0.2×90 + 0.2×80 + 0.2×70 + 0.1×65 = 30 + 18 + 16 + 14 + 6.5 = 84.5
    the group's mean (80 + 84.5) / 2 = 82.25; marked 80, at 50%: 0.5 × 80 + 0.5 × 82.25 = 81.125."""
    county = await unit_with_people(records, "A")
    a = county["people"]["A"]
    one, two, three = await raters_of(records, county["region"], 3)
    scheme_id = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "1"}, "dimensions": BINZHOU})
    round_id = await _round(client, scheme_id, [(one, "staff"), (two, "staff"), (three, "staff")])
    # what a ballot must give: every dimension, none other, not a single mark
    response = await _ballot(client, round_id, one, [{"person_id": a, "dimensions": {**dims(90, 80, 70, 85, 60),
                                                                                     "speed": 80}}])
    assert response.status_code == 422 and problem_fields(response) == ["body.ratings.0.dimensions.speed"]
    partial = dims(90, 80, 70, 85, 60)
    del partial["measures"]
    response = await _ballot(client, round_id, one, [{"person_id": a, "dimensions": partial}])
    assert response.status_code == 422 and problem_fields(response) == ["body.ratings.0.dimensions.measures"]
    response = await _ballot(client, round_id, one, [{"person_id": a, "mark": 80}])
    assert response.status_code == 422 and problem_fields(response) == ["body.ratings.0.dimensions"]
    response = await _ballot(client, round_id, one, [{"person_id": a, "dimensions": dims(90, 80, 70, 101, 60)}])
    assert response.status_code == 422 and problem_fields(response) == ["body.ratings.0.dimensions.effect"]
    for rater, marks in ((one, dims(90, 80, 70, 85, 60)), (two, dims(100, 90, 80, 70, 65))):
        response = await _ballot(client, round_id, rater, [{"person_id": a, "dimensions": marks}])
        assert response.status_code == 200, response.text
    # the rater sees their own marks per dimension, and the rating they make
    client.headers.update(caller_headers(two))
    mine = (await client.get(f"/api/v1/scoring/rounds/{round_id}/ratings/mine")).json()["items"]
    assert staff_letters(mine) == [as_named(a, "A", mark="84.50", dimensions={
        "intensity": "100", "difficulty": "90", "quantity": "80", "effect": "70", "measures": "65"})]
    client.headers.update(service_headers(PROVINCE))
    base = await _close(client, scheme_id, round_id, {a: 80})
    detail = await _explained(client, base, a)
    assert detail["evaluation"]["groups"][0]["mean"] == "82.25" and detail["total"] == "81.125"
    assert {d["code"]: d["weight"] for d in detail["evaluation"]["dimensions"]["weights"]} == {
        "intensity": "0.3", "difficulty": "0.2", "quantity": "0.2", "effect": "0.2", "measures": "0.1"}


async def test_a_rating_by_dimension_is_kept_in_hundredths(client: httpx.AsyncClient,
                                                           records: httpx.AsyncClient) -> None:
    """0.3 × 88.55 = 26.565 and the other dimensions 0: kept as 26.57 (half up)."""
    county = await unit_with_people(records, "A")
    a = county["people"]["A"]
    (rater,) = await raters_of(records, county["region"], 1)
    scheme_id = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "1"}, "dimensions": BINZHOU})
    round_id = await _round(client, scheme_id, [(rater, "staff")])
    assert (await _ballot(client, round_id, rater, [{"person_id": a, "dimensions": dims("88.55", 0, 0, 0, 0)}])
            ).status_code == 200
    client.headers.update(caller_headers(rater))
    assert (await client.get(f"/api/v1/scoring/rounds/{round_id}/ratings/mine")).json()["items"][0]["mark"] == "26.57"


async def test_a_scheme_without_dimensions_takes_one_mark(client: httpx.AsyncClient,
                                                          records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    a = county["people"]["A"]
    (rater,) = await raters_of(records, county["region"], 1)
    scheme_id = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "1"}})
    round_id = await _round(client, scheme_id, [(rater, "staff")])
    response = await _ballot(client, round_id, rater, [{"person_id": a, "dimensions": {"intensity": 80}}])
    assert response.status_code == 422 and problem_fields(response) == ["body.ratings.0.dimensions"]
    response = await _ballot(client, round_id, rater, [{"person_id": a, "mark": 80, "dimensions": {"a": 80}}])
    assert response.status_code == 422  # one or the other


@pytest.fixture
async def with_session(scoring_app: FastAPI) -> AsyncIterator[tuple[httpx.AsyncClient, AsyncSession]]:
    async with rolled_back(scoring_app) as session, \
            asgi_client(scoring_app, headers=service_headers(PROVINCE)) as c:
        yield c, session


async def test_outside_raters_rate_once_each_with_a_code(
        with_session: tuple[httpx.AsyncClient, AsyncSession], records: httpx.AsyncClient) -> None:
    """A: staff 70 and 90 → 80; the public (three codes issued, two used) 90 and 100 → 95;
    evaluation 0.5 × 80 + 0.5 × 95 = 87.5; marked 80, at 50%: 0.5 × 80 + 0.5 × 87.5 = 83.75."""
    client, session = with_session
    county = await unit_with_people(records, "A")
    a = county["people"]["A"]
    s1, s2 = await raters_of(records, county["region"], 2)
    scheme_id = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "0.5", "public": "0.5"},
                                               "outside": ["public"]})
    response = await client.post(f"/api/v1/scoring/schemes/{scheme_id}/periods/{Q}/rounds", json={
        "raters": [{"rater_id": s1, "group": "staff"}, {"rater_id": s2, "group": "public"}]})
    assert response.status_code == 422 and problem_fields(response) == ["body.raters.1.group"]
    round_id = await _round(client, scheme_id, [(s1, "staff"), (s2, "staff")])
    codes_url = f"/api/v1/scoring/rounds/{round_id}/codes"
    response = await client.post(codes_url, json={"group": "staff", "count": 2})
    assert response.status_code == 422 and problem_fields(response) == ["body.group"]
    response = await client.post(codes_url, json={"group": "public", "count": 3})
    assert response.status_code == 201, response.text
    codes = response.json()["codes"]
    assert len(set(codes)) == 3 and all(len(c) == 14 and c.count("-") == 2 for c in codes)
    assert (await client.get(codes_url)).json() == {"public": {"issued": 3, "used": 0}}
    by_code = "/api/v1/scoring/ballots/by-code"
    # a refused ballot leaves its code unused
    response = await client.post(by_code, headers=public(), json={"code": codes[0], "ratings": [
        {"person_id": str(uuid.uuid4()), "mark": 90}]})
    assert response.status_code == 422 and problem_fields(response) == ["body.ratings.0.person_id"]
    response = await client.post(by_code, headers=public(), json={"code": codes[0].lower().replace("-", " "),
                                                                "ratings": [{"person_id": a, "mark": 90}]})
    assert response.status_code == 201 and response.json()["stored"] == 1, response.text
    # used, or unknown: the same answer
    used = await client.post(by_code, headers=public(), json={"code": codes[0],
                                                              "ratings": [{"person_id": a, "mark": 1}]})
    unknown = await client.post(by_code, headers=public(), json={"code": "AAAA-BBBB-CCCC",
                                                               "ratings": [{"person_id": a, "mark": 1}]})
    assert used.status_code == unknown.status_code == 404
    assert used.headers["content-type"] == "application/problem+json"
    assert used.json()["code"] == unknown.json()["code"] == "rating_code_unusable"
    assert used.json()["detail"] == unknown.json()["detail"]
    assert (await client.post(by_code, headers=public(), json={"code": codes[1], "ratings": [
        {"person_id": a, "mark": 100}]})).status_code == 201
    for rater, mark in ((s1, 70), (s2, 90)):
        assert (await _ballot(client, round_id, rater, [{"person_id": a, "mark": mark}])).status_code == 200
    assert (await client.get(codes_url)).json() == {"public": {"issued": 3, "used": 2}}
    read = (await client.get(f"/api/v1/scoring/rounds/{round_id}")).json()
    assert read["raters_by_group"] == {"staff": 2, "public": 3} and read["voted_by_group"] == {"staff": 2, "public": 2}
    rows = (await session.execute(text(
        "SELECT r.rater_id, r.updated_at = o.opened_at AS at_opening, rr.anonymous FROM ratings r "
        "JOIN rating_rounds o ON o.id = r.round_id JOIN round_raters rr USING (round_id, rater_id) "
        "WHERE r.round_id = :round AND r.rater_group = 'public'"), {"round": uuid.UUID(round_id)})).mappings().all()
    kept = (await session.execute(text("SELECT * FROM rating_codes WHERE round_id = :round"),
                                  {"round": uuid.UUID(round_id)})).mappings().all()
    # anonymous by construction: a random rater id, the round's opening time, and codes that keep only "used"
    assert len(rows) == 2 and all(r["at_opening"] and r["anonymous"] for r in rows)
    assert len(kept) == 3 and all(set(k.keys()) == {"digest", "round_id", "rater_group", "used"} for k in kept)
    assert not {c.replace("-", "") for c in codes} & {k["digest"] for k in kept}
    base = await _close(client, scheme_id, round_id, {a: 80})
    detail = await _explained(client, base, a)
    groups = {g["group"]: (g["raters"], g["mean"]) for g in detail["evaluation"]["groups"]}
    assert groups == {"staff": (2, "80"), "public": (2, "95")} and detail["total"] == "83.75"
    shown = {g["group"]: g for g in detail["evaluation"]["groups"]}
    assert "one-time code" in shown["public"]["outside"] and "outside" not in shown["staff"]
    # the round is closed: the last code rates no more, and no more codes are issued
    response = await client.post(by_code, headers=public(), json={"code": codes[2], "ratings": [
        {"person_id": a, "mark": 100}]})
    assert response.status_code == 409 and response.json()["code"] == "round_closed"
    assert (await client.post(codes_url, json={"group": "public", "count": 1})).status_code == 409


async def test_only_the_schemes_administrators_issue_and_count_codes(client: httpx.AsyncClient,
                                                                    records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    (rater,) = await raters_of(records, county["region"], 1)
    scheme_id = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "0.5", "public": "0.5"},
                                               "outside": ["public"]})
    round_id = await _round(client, scheme_id, [(rater, "staff")])
    client.headers.update(caller_headers(rater))  # a rater of the round sees it, and may not issue codes
    assert (await client.post(f"/api/v1/scoring/rounds/{round_id}/codes",
                              json={"group": "public", "count": 1})).status_code == 403
    assert (await client.get(f"/api/v1/scoring/rounds/{round_id}/codes")).status_code == 403
    client.headers.update(caller_headers(county["people"]["A"]))  # not a rater: no such round
    assert (await client.get(f"/api/v1/scoring/rounds/{round_id}/codes")).status_code == 404


async def test_a_close_sums_a_trimmed_group_without_its_extremes_on_either_path(
        with_session: tuple[httpx.AsyncClient, AsyncSession], records: httpx.AsyncClient) -> None:
    """A: staff 90, 85, 80, 70 → 85 + 80 = 165 over 2 (2 dropped); leader 75. B: staff 90 and 60,
    fewer than three → 150 over 2 (none dropped). The same whether the sums are made with a column
    pair per group or, as when a group is not the scheme's, per person and group."""
    client, session = with_session
    county = await unit_with_people(records, "AB")
    p = county["people"]
    staff = await raters_of(records, county["region"], 5)
    leader = staff.pop()
    scheme_id = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "0.5", "leadership": "0.5"},
                                               "trim": ["staff"]})
    round_id = await _round(client, scheme_id, [(r, "staff") for r in staff] + [(leader, "leadership")])
    for rater, marks in zip(staff, ({"A": 90, "B": 90}, {"A": 85}, {"A": 80}, {"A": 70, "B": 60}), strict=True):
        assert (await _ballot(client, round_id, rater, [{"person_id": p[k], "mark": m}
                                                        for k, m in marks.items()])).status_code == 200
    assert (await _ballot(client, round_id, leader, [{"person_id": p["A"], "mark": 75}])).status_code == 200
    driver = await _driver(session)
    by_hand = {p["A"]: {"staff": [16_500, 2], "leadership": [7_500, 1]}, p["B"]: {"staff": [15_000, 2]}}
    for groups in (("staff", "leadership"), ("leadership", "staff"), ("staff",), ()):
        dropped: dict[str, dict[str, int]] = {}
        assert await _rating_sums(driver, uuid.UUID(round_id), groups, 64, trim=frozenset({"staff"}),
                                  dropped=dropped) == by_hand, groups
        assert dropped == {p["A"]: {"staff": 2}, p["B"]: {"staff": 0}}, groups
    untrimmed = await _rating_sums(driver, uuid.UUID(round_id), ("staff", "leadership"), 64)
    assert untrimmed[p["A"]]["staff"] == [32_500, 4]
    # the same from the closed round's kept sums (made and kept by the first close, read by the next)
    closed_at, staff_trimmed = datetime(2025, 7, 1, tzinfo=UTC), frozenset({"staff"})

    async def sums_of(closed: datetime, trim: frozenset[str], *, keep: bool) -> tuple[Sums, Sums]:
        return await round_sums.closed_round_sums(driver, uuid.UUID(round_id), closed, ("staff", "leadership"),
                                                  trim, keep=keep, work_mem_mb=64)

    async def made_at() -> list[Any]:
        return list(await session.scalars(text("SELECT made_at FROM scoring.round_sums WHERE round_id = :r"),
                                          {"r": round_id}))

    assert await made_at() == []
    await sums_of(closed_at, staff_trimmed, keep=False)
    assert await made_at() == []  # not kept unless asked
    kept = await sums_of(closed_at, staff_trimmed, keep=True)
    first = await made_at()
    assert len(first) == 1
    await session.execute(text("UPDATE scoring.round_sums SET made_at = made_at - interval '1 hour'"))
    again = await sums_of(closed_at, staff_trimmed, keep=True)
    assert again == kept and len(await made_at()) == 1 and (await made_at())[0] < first[0]  # read, not made again
    dropped = {}
    assert trimmed(*again, staff_trimmed, dropped) == by_hand
    assert dropped == {p["A"]: {"staff": 2}, p["B"]: {"staff": 0}}
    untrimmed_kept = await sums_of(closed_at, frozenset(), keep=True)  # no extremes needed: the kept ones do
    assert (await made_at())[0] < first[0]
    assert untrimmed_kept[0][p["A"]]["staff"] == [32_500, 4]
    # closed again at another instant (reopened since): summed again, and kept for that closing
    await sums_of(datetime(2025, 7, 2, tzinfo=UTC), staff_trimmed, keep=True)
    assert (await made_at())[0] >= first[0]


async def _kept(session: AsyncSession, round_id: str) -> int:
    return int(await session.scalar(text("SELECT count(*) FROM scoring.round_sums WHERE round_id = :r"),
                                    {"r": round_id}) or 0)


async def test_kept_sums_go_whenever_the_rounds_ratings_are_written(
        with_session: tuple[httpx.AsyncClient, AsyncSession], records: httpx.AsyncClient) -> None:
    """However a round's ratings change (a ballot added, revised, removed, moved, the table emptied), the sums
    kept for it go in the same statement, and another round's stay."""
    client, session = with_session
    county = await unit_with_people(records, "AB")
    p = county["people"]
    raters = await raters_of(records, county["region"], 2)
    scheme_id = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "1"}})
    round_id = await _round(client, scheme_id, [(r, "staff") for r in raters])
    other = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "1"}})
    other_round = await _round(client, other, [(r, "staff") for r in raters])
    assert (await _ballot(client, round_id, raters[0], [{"person_id": p["A"], "mark": 80}])).status_code == 200
    driver = await _driver(session)

    async def keep_both() -> None:
        for r in (round_id, other_round):
            await round_sums.closed_round_sums(driver, uuid.UUID(r), datetime(2025, 7, 1, tzinfo=UTC), ("staff",),
                                               frozenset(), keep=True, work_mem_mb=64)
        assert (await _kept(session, round_id), await _kept(session, other_round)) == (1, 1)

    for change in ("INSERT INTO scoring.ratings (round_id, person_id, rater_id, rater_group, mark) "
                   "VALUES (:r, :b, :rater, 'staff', 70)",
                   "UPDATE scoring.ratings SET mark = 75 WHERE round_id = :r AND person_id = :b",
                   "DELETE FROM scoring.ratings WHERE round_id = :r AND person_id = :b"):
        await keep_both()
        await session.execute(text(change), {"r": round_id, "b": p["B"], "rater": raters[1]})
        assert (await _kept(session, round_id), await _kept(session, other_round)) == (0, 1), change
    await keep_both()  # a rating moved to the other round: both rounds' sums go
    await session.execute(text("UPDATE scoring.ratings SET round_id = :o WHERE round_id = :r AND person_id = :a"),
                          {"r": round_id, "o": other_round, "a": p["A"]})
    assert (await _kept(session, round_id), await _kept(session, other_round)) == (0, 0)
    await keep_both()
    await session.execute(text("SAVEPOINT emptied"))
    await session.execute(text("TRUNCATE scoring.ratings CASCADE"))
    assert (await _kept(session, round_id), await _kept(session, other_round)) == (0, 0)
    await session.execute(text("ROLLBACK TO SAVEPOINT emptied"))


async def test_kept_sums_give_what_the_ratings_give_whatever_the_groups_and_trims(
        with_session: tuple[httpx.AsyncClient, AsyncSession], records: httpx.AsyncClient) -> None:
    """Random ballots (some in a group the scheme does not name, marks to the hundredth): the close's
    ratings from kept sums equal those summed from the ratings, for any groups and any trimmed ones."""
    client, session = with_session
    county = await unit_with_people(records, "A")
    raters = await raters_of(records, county["region"], 6)
    scheme_id = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "1"}})
    round_id = uuid.UUID(await _round(client, scheme_id, [(r, "staff") for r in raters]))
    driver = await _driver(session)
    people = [uuid.uuid4() for _ in range(12)]
    for seed in range(25):
        chance = random.Random(seed)
        await driver.execute("DELETE FROM ratings WHERE round_id = $1", round_id)
        rated = chance.sample(("staff", "leadership", "middle", "群众"), chance.randint(1, 4))
        rows = [(round_id, person, uuid.UUID(rater), chance.choice(rated), Decimal(chance.randint(0, 10_000)) / 100)
                for person in people for rater in raters if chance.random() < 0.7]
        await driver.executemany("INSERT INTO ratings (round_id, person_id, rater_id, rater_group, mark) "
                                 "VALUES ($1, $2, $3, $4, $5)", rows)
        # every group rated among the scheme's (a column pair each), or not (summed per person and group)
        groups = tuple(chance.sample(rated, len(rated)) if seed % 2 else
                       chance.sample(("staff", "leadership", "middle"), chance.randint(0, 3)))
        trim = frozenset(chance.sample(("staff", "leadership", "middle", "群众"), chance.randint(0, 2)))
        await round_sums.closed_round_sums(driver, round_id, datetime(2025, 7, 1, tzinfo=UTC), groups, trim,
                                           keep=True, work_mem_mb=64)
        assert await driver.fetchval("SELECT count(*) FROM round_sums WHERE round_id = $1", round_id) == 1
        kept = await round_sums.closed_round_sums(driver, round_id, datetime(2025, 7, 1, tzinfo=UTC), groups, trim,
                                                  keep=False, work_mem_mb=64)  # read back
        live_dropped: dict[str, dict[str, int]] = {}
        kept_dropped: dict[str, dict[str, int]] = {}
        live = await _rating_sums(driver, round_id, groups, 64, trim=trim, dropped=live_dropped)
        from_kept = trimmed(*kept, trim, kept_dropped)
        assert from_kept == live, (seed, groups, trim)
        assert list(from_kept) == list(live) == sorted(live)  # in person order
        assert kept_dropped == live_dropped, (seed, groups, trim)


async def test_a_round_of_outside_raters_only_names_no_rater(client: httpx.AsyncClient,
                                                             records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    plain = await _scheme(client, county, {"share": "0.5", "groups": {"staff": "1"}})
    response = await client.post(f"/api/v1/scoring/schemes/{plain}/periods/{Q}/rounds", json={"raters": []})
    assert response.status_code == 422 and problem_fields(response) == ["body.raters"]
    public = await _scheme(client, county, {"share": "0.5", "groups": {"public": "1"}, "outside": ["public"]})
    response = await client.post(f"/api/v1/scoring/schemes/{public}/periods/{Q}/rounds", json={})
    assert response.status_code == 201 and response.json()["raters_by_group"] == {}, response.text
    codes = await client.post(f"/api/v1/scoring/rounds/{response.json()['id']}/codes",
                              json={"group": "public", "count": 2})
    assert codes.status_code == 201
    read = (await client.get(f"/api/v1/scoring/rounds/{response.json()['id']}")).json()
    assert read["raters_by_group"] == {"public": 2}


async def test_a_scheme_naming_an_unknown_group_in_a_rater_setting_is_refused(client: httpx.AsyncClient,
                                                                             records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    for raters, field in (({"trim": ["staff", "群众"]}, "body.raters.trim.1"),
                          ({"outside": ["群众"]}, "body.raters.outside.0"),
                          ({"dimensions": {"a": {"name": "强度", "weight": "0.6"}}}, "body.raters.dimensions")):
        response = await client.post("/api/v1/scoring/schemes", json={
            "region_id": county["region"], "unit_id": county["unit"], "name": "滨州机关",
            "definition": {"indicators": INDICATORS, "raters": {"share": "0.5", "groups": {"staff": "1"}, **raters}}})
        assert response.status_code == 422 and problem_fields(response) == [field], response.text
