"""A unit administrator's "my unit" for a 300-person unit of a province, through the gateway.

    .venv/bin/python bench/me_unit.py [--province 200000] [--unit 300] [--runs 200]

Loads a province into records as bench/summary.py does (people in units of ``--unit``, a quarter
of weekly records and ten days of attendance each), then for the first unit: this week's and last
week's weekly records for two people in three, 600 tasks of which 50 are overdue, a scheme with
the national procedure started, and an open round of the current quarter in which everyone rates
everyone and half the ballots are in (all with COPY). Times GET /api/v1/me/unit as the unit's
administrator (p50 and p99 of ``--runs``) beside the single SQL statements underneath it (who has
not written a weekly record; which raters have someone left to rate), each the best of ten, and
beside ``GET /api/v1/records/units/{id}`` (one hop for one key lookup): the fixed cost of a hop.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sql_floor import fastest_fetch
from summary import load  # the province in records, shared with bench/summary.py

from kaohe.local import start_stack
from scoring import outstanding

DEFINITION = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
              "raters": {"share": "0.2", "groups": {"staff": "1"}}, "missing_inputs": "zero",
              "procedure": "national"}
LOGS_SQL = (
    "SELECT p.id, p.staff_no, p.name, a.section_id, s.name, a.active_from, "
    "EXISTS (SELECT 1 FROM records.work_logs w WHERE w.person_id = p.id AND w.iso_year = $2 AND w.iso_week = $3), "
    "EXISTS (SELECT 1 FROM records.work_logs w WHERE w.person_id = p.id AND w.iso_year = $4 AND w.iso_week = $5) "
    "FROM records.persons p JOIN records.assignments a ON a.person_id = p.id "
    "LEFT JOIN records.sections s ON s.id = a.section_id "
    "WHERE a.unit_id = $1 AND a.active_from <= $6 AND (a.active_to IS NULL OR a.active_to >= $6) ORDER BY p.staff_no")
# the scoring service's own query of the raters still to rate, in asyncpg's placeholders
RATERS_SQL = outstanding.MISSING.text.replace(":ids", "$1")


async def load_unit(database: str, unit_id: str, scheme_id: str,
                    today: date) -> tuple[uuid.UUID, list[tuple[int, int]], int]:
    """The unit's weekly records of this and last week, its tasks and an open round half rated."""
    conn = await asyncpg.connect(database)
    try:
        unit = uuid.UUID(unit_id)
        people = [r["person_id"] for r in await conn.fetch(
            "SELECT person_id FROM records.assignments WHERE unit_id = $1 ORDER BY person_id", unit)]
        monday = today - timedelta(days=today.weekday())
        weeks = [(d.isocalendar()[0], d.isocalendar()[1]) for d in (monday, monday - timedelta(days=7))]
        logs = [(uuid.uuid4(), p, unit, y, w, "纪实", "bench") for i, p in enumerate(people) for y, w in weeks
                if i % 3]
        await conn.copy_records_to_table("work_logs", schema_name="records", records=logs, columns=[
            "id", "person_id", "unit_id", "iso_year", "iso_week", "content", "submitted_by"])
        tasks = [(uuid.uuid4(), people[i % len(people)], unit, f"任务{i}", 1, 1, 1,
                  today - timedelta(days=3) if i < 50 else today + timedelta(days=30), False, "open", 0, "bench")
                 for i in range(600)]
        await conn.copy_records_to_table("tasks", schema_name="records", records=tasks, columns=[
            "id", "person_id", "unit_id", "title", "intensity", "difficulty", "quantity", "due_on", "supervised",
            "status", "progress", "created_by"])
        round_id = uuid.uuid4()
        period = f"{today.year}Q{(today.month - 1) // 3 + 1}"
        await conn.execute("INSERT INTO scoring.rating_rounds (id, scheme_id, period, status, opened_by) "
                           "VALUES ($1, $2, $3, 'open', 'bench')", round_id, uuid.UUID(scheme_id), period)
        await conn.copy_records_to_table("round_raters", schema_name="scoring",
                                         records=[(round_id, p, "staff") for p in people],
                                         columns=["round_id", "rater_id", "rater_group"])
        await conn.copy_records_to_table("round_people", schema_name="scoring",
                                         records=[(round_id, p) for p in people], columns=["round_id", "person_id"])
        ratings = [(round_id, person, rater, "staff", 90) for i, rater in enumerate(people) if i % 2
                   for person in people if person != rater]
        await conn.copy_records_to_table("ratings", schema_name="scoring", records=ratings, columns=[
            "round_id", "person_id", "rater_id", "rater_group", "mark"])
        await conn.execute("ANALYZE")
        return round_id, weeks, len(ratings)
    finally:
        await conn.close()


async def floors(database: str, unit_id: str, round_id: uuid.UUID, weeks: list[tuple[int, int]],
                 today: date) -> tuple[float, float]:
    conn = await asyncpg.connect(database)
    try:
        logs = await fastest_fetch(conn, LOGS_SQL, uuid.UUID(unit_id), *weeks[0], *weeks[1], today, runs=10)
        raters = await fastest_fetch(conn, RATERS_SQL, [round_id], runs=10)
        return logs, raters
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--province", type=int, default=200_000)
    parser.add_argument("--unit", type=int, default=300)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the services' day, in the regions' time zone
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stack = start_stack(root / "home", root / "stack.log", extra_env={"GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "300",
                                                                          # the load outlasts a 15-minute token
                                                                          "GATEWAY_ACCESS_TOKEN_MINUTES": "120",
                                                                          "GATEWAY_RATE_LIMIT": "100000/minute"})
        try:
            stack.wait_ready(90)
            pg = stack.database_url()
            with stack.admin_client(timeout=300) as client:
                region = client.post("/api/v1/records/regions", json={"code": "prov", "name": "省"}).json()
                started = time.perf_counter()
                ids = asyncio.run(load(pg, region["id"], args.province, unit_size=args.unit))
                loaded = time.perf_counter() - started
                unit = ids["county_unit"]
                created = client.post("/api/v1/scoring/schemes", json={
                    "region_id": region["id"], "unit_id": unit, "name": "机关", "definition": DEFINITION})
                assert created.status_code == 201, created.text
                scheme = created.json()
                round_id, weeks, ratings = asyncio.run(load_unit(pg, unit, scheme["id"], today))
                period = f"{today.year}Q{(today.month - 1) // 3 + 1}"
                client.post(f"/api/v1/scoring/schemes/{scheme['id']}/periods/{period}/procedure/advance"
                            ).raise_for_status()
                client.post("/api/v1/admin/users", json={"username": "unit-admin", "password": "bench-password-1",
                                                         "role": "unit_admin", "unit_id": unit}).raise_for_status()
                token = client.post("/api/v1/auth/token", data={"username": "unit-admin",
                                                                 "password": "bench-password-1"}).json()["access_token"]
                client.headers["authorization"] = f"Bearer {token}"
                samples, body = [], {}
                for _ in range(args.runs + 5):
                    begun = time.perf_counter()
                    response = client.get("/api/v1/me/unit")
                    samples.append(time.perf_counter() - begun)
                    response.raise_for_status()
                    body = response.json()
                samples = sorted(samples[5:])
                hop = []
                for _ in range(args.runs + 5):
                    begun = time.perf_counter()
                    client.get(f"/api/v1/records/units/{unit}").raise_for_status()
                    hop.append(time.perf_counter() - begun)
                hop = sorted(hop[5:])
            logs_floor, raters_floor = asyncio.run(floors(pg, unit, round_id, weeks, today))
        finally:
            stack.interrupt()
    p50, p99 = statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    floor = max(logs_floor, raters_floor)
    print(f"loaded {args.province:,} people (units of {args.unit}) in {loaded:.1f} s; the unit's open round holds "
          f"{ratings:,} ratings")
    print(f"/me/unit: {body['people']} people, {len(body['weekly_records'][0]['missing'])} without this week's "
          f"record, {len(body['rating_rounds'][0]['raters_missing'])} raters missing, "
          f"{len(body['overdue_tasks'])} overdue tasks")
    print(f"GET /api/v1/me/unit through the gateway: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms "
          f"({args.runs} runs)")
    print(f"single SQL statements: weekly records {logs_floor * 1000:.1f} ms, raters missing "
          f"{raters_floor * 1000:.1f} ms (they run at once, in two services)")
    print(f"ratio p50 / slower statement: {p50 / floor:.1f}x (aim <= 2x)")
    one_hop = statistics.median(hop)
    print(f"GET /api/v1/records/units/{{id}} (one hop to records, one key lookup) as the same administrator: "
          f"p50 {one_hop * 1000:.1f} ms, p99 {hop[min(len(hop) - 1, int(len(hop) * 0.99))] * 1000:.1f} ms → "
          f"ratio p50 / (slower statement + one hop): {p50 / (floor + one_hop):.2f}x")


if __name__ == "__main__":
    main()
