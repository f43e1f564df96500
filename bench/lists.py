"""List routes through the gateway under load, beside bench/gateway.py's cheapest GET.

    .venv/bin/python bench/lists.py [--seconds 10]     # needs wrk (apt-get install wrk)

A unit of 100 people; then wrk (32 connections, 2 threads, then one connection) on the unit's
members for a quarter (100 rows, the caller's scope checked at the gateway and in records) and
on the units of a region. Prints requests/s and p50/p99, the figures deploy/CAPACITY.md plans with.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from loadgen import wrk  # bench/loadgen.py, beside this file

from kaohe.local import start_stack

PEOPLE = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stack = start_stack(root / "home", root / "stack.log", extra_env={"GATEWAY_RATE_LIMIT": "100000000/minute"})
        try:
            stack.wait_ready(90)
            client = stack.admin_client(timeout=60)
            region = client.post("/api/v1/records/regions", json={"code": "lists", "name": "区"}).json()
            unit = client.post("/api/v1/records/units", json={
                "region_id": region["id"], "code": "U1", "name": "单位", "kind": "township"}).json()
            for i in range(PEOPLE):
                response = client.post("/api/v1/records/persons", json={
                    "unit_id": unit["id"], "staff_no": f"S{i:04d}", "name": f"人员{i}", "staff_category": "staff",
                    "active_from": "2024-01-01"})
                assert response.status_code == 201, response.text
            routes = {
                f"members of a unit ({PEOPLE} rows)":
                    f"{stack.gateway}/api/v1/records/units/{unit['id']}/members?period=2025Q1&limit={PEOPLE}",
                "units of a region": f"{stack.gateway}/api/v1/records/units?region_id={region['id']}",
            }
            headers = {"Authorization": client.headers["authorization"]}
            for name, url in routes.items():
                assert client.get(url).status_code == 200, name
                loaded = wrk(url, headers, connections=32, seconds=args.seconds)
                idle = wrk(url, headers, connections=1, seconds=max(3, args.seconds // 2))
                print(f"{name}: {loaded['rps']:.0f} requests/s, p50 {loaded['p50']:.1f} ms, p99 {loaded['p99']:.1f} ms "
                      f"(32 connections); one connection p50 {idle['p50']:.1f} ms")
        finally:
            stack.interrupt()


if __name__ == "__main__":
    main()
