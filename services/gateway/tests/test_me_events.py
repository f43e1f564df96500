"""The event feed through the real gateway and services: what reaches whom, once, with a cursor.

The world: a region with unit A (people a1, a2, a3) and unit B (person b1); a1, a2, a3 and b1
signed in as members, A's administrator and a leader of A.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN
from shared.testing import asgi_client, ok, sign_in

from .conftest import PASSWORD

SCHEME = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}], "missing_inputs": "zero",
          "raters": {"share": "0.5", "groups": {"staff": "1"}}}
FEED = "/api/v1/me/events"


@dataclass
class Town:
    region: str
    unit: dict[str, str]
    person: dict[str, str]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    scheme: str = ""


@pytest.fixture(scope="module")
async def town(gateway_app: FastAPI) -> AsyncIterator[Town]:
    tag = "e" + uuid.uuid4().hex[:6]
    async with asgi_client(gateway_app) as client:
        admin = await sign_in(client, *TEST_ADMIN)
        region = (await ok(await client.post("/api/v1/records/regions", headers=admin,
                                             json={"code": tag, "name": "事件区"})))["id"]
        unit = {side: (await ok(await client.post("/api/v1/records/units", headers=admin, json={
            "region_id": region, "code": f"{side}{tag}", "name": f"单位{side}", "kind": "department"})))["id"]
            for side in ("A", "B")}
        person = {name: (await ok(await client.post("/api/v1/records/persons", headers=admin, json={
            "unit_id": unit[u], "staff_no": f"{tag}-{name}", "name": name, "staff_category": "staff",
            "active_from": "2020-01-01"})))["id"] for name, u in (("a1", "A"), ("a2", "A"), ("a3", "A"), ("b1", "B"))}
        town = Town(region=region, unit=unit, person=person, headers={"P": admin})
        accounts = {name: ("member", {"person_id": person[name]}) for name in person}
        accounts |= {"UA": ("unit_admin", {"unit_id": unit["A"]}), "LA": ("leader", {"unit_id": unit["A"]})}
        for name, (role, binding) in accounts.items():
            username = f"{name.lower()}-{tag}"
            await ok(await client.post("/api/v1/admin/users", headers=admin, json={
                "username": username, "password": PASSWORD, "role": role, **binding}))
            town.headers[name] = await sign_in(client, username, PASSWORD)
        town.scheme = (await ok(await client.post("/api/v1/scoring/schemes", headers=admin, json={
            "region_id": region, "unit_id": unit["A"], "name": "A机关", "definition": SCHEME})))["id"]
    yield town


async def feed(client: httpx.AsyncClient, town: Town, who: str, after: str | None = None,
               **params: Any) -> dict[str, Any]:
    query = {**params, **({"after": after} if after else {})}
    answer: dict[str, Any] = await ok(await client.get(FEED, headers=town.headers[who], params=query), 200)
    return answer


def kinds(page: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in page["events"] if e["kind"] == kind]


async def close_and_publish(client: httpx.AsyncClient, town: Town, period: str) -> str:
    admin = town.headers["P"]
    base = f"/api/v1/scoring/schemes/{town.scheme}/periods/{period}"
    await ok(await client.put(f"{base}/marks", headers=admin, json={"marks": [
        {"person_id": town.person[p], "indicator": "ji", "mark": 80 + i} for i, p in enumerate(("a1", "a2", "a3"))]}),
        200)
    close: str = (await ok(await client.post(f"{base}/close", headers=admin)))["id"]
    await ok(await client.post(f"/api/v1/scoring/results/{close}/publish", headers=admin), 200)
    return close


class TestScoringEvents:
    async def test_opening_a_round_gives_its_rater_one_event_and_a_deadline_within_a_day_once(
            self, client: httpx.AsyncClient, town: Town) -> None:
        before = {who: (await feed(client, town, who))["next"] for who in ("a1", "a2")}
        closes_at = (datetime.now(UTC) + timedelta(hours=20)).isoformat()
        round_ = await ok(await client.post(f"/api/v1/scoring/schemes/{town.scheme}/periods/2025Q3/rounds",
                                            headers=town.headers["UA"], json={
                                                "raters": [{"rater_id": town.person["a1"], "group": "staff"}],
                                                "closes_at": closes_at}))
        first = await feed(client, town, "a1", before["a1"])
        opened = kinds(first, "round_opened")
        assert [e["payload"]["round_id"] for e in opened] == [round_["id"]]
        assert opened[0]["person_id"] == town.person["a1"] and opened[0]["source"] == "scoring"
        assert opened[0]["payload"]["scheme_name"] == "A机关" and opened[0]["payload"]["period"] == "2025Q3"
        assert opened[0]["link"] == f"/api/v1/scoring/rounds/{round_['id']}"
        assert len(kinds(first, "round_deadline")) == 1
        for _ in range(3):  # read again and again, from the start: still one reminder
            again = await feed(client, town, "a1", before["a1"], limit=200)
            assert len(kinds(again, "round_deadline")) == 1
            assert len(kinds(again, "round_opened")) == 1
        assert (await feed(client, town, "a1", first["next"]))["events"] == []
        assert (await feed(client, town, "a2", before["a2"]))["events"] == []  # not a rater

    async def test_a_published_result_reaches_each_member_of_the_unit_once_and_no_one_else(
            self, client: httpx.AsyncClient, town: Town) -> None:
        before = {who: (await feed(client, town, who))["next"] for who in ("a2", "a3", "b1", "UA", "LA")}
        close = await close_and_publish(client, town, "2025Q1")
        for who in ("a2", "a3", "UA", "LA"):
            published = kinds(await feed(client, town, who, before[who]), "result_published")
            assert [(e["unit_id"], e["payload"]["close_id"]) for e in published] == [(town.unit["A"], close)], who
        member = kinds(await feed(client, town, "a2", before["a2"]), "result_published")[0]
        assert member["link"] == (f"/api/v1/scoring/schemes/{town.scheme}/periods/2025Q1/people/"
                                  f"{town.person['a2']}/explanation")
        staff = kinds(await feed(client, town, "UA", before["UA"]), "result_published")[0]
        assert staff["link"] == f"/api/v1/scoring/schemes/{town.scheme}/periods/2025Q1/results"
        assert (await feed(client, town, "b1", before["b1"]))["events"] == []
        # publishing it again is a 409 and writes nothing
        again = await client.post(f"/api/v1/scoring/results/{close}/publish", headers=town.headers["P"])
        assert again.status_code == 409
        assert len(kinds(await feed(client, town, "a3", before["a3"]), "result_published")) == 1

    async def test_a_decided_objection_reaches_the_filer_only(self, client: httpx.AsyncClient, town: Town) -> None:
        close = await close_and_publish(client, town, "2025Q2")
        before = {who: (await feed(client, town, who))["next"] for who in ("a2", "a3")}
        objection = await ok(await client.post(f"/api/v1/scoring/results/{close}/objections",
                                               headers=town.headers["a2"], json={"reason": "任务量漏记了一项"}))
        review = f"/api/v1/scoring/objections/{objection['id']}/review"
        refused = await client.post(review, headers=town.headers["UA"], json={"decision": "accept",
                                                                               "reason": "重新计算本季度"})
        assert refused.status_code == 422  # nothing changed to recompute: rolled back, no event
        assert kinds(await feed(client, town, "a2", before["a2"]), "objection_decided") == []
        await ok(await client.post(review, headers=town.headers["UA"], json={"decision": "reject",
                                                                            "reason": "任务已计入总分"}), 200)
        decided = kinds(await feed(client, town, "a2", before["a2"]), "objection_decided")
        assert [(e["payload"]["objection_id"], e["payload"]["decision"]) for e in decided] == [
            (objection["id"], "rejected")]
        assert decided[0]["link"] == f"/api/v1/scoring/objections/{objection['id']}"
        assert kinds(await feed(client, town, "a3", before["a3"]), "objection_decided") == []


    async def test_a_procedure_stage_moved_reaches_the_unit(self, client: httpx.AsyncClient, town: Town) -> None:
        before = {who: (await feed(client, town, who))["next"] for who in ("b1", "a2")}
        scheme = (await ok(await client.post("/api/v1/scoring/schemes", headers=town.headers["P"], json={
            "region_id": town.region, "unit_id": town.unit["B"], "name": "B机关",
            "definition": {**SCHEME, "procedure": "national"}})))["id"]
        started = await ok(await client.post(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q4/procedure/advance",
                                             headers=town.headers["P"]), 200)
        moved = kinds(await feed(client, town, "b1", before["b1"]), "stage_moved")
        assert [(e["unit_id"], e["payload"]["stage"], e["payload"]["direction"]) for e in moved] == [
            (town.unit["B"], started["current"], "started")]
        assert moved[0]["link"] == f"/api/v1/scoring/schemes/{scheme}/periods/2025Q4/procedure"
        assert (await feed(client, town, "a2", before["a2"]))["events"] == []


class TestRecordsEvents:
    async def test_a_comment_on_my_weekly_record_reaches_me(self, client: httpx.AsyncClient, town: Town) -> None:
        before = (await feed(client, town, "a3"))["next"]
        log = await ok(await client.post("/api/v1/records/work-logs", headers=town.headers["a3"], json={
            "person_id": town.person["a3"], "week": "2025-W10", "content": "本周走访十户"}))
        await ok(await client.put("/api/v1/records/comments", headers=town.headers["LA"], json={
            "target_kind": "work_log", "target_id": log["id"], "mark": 92, "comment": "扎实"}), 200)
        page = await feed(client, town, "a3", before)
        assert [(e["source"], e["kind"], e["payload"]["period"], e["payload"]["mark"]) for e in page["events"]] == [
            ("records", "comment_added", "2025-W10", "92")]
        assert page["events"][0]["link"] == f"/api/v1/records/comments/work_log/{log['id']}"
        assert "leader" not in page["events"][0]["payload"]
        assert (await feed(client, town, "a3", page["next"]))["events"] == []

    async def test_a_task_given_me_and_overdue_each_appear_once(self, client: httpx.AsyncClient, town: Town) -> None:
        before, other = (await feed(client, town, "a1"))["next"], (await feed(client, town, "a2"))["next"]
        task = await ok(await client.post("/api/v1/records/tasks", headers=town.headers["UA"], json={
            "person_id": town.person["a1"], "title": "防汛物资清点", "intensity": "1", "difficulty": "1",
            "quantity": "1", "due_on": "2025-01-31"}))
        for _ in range(3):
            page = await feed(client, town, "a1", before)
            assert [(e["kind"], e["payload"]["task_id"]) for e in page["events"]] == [
                ("task_assigned", task["id"]), ("task_overdue", task["id"])]
        assert (await feed(client, town, "a2", other))["events"] == []

    async def test_a_co_owner_is_told_too(self, client: httpx.AsyncClient, town: Town) -> None:
        before = (await feed(client, town, "a2"))["next"]
        task = await ok(await client.post("/api/v1/records/tasks", headers=town.headers["UA"], json={
            "person_id": town.person["a3"], "title": "乡村振兴调研", "intensity": "1", "difficulty": "1",
            "quantity": "1", "due_on": "2031-03-31", "co_owners": [{"person_id": town.person["a2"], "share": "0.4"}]}))
        page = await feed(client, town, "a2", before)
        assert [(e["kind"], e["payload"]["task_id"], e["payload"]["lead"]) for e in page["events"]] == [
            ("task_assigned", task["id"], False)]

    async def test_an_import_refused_for_one_bad_row_tells_no_one(self, client: httpx.AsyncClient,
                                                                  town: Town) -> None:
        before = (await feed(client, town, "a2"))["next"]
        lines = [{"staff_no": "nobody-here", "title": "无此人", "intensity": 1, "difficulty": 1, "quantity": 1,
                  "due_on": "2030-01-01"}]
        person = await ok(await client.get(f"/api/v1/records/persons/{town.person['a2']}",
                                           headers=town.headers["P"]), 200)
        lines.insert(0, {**lines[0], "staff_no": person["staff_no"], "title": "招商引资"})
        body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
        refused = await client.post("/api/v1/records/tasks/stream", headers={
            **town.headers["UA"], "content-type": "application/x-ndjson"}, content=body.encode())
        assert refused.status_code == 422, refused.text
        assert (await feed(client, town, "a2", before))["events"] == []


class TestFeed:
    async def test_the_unread_count_drops_once_marked_read(self, client: httpx.AsyncClient, town: Town) -> None:
        headers = town.headers["a1"]
        await ok(await client.post(f"{FEED}/read", headers=headers, json={}), 200)
        assert (await ok(await client.get(f"{FEED}/unread", headers=headers), 200))["unread"] == 0
        await ok(await client.post("/api/v1/records/tasks", headers=town.headers["UA"], json={
            "person_id": town.person["a1"], "title": "年度述职", "intensity": "1", "difficulty": "1",
            "quantity": "1", "due_on": "2031-12-31"}))
        await ok(await client.post("/api/v1/records/tasks", headers=town.headers["UA"], json={
            "person_id": town.person["a1"], "title": "民主生活会", "intensity": "1", "difficulty": "1",
            "quantity": "1", "due_on": "2031-12-31"}))
        count = await ok(await client.get(f"{FEED}/unread", headers=headers), 200)
        assert count["unread"] == 2
        page = await feed(client, town, "a1", count["read_to"], limit=1)
        marked = await ok(await client.post(f"{FEED}/read", headers=headers, json={"cursor": page["next"]}), 200)
        assert marked["unread"] == 1
        stale = await ok(await client.post(f"{FEED}/read", headers=headers, json={"cursor": count["read_to"]}), 200)
        assert stale["unread"] == 1  # a position never moves back
        assert (await ok(await client.post(f"{FEED}/read", headers=headers, json={}), 200))["unread"] == 0

    async def test_both_services_come_in_time_order_one_page_after_another(self, client: httpx.AsyncClient,
                                                                          town: Town) -> None:
        after = (await feed(client, town, "b1"))["next"]
        log = await ok(await client.post("/api/v1/records/work-logs", headers=town.headers["b1"], json={
            "person_id": town.person["b1"], "week": "2025-W11", "content": "本周整理档案"}))
        await ok(await client.put("/api/v1/records/comments", headers=town.headers["P"], json={
            "target_kind": "work_log", "target_id": log["id"], "mark": 85, "comment": "认真"}), 200)
        await ok(await client.post(f"/api/v1/scoring/schemes/{town.scheme}/periods/2026Q1/rounds",
                                   headers=town.headers["P"], json={
                                       "raters": [{"rater_id": town.person["b1"], "group": "staff"}]}))
        await ok(await client.put("/api/v1/records/comments", headers=town.headers["P"], json={
            "target_kind": "work_log", "target_id": log["id"], "mark": 88, "comment": "改进后更好",
            "reason": "补充材料后重新评价"}), 200)
        seen = []
        for _ in range(3):
            page = await feed(client, town, "b1", after, limit=1)
            seen += [(e["source"], e["kind"]) for e in page["events"]]
            after = page["next"]
        assert seen == [("records", "comment_added"), ("scoring", "round_opened"), ("records", "comment_added")]
        assert (await feed(client, town, "b1", after))["events"] == []

    async def test_a_long_poll_returns_when_an_event_arrives(self, client: httpx.AsyncClient, town: Town) -> None:
        after = (await feed(client, town, "a3"))["next"]

        async def assign() -> None:
            await asyncio.sleep(0.5)
            await ok(await client.post("/api/v1/records/tasks", headers=town.headers["UA"], json={
                "person_id": town.person["a3"], "title": "信访接待", "intensity": "1", "difficulty": "1",
                "quantity": "1", "due_on": "2031-06-30"}))

        started = time.monotonic()
        page, _ = await asyncio.gather(feed(client, town, "a3", after, wait=20), assign())
        assert [e["kind"] for e in page["events"]] == ["task_assigned"]
        assert time.monotonic() - started < 15
        started = time.monotonic()
        assert (await feed(client, town, "a3", page["next"], wait=1))["events"] == []
        assert time.monotonic() - started >= 0.9

    async def test_a_cursor_not_given_by_the_feed_is_a_422_naming_it(self, client: httpx.AsyncClient,
                                                                     town: Town) -> None:
        response = await client.get(FEED, headers=town.headers["a1"], params={"after": "not-a-cursor"})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["query.after"]

    async def test_an_api_key_has_no_feed(self, client: httpx.AsyncClient, town: Town) -> None:
        key = await ok(await client.post("/api/v1/admin/api-keys", headers=town.headers["P"], json={
            "name": f"feed-{uuid.uuid4().hex[:6]}", "scopes": ["apportion"]}))
        response = await client.get(FEED, headers={"x-api-key": key["key"]})
        assert response.status_code == 403
        assert response.json()["code"] == "no_event_feed"
