"""The department's progress view (GET /regions/{id}/progress) for a county and a province, through the gateway.

    .venv/bin/python bench/progress.py [--county 2000] [--province 200000] [--runs 20]

Loads each region into records as bench/summary.py does (a quarter of weekly records and ten days
of attendance per person; a county in units of 25 like the demo county's, a province in units of
300), with one scheme for the region's evaluation group and one for its first unit, the first
closed with marks for everyone; then times the progress view of 2025Q1 (p50 of ``--runs``) beside
the single SQL statement underneath its records side (weekly records of the quarter counted per
unit of the region), the best of five.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sql_floor import fastest_fetch
from summary import load  # a region's people in records, shared with bench/summary.py

from kaohe.local import start_stack

DEFINITION = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
              "raters": {"share": "0.2", "groups": {"staff": "1"}}, "missing_inputs": "zero",
              "grades": {"caps": [{"grade": "good", "max_share": "0.4"}]}}
FLOOR_SQL = ("SELECT a.unit_id, count(*) FROM records.assignments a "
             "JOIN records.work_logs w ON w.person_id = a.person_id JOIN records.units u ON u.id = a.unit_id "
             "WHERE u.region_id = $1 AND w.iso_year = 2025 "
             "AND w.iso_week BETWEEN 1 AND 13 GROUP BY a.unit_id")


async def floor(database: str, region_id: str) -> float:
    conn = await asyncpg.connect(database)
    try:
        return await fastest_fetch(conn, FLOOR_SQL, uuid.UUID(region_id), runs=5)
    finally:
        await conn.close()


def region(client: httpx.Client, pg: str, code: str, people: int, unit_size: int, runs: int) -> None:
    made = client.post("/api/v1/records/regions", json={"code": code, "name": code}).json()
    started = time.perf_counter()
    ids = asyncio.run(load(pg, made["id"], people, unit_size=unit_size))
    loaded = time.perf_counter() - started
    group = client.post("/api/v1/scoring/schemes", json={"region_id": made["id"], "group": "G", "name": "全体",
                                                          "definition": DEFINITION})
    group.raise_for_status()
    unit = client.post("/api/v1/scoring/schemes", json={"region_id": made["id"], "unit_id": ids["county_unit"],
                                                         "name": "机关", "definition": DEFINITION}).json()
    client.post(f"/api/v1/scoring/schemes/{unit['id']}/periods/2025Q1/close").raise_for_status()
    samples, body = [], {}
    for _ in range(runs + 2):
        begun = time.perf_counter()
        response = client.get(f"/api/v1/scoring/regions/{made['id']}/progress", params={"period": "2025Q1"})
        samples.append(time.perf_counter() - begun)
        response.raise_for_status()
        body = response.json()
    p50 = statistics.median(samples[2:])
    best = asyncio.run(floor(pg, made["id"]))
    print(f"{code}: {people:,} people in {people // unit_size:,} units (loaded in {loaded:.1f} s); "
          f"{body['counts']['units']} rows, {body['counts']['late']} late")
    print(f"  GET progress through the gateway: p50 {p50 * 1000:.1f} ms ({runs} runs); single SQL statement "
          f"(records written per unit) {best * 1000:.1f} ms; ratio {p50 / best:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--county", type=int, default=2_000)
    parser.add_argument("--province", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    for code, people, unit_size, runs in (("county", args.county, 25, args.runs),
                                          ("province", args.province, 300, max(3, args.runs // 4))):
        with tempfile.TemporaryDirectory() as tmp:  # a stack each: the loader's staff numbers start at S0000000
            root = Path(tmp)
            stack = start_stack(root / "home", root / "stack.log", extra_env={
                "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "300", "GATEWAY_RATE_LIMIT": "100000/minute"})
            try:
                stack.wait_ready(90)
                with stack.admin_client(timeout=300) as client:
                    region(client, stack.database_url(), code, people, unit_size, runs)
            finally:
                stack.interrupt()


if __name__ == "__main__":
    main()
