"""``updated_after`` on the lists a province pulls (a unit's members, a version's results, a region's
allocation runs), through the real gateway: the rows changed since the cursor in change order,
deletions as tombstones, and a second poll with the cursor returned gives nothing new. A change
committed while an older transaction is still open is not skipped: the feed waits for it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared import change_feed
from shared.db import async_url
from shared.pagination import encode
from shared.testing import asgi_client, ok

from .conftest import POLICY, SCHEME, World


@pytest.fixture
async def records_db(database_urls: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    """The records database, written directly as an operator's correction would (a placement deleted)."""
    engine = create_async_engine(async_url(database_urls["records"]))
    yield engine
    await engine.dispose()


async def poll(client: httpx.AsyncClient, path: str, headers: dict[str, str], cursor: str,
               **params: Any) -> tuple[list[dict[str, Any]], str]:
    """Every change after ``cursor`` (following ``next`` while pages are full), and the cursor to
    poll with next time."""
    items: list[dict[str, Any]] = []
    response = await client.get(path, params={**params, "updated_after": cursor}, headers=headers)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        if body["next"] is None:
            assert "link" not in response.headers
            return items, body["updated_after"]
        assert body["next"].startswith(f"{path}?") and "updated_after=" in body["next"]
        assert response.headers["link"] == f'<{body["next"]}>; rel="next"'
        response = await client.get(body["next"], headers=headers)


async def test_members_changed_since_a_cursor(gateway_app: FastAPI, world: World, records_db: AsyncEngine) -> None:
    admin, tag = world.headers["P"], uuid.uuid4().hex[:6]
    async with asgi_client(gateway_app) as client:
        unit = (await ok(await client.post("/api/v1/records/units", headers=admin, json={
            "region_id": world.region["a"], "code": f"F{tag}", "name": "纪实镇", "kind": "township"})))["id"]
        people = [(await ok(await client.post("/api/v1/records/persons", headers=admin, json={
            "unit_id": unit, "staff_no": f"{tag}{n}", "name": f"人员{n}", "staff_category": "staff",
            "active_from": "2024-01-01"})))["id"] for n in range(5)]
        path = f"/api/v1/records/units/{unit}/members"
        first, cursor = await poll(client, path, admin, "0", period="2025", limit=2)
        assert [m["person_id"] for m in first] == people  # in change order, each once, over three pages
        placements = [m["id"] for m in first]
        assert (await poll(client, path, admin, cursor, period="2025"))[0] == []

        # A transaction still open holds the feed back; one committed after it is not skipped.
        async with records_db.connect() as older:
            await older.begin()
            await older.execute(text("UPDATE records.assignments SET post = '甲岗' WHERE id = :id"),
                                {"id": placements[1]})
            async with records_db.begin() as newer:
                await newer.execute(text("UPDATE records.assignments SET post = '乙岗' WHERE id = :id"),
                                    {"id": placements[3]})
            held, cursor = await poll(client, path, admin, cursor, period="2025")
            assert held == []
            await older.commit()
        changed, cursor = await poll(client, path, admin, cursor, period="2025")
        assert [(m["id"], m["post"]) for m in changed] == [(placements[1], "甲岗"), (placements[3], "乙岗")]

        async with records_db.begin() as connection:
            await connection.execute(text("DELETE FROM records.assignments WHERE id = :id"), {"id": placements[4]})
        gone, cursor = await poll(client, path, admin, cursor, period="2025")
        assert [(t["id"], t["deleted"], bool(t["deleted_at"])) for t in gone] == [(placements[4], True, True)]
        assert (await poll(client, path, admin, cursor, period="2025"))[0] == []
        # the unit's own administrator of another region is not shown it, cursor or not
        refused = await client.get(path, params={"period": "2025", "updated_after": "0"}, headers=world.headers["U"])
        assert refused.status_code in (403, 404)


async def test_results_changed_since_a_cursor(gateway_app: FastAPI, world: World) -> None:
    base = f"/api/v1/scoring/schemes/{world.scheme['a']}/periods/2025Q1/results"
    async with asgi_client(gateway_app) as client:
        rows, cursor = await poll(client, base, world.headers["P"], "0")
        assert [r["person_id"] for r in rows] == [world.person["a"]]
        assert rows[0]["score"] is not None and "deleted" not in rows[0]
        assert (await poll(client, base, world.headers["P"], cursor))[0] == []
        # region a's administrator sees region a's results; region b's scheme is not theirs
        assert [r["person_id"] for r in (await poll(client, base, world.headers["R"], "0"))[0]] == [world.person["a"]]
        other = f"/api/v1/scoring/schemes/{world.scheme['b']}/periods/2025Q1/results"
        refused = await client.get(other, params={"updated_after": "0"}, headers=world.headers["R"])
        assert refused.status_code == 404
        bad = await client.get(base, params={"updated_after": "[1,2]"}, headers=world.headers["P"])
        assert (bad.status_code, bad.json()["code"], bad.json()["errors"][0]["field"]) == (
            422, "cursor_invalid", "query.updated_after")


async def test_results_are_fed_from_their_version_page_by_page_and_a_later_version_is_all_new(
        gateway_app: FastAPI, world: World) -> None:
    """A version's results are written once: the feed gives its rows in person order, over pages, each once;
    a later version's rows are all new after a cursor of the one before; an earlier version has nothing new
    after a later one's cursor; a cursor of the row log results were once fed from is 410."""
    admin, tag = world.headers["P"], uuid.uuid4().hex[:6]
    async with asgi_client(gateway_app) as client:
        unit = (await ok(await client.post("/api/v1/records/units", headers=admin, json={
            "region_id": world.region["a"], "code": f"R{tag}", "name": "结果镇", "kind": "township"})))["id"]
        people = sorted([(await ok(await client.post("/api/v1/records/persons", headers=admin, json={
            "unit_id": unit, "staff_no": f"{tag}{n}", "name": f"人员{n}", "staff_category": "staff",
            "active_from": "2024-01-01"})))["id"] for n in range(3)])
        scheme = (await ok(await client.post("/api/v1/scoring/schemes", headers=admin, json={
            "region_id": world.region["a"], "unit_id": unit, "name": "结果", "definition": SCHEME})))["id"]
        marks = f"/api/v1/scoring/schemes/{scheme}/periods/2025Q1/marks"
        await ok(await client.put(marks, headers=admin, json={"marks": [
            {"person_id": p, "indicator": "ji", "mark": 70 + n} for n, p in enumerate(people)]}), 200)
        await ok(await client.post(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q1/close", headers=admin))
        base = f"/api/v1/scoring/schemes/{scheme}/periods/2025Q1/results"

        first, cursor = await poll(client, base, admin, "0", limit=2)
        assert [r["person_id"] for r in first] == people  # over two pages, in person order
        assert [r["score"] for r in first] == ["70", "71", "72"]
        assert (await poll(client, base, admin, cursor))[0] == []

        await ok(await client.put(marks, headers=admin, json={"marks": [
            {"person_id": people[1], "indicator": "ji", "mark": 90}]}), 200)
        await ok(await client.post(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q1/close", headers=admin))
        second, later = await poll(client, base, admin, cursor, limit=2)
        assert [(r["person_id"], r["score"]) for r in second] == [
            (people[0], "70"), (people[1], "90"), (people[2], "72")]
        assert (await poll(client, base, admin, later))[0] == []
        assert (await poll(client, base, admin, later, version=1))[0] == []
        assert [r["score"] for r in (await poll(client, base, admin, "0", version=1))[0]] == ["70", "71", "72"]

        logged = await client.get(base, params={"updated_after": encode([7_421_106, 318_552])}, headers=admin)
        assert (logged.status_code, logged.json()["code"]) == (410, "change_cursor_expired")
        for bad in (encode([1, "not-a-person"]), encode([-1, ""]), encode(["1", ""])):
            refused = await client.get(base, params={"updated_after": bad}, headers=admin)
            assert (refused.status_code, refused.json()["code"]) == (422, "cursor_invalid"), bad


async def test_allocation_runs_kept_and_published_since_a_cursor(gateway_app: FastAPI, world: World) -> None:
    admin = world.headers["P"]
    async with asgi_client(gateway_app) as client:
        region = (await ok(await client.post("/api/v1/records/regions", headers=admin, json={
            "code": f"al{uuid.uuid4().hex[:6]}", "name": "配额县"})))["id"]
        unit = (await ok(await client.post("/api/v1/records/units", headers=admin, json={
            "region_id": region, "code": "T1", "name": "镇", "kind": "township"})))["id"]
        years = f"/api/v1/quota/regions/{region}/years/2025"
        await ok(await client.put(f"{years}/units", headers=admin, json={
            "units": [{"id": unit, "kind": "township", "grade": "first"}]}), 200)
        await ok(await client.put(f"{years}/policy", headers=admin, json=POLICY), 200)
        run = (await ok(await client.post(f"{years}/allocations", headers=admin)))["id"]
        runs, cursor = await poll(client, f"{years}/allocations", admin, "0")
        assert [(r["id"], r["published"]) for r in runs] == [(run, False)]
        published = await client.post(f"/api/v1/quota/allocations/{run}/publish", headers=admin,
                                      json={"accept_warnings": True, "reason": "核定"})
        assert published.status_code == 201, published.text
        runs, cursor = await poll(client, f"{years}/allocations", admin, cursor)
        assert [(r["id"], r["published"]) for r in runs] == [(run, True)]
        assert (await poll(client, f"{years}/allocations", admin, cursor))[0] == []
        refused = await client.get(f"{years}/allocations", params={"updated_after": "0"}, headers=world.headers["R"])
        assert refused.status_code in (403, 404)


async def test_a_cursor_older_than_the_feed_keeps_is_410_and_0_still_lists_every_row(
        gateway_app: FastAPI, records_app: FastAPI, world: World, records_db: AsyncEngine) -> None:
    """Retention: replaced changes and old tombstones are dropped; a cursor from before a dropped tombstone could have
    missed that deletion, so it is refused with 410, while one after it and `0` answer as before."""
    admin, tag = world.headers["P"], uuid.uuid4().hex[:6]
    async with asgi_client(gateway_app) as client:
        unit = (await ok(await client.post("/api/v1/records/units", headers=admin, json={
            "region_id": world.region["a"], "code": f"K{tag}", "name": "保留镇", "kind": "township"})))["id"]
        for n in range(3):
            await ok(await client.post("/api/v1/records/persons", headers=admin, json={
                "unit_id": unit, "staff_no": f"k{tag}{n}", "name": f"人员{n}", "staff_category": "staff",
                "active_from": "2024-01-01"}))
        path = f"/api/v1/records/units/{unit}/members"
        first, before = await poll(client, path, admin, "0", period="2025")
        placements = [m["id"] for m in first]
        async with records_db.begin() as connection:
            await connection.execute(text("UPDATE records.assignments SET post = '甲岗' WHERE id = :id"),
                                     {"id": placements[0]})
            await connection.execute(text("DELETE FROM records.assignments WHERE id = :id"), {"id": placements[2]})
        _, after = await poll(client, path, admin, before, period="2025")
        async with records_db.begin() as connection:
            logged = await connection.scalar(text("SELECT count(*) FROM records.row_changes "
                                                  "WHERE scope ->> 'unit_id' = :u"), {"u": unit})
            await connection.execute(text("UPDATE records.row_changes SET at = now() - interval '31 days' "
                                          "WHERE scope ->> 'unit_id' = :u"), {"u": unit})

        assert await change_feed.prune(records_app.state.sessionmaker, keep=timedelta(days=30)) >= 2

        expired = await client.get(path, params={"period": "2025", "updated_after": before}, headers=admin)
        assert expired.status_code == 410, expired.text
        assert expired.headers["content-type"] == "application/problem+json"
        assert expired.json()["code"] == "change_cursor_expired"
        assert (await poll(client, path, admin, after, period="2025"))[0] == []
        again, _ = await poll(client, path, admin, "0", period="2025")
        mine = [(m["id"], m.get("post"), m.get("deleted", False)) for m in again if m["id"] in placements]
        assert mine == [(placements[1], None, False), (placements[0], "甲岗", False)]
        async with records_db.begin() as connection:
            kept = await connection.scalar(text("SELECT count(*) FROM records.row_changes "
                                                "WHERE scope ->> 'unit_id' = :u"), {"u": unit})
        assert (logged, kept) == (logged, 2) and logged > 2
