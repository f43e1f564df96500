"""The period summary at county and province scale, through the gateway.

    .venv/bin/python bench/summary.py [--province 200000]

Loads people, placements, a quarter's weekly records and ten days of attendance each straight
into the records tables with COPY (the summary is what is measured, not the loading), then
times GET /units/{id}/summary for a 2,000-person unit and the evaluation-group summary for a
200,000-person group, and compares the county call with one SQL aggregate of the same
attendance (the floor for any summary).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
from sql_floor import fastest_fetch  # bench/sql_floor.py, beside this file

from kaohe.local import start_stack

STATUSES = ("present", "present", "present", "business_trip", "sick_leave", "personal_leave")


async def print_sizes(conn: asyncpg.Connection, schema: str) -> None:
    """Each table of a schema: its rows and its size on disk with its indexes (after ANALYZE)."""
    await conn.execute("ANALYZE")
    sizes = await conn.fetch(
        "SELECT c.relname, c.reltuples::bigint AS rows, pg_total_relation_size(c.oid) AS bytes "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY bytes DESC", schema)
    for row in sizes:
        per_row = f"{row['bytes'] / row['rows']:>6.0f} B a row" if row["rows"] > 0 else ""
        print(f"  {schema}.{row['relname']:<20} {row['rows']:>12,} rows {row['bytes'] / 2**20:>10.1f} MB {per_row}")


async def load(database: str, region_id: str, people: int, *, unit_size: int) -> dict[str, str]:
    conn = await asyncpg.connect(database)
    try:
        units = []
        for start in range(0, people, unit_size):
            units.append((uuid.uuid4(), uuid.UUID(region_id), f"U{start // unit_size:05d}", "单位", "department", "G"))
        await conn.copy_records_to_table("units", schema_name="records", records=units,
                                         columns=["id", "region_id", "code", "name", "kind", "evaluation_group"])
        persons, placements, logs, days = [], [], [], []
        quarter = [date(2025, 1, 6) + timedelta(weeks=w) for w in range(12)]
        for i in range(people):
            pid, unit = uuid.uuid4(), units[i // unit_size][0]
            persons.append((pid, f"S{i:07d}", f"人{i}"))
            placements.append((uuid.uuid4(), pid, unit, "staff", date(2024, 1, 1)))
            for w, monday in enumerate(quarter):
                if (i + w) % 5:
                    year, week, _ = monday.isocalendar()
                    logs.append((uuid.uuid4(), pid, unit, year, week, "纪实", "bench", monday + timedelta(days=6)))
            for d in range(10):
                days.append((pid, date(2025, 1, 6) + timedelta(days=d), unit, STATUSES[(i + d) % len(STATUSES)]))
        await conn.copy_records_to_table("persons", schema_name="records", records=persons,
                                         columns=["id", "staff_no", "name"])
        await conn.copy_records_to_table("assignments", schema_name="records", records=placements,
                                         columns=["id", "person_id", "unit_id", "staff_category", "active_from"])
        await conn.copy_records_to_table("work_logs", schema_name="records", records=logs, columns=[
            "id", "person_id", "unit_id", "iso_year", "iso_week", "content", "submitted_by", "submitted_at"])
        await conn.copy_records_to_table("attendance", schema_name="records", records=days,
                                         columns=["person_id", "day", "unit_id", "status"])
        await print_sizes(conn, "records")
        return {"county_unit": str(units[0][0])}
    finally:
        await conn.close()


async def sql_floor(database: str, unit_id: str) -> float:
    conn = await asyncpg.connect(database)
    try:
        return await fastest_fetch(conn, "SELECT person_id, status, count(*) FROM records.attendance "
                                   "WHERE unit_id = $1 AND day BETWEEN '2025-01-01' AND '2025-03-31' GROUP BY 1, 2",
                                   uuid.UUID(unit_id), runs=5)
    finally:
        await conn.close()


def timed(client: httpx.Client, url: str, params: dict[str, str], runs: int) -> tuple[float, int]:
    samples, people = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params=params)
        samples.append(time.perf_counter() - started)
        response.raise_for_status()
        people = len(response.json()["people"])
    return statistics.median(samples), people


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--province", type=int, default=200_000)
    parser.add_argument("--county", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stack = start_stack(root / "home", root / "stack.log", extra_env={"GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "300"})
        try:
            stack.wait_ready(90)
            with stack.admin_client(timeout=300) as client:
                region = client.post("/api/v1/records/regions", json={"code": "prov", "name": "省"}).json()
                started = time.perf_counter()
                ids = asyncio.run(load(stack.database_url(), region["id"], args.province, unit_size=args.county))
                loaded = time.perf_counter() - started
                period = {"period": "2025Q1"}
                county, county_people = timed(client, f"/api/v1/records/units/{ids['county_unit']}/summary", period, 5)
                province, province_people = timed(
                    client, f"/api/v1/records/regions/{region['id']}/groups/G/summary", period, 1)
            floor = asyncio.run(sql_floor(stack.database_url(), ids["county_unit"]))
        finally:
            stack.interrupt()
    print(f"loaded {args.province:,} people with a quarter of weekly records and 10 days of attendance "
          f"each in {loaded:.1f} s")
    print(f"county unit summary ({county_people:,} people): {county * 1000:.0f} ms through the gateway "
          f"(target < 1 s); one SQL aggregate of its attendance alone: {floor * 1000:.0f} ms")
    print(f"province-sized group summary ({province_people:,} people): {province:.2f} s")


if __name__ == "__main__":
    main()
