"""A rater's to-do (``GET /api/v1/me/todo``) on a province-sized database, through the gateway.

    .venv/bin/python bench/me.py [--province 200000] [--raters 20] [--people 60] [--requests 300]

Loads the province of bench/close.py (records: people in 2,000-person units, a quarter of weekly
records; scoring: a closed round with ``--raters`` ratings per person), then opens a round in one
unit's scheme with one member rating ``--people`` colleagues (none rated yet), gives them three
tasks, and signs them in. Times ``--requests`` calls of ``/me/todo`` one after the other (p50, p99)
beside the SQL underneath the largest part of the answer: scoring's two statements of the rater's
rounds and of the people in them (``scoring.todo.ROUNDS`` and ``PEOPLE``, one
after the other, the best of twenty, on their own connection). Also times ``GET /api/v1/me`` (one
service call) as the gateway's own floor, and ``GET /api/v1/scoring/schemes/{id}`` (one hop to
scoring for two key lookups) as the fixed cost of a hop: /me/todo beside the SQL plus one hop.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring_load import SCHEME, load_scoring, people_of, settle  # the province of bench/close.py
from summary import load

from kaohe.local import start_stack
from scoring.todo import PEOPLE, ROUNDS

PASSWORD = "bench-member-password"  # noqa: S105 (a throwaway stack's account)


async def open_round(database: str, scheme_id: str, rater: uuid.UUID, people: list[uuid.UUID]) -> str:
    """An open round of the scheme (no deadline) in which ``rater`` rates ``people``, none rated yet."""
    conn = await asyncpg.connect(database)
    try:
        round_id = uuid.uuid4()
        await conn.execute("INSERT INTO scoring.rating_rounds (id, scheme_id, period, status, opened_by) "
                           "VALUES ($1, $2, '2025Q2', 'open', 'bench')", round_id, uuid.UUID(scheme_id))
        await conn.execute("INSERT INTO scoring.round_raters (round_id, rater_id, rater_group) "
                           "VALUES ($1, $2, 'staff')", round_id, rater)
        await conn.copy_records_to_table("round_people", schema_name="scoring",
                                         records=[(round_id, p) for p in [rater, *people]],
                                         columns=["round_id", "person_id"])
        await conn.execute("ANALYZE scoring.round_raters")
        return str(round_id)
    finally:
        await conn.close()


async def statement_floor(database: str, rater: uuid.UUID, runs: int = 20) -> tuple[float, int]:
    """The best time of scoring's two statements of the rater's rounds and people, and the people's rows."""
    def compiled(statement: Any) -> tuple[str, list[Any]]:
        done = statement.compile(dialect=asyncpg_dialect.dialect()).construct_expanded_state()
        return done.statement, [done.parameters[name] for name in done.positiontup or ()]

    conn = await asyncpg.connect(database)
    try:
        rounds_sql, rounds_params = compiled(ROUNDS.params(rater=rater, now=datetime.now(UTC)))
        rounds = await conn.prepare(rounds_sql)
        samples, rows = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            round_ids = [r[0] for r in await rounds.fetch(*rounds_params)]
            people_sql, people_params = compiled(PEOPLE.params(rater=rater, rounds=round_ids))
            rows = len(await conn.fetch(people_sql, *people_params))
            samples.append(time.perf_counter() - started)
        return min(samples), rows
    finally:
        await conn.close()


def timed(client: httpx.Client, url: str, headers: dict[str, str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return samples


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--province", type=int, default=200_000)
    parser.add_argument("--county", type=int, default=2_000)
    parser.add_argument("--raters", type=int, default=20)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stack = start_stack(root / "home", root / "stack.log", extra_env={"GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "600"})
        try:
            stack.wait_ready(90)
            pg = stack.database_url()
            with httpx.Client(base_url=stack.gateway, timeout=600) as client:
                token = client.post("/api/v1/auth/token",
                                    data={"username": "admin", "password": "kaohe-demo-first"}).json()["access_token"]
                admin = {"authorization": f"Bearer {token}"}
                region = client.post("/api/v1/records/regions", headers=admin,
                                     json={"code": "prov", "name": "省"}).json()
                started = time.perf_counter()
                ids = asyncio.run(load(pg, region["id"], args.province, unit_size=args.county))
                province_scheme = client.post("/api/v1/scoring/schemes", headers=admin, json={
                    "region_id": region["id"], "group": "G", "name": "全省", "definition": SCHEME}).json()["id"]
                asyncio.run(load_scoring(pg, province_scheme, asyncio.run(people_of(pg)), args.raters, seed=1))
                unit_scheme = client.post("/api/v1/scoring/schemes", headers=admin, json={
                    "region_id": region["id"], "unit_id": ids["county_unit"], "name": "一单位",
                    "definition": SCHEME}).json()["id"]
                rater, *colleagues = asyncio.run(people_of(pg, ids["county_unit"]))[:args.people + 1]
                asyncio.run(open_round(pg, unit_scheme, rater, colleagues))
                for n in range(3):
                    client.post("/api/v1/records/tasks", headers=admin, json={
                        "person_id": str(rater), "title": f"重点任务{n + 1}", "intensity": "1", "difficulty": "1",
                        "quantity": "1", "due_on": f"2099-0{n + 1}-28"}).raise_for_status()
                client.post("/api/v1/admin/users", headers=admin, json={
                    "username": "rater", "password": PASSWORD, "role": "member",
                    "person_id": str(rater)}).raise_for_status()
                loaded = time.perf_counter() - started
                asyncio.run(settle(pg))
                member = {"authorization": "Bearer " + client.post("/api/v1/auth/token", data={
                    "username": "rater", "password": PASSWORD}).json()["access_token"]}
                answer = client.get("/api/v1/me/todo", headers=member).json()
                timed(client, "/api/v1/me/todo", member, 20)  # warm: connections, caches, plans
                todo = timed(client, "/api/v1/me/todo", member, args.requests)
                me = timed(client, "/api/v1/me", member, args.requests)
                timed(client, f"/api/v1/scoring/schemes/{unit_scheme}", admin, 20)
                hop = timed(client, f"/api/v1/scoring/schemes/{unit_scheme}", admin, args.requests)
            floor, rows = asyncio.run(statement_floor(pg, rater))
        finally:
            stack.interrupt()
    rating = next(i for i in answer["items"] if i["kind"] == "rating")
    print(f"loaded {args.province:,} people, {args.raters} ratings each, and the rater in {loaded:.0f} s")
    print(f"/me/todo of a rater with {rating['detail']['total']} people to rate ({len(rating['detail']['to_rate'])} "
          f"by name) and {len(answer['items'])} items in all, {args.requests} requests through the gateway: "
          f"p50 {statistics.median(todo) * 1000:.1f} ms, p99 {p(todo, 0.99) * 1000:.1f} ms")
    print(f"  the SQL underneath (the rater's rounds, then their {rows} people): {floor * 1000:.2f} ms "
          f"→ p50 is {statistics.median(todo) / floor:.1f}× it")
    print(f"  GET /api/v1/me (one service call) for the same member: p50 {statistics.median(me) * 1000:.1f} ms, "
          f"p99 {p(me, 0.99) * 1000:.1f} ms → /me/todo's p50 is {statistics.median(todo) / statistics.median(me):.2f}× "
          "it")
    one_hop = statistics.median(hop)
    print(f"  GET /api/v1/scoring/schemes/{{id}} (one hop to scoring, two key lookups) as the administrator: "
          f"p50 {one_hop * 1000:.1f} ms, p99 {p(hop, 0.99) * 1000:.1f} ms → /me/todo's p50 is "
          f"{statistics.median(todo) / (floor + one_hop):.2f}× the SQL plus one hop")


if __name__ == "__main__":
    main()
