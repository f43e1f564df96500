"""Fault drills on the real stack: PostgreSQL stopped and started under write load. (A service killed
under load: test_drill_service_killed.py.)"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from kaohe.local import LocalStack, start_stack
from shared.embedded_pg import EmbeddedPostgres

pytestmark = pytest.mark.stack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    running = start_stack(tmp_path / "home", tmp_path / "stack.log", extra_env={"GATEWAY_RATE_LIMIT": "1000000/minute"})
    try:
        running.wait_ready(90)
        yield running
    finally:
        running.interrupt()


def wait_for(url: str, status: int, within: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            if httpx.get(url, timeout=2).status_code == status:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} within {within} s")


async def test_database_outage_under_writes(stack: LocalStack) -> None:
    client = httpx.Client(base_url=stack.gateway, timeout=10)
    token = client.post("/api/v1/auth/token", data={"username": "admin", "password": "kaohe-demo-admin"}).json()
    client.headers["authorization"] = f"Bearer {token['access_token']}"
    region = client.post("/api/v1/records/regions", json={"code": "drill", "name": "演练"}).json()["id"]
    acknowledged: list[str] = []
    refused: list[int] = []

    def write(n: int) -> None:
        for _ in range(n):
            code = uuid.uuid4().hex[:12]
            response = client.post("/api/v1/records/units", json={"region_id": region, "code": code, "name": "单位",
                                                                  "kind": "street"})
            if response.status_code == 201:
                acknowledged.append(code)
            else:
                refused.append(response.status_code)
                assert response.headers["content-type"] == "application/problem+json"

    write(20)
    database = EmbeddedPostgres(stack.home / "pgdata", port=stack.ports["pg"])
    database.stop()
    try:
        write(10)
        assert refused and set(refused) <= {503}, refused  # a clear 503 during the outage
        assert httpx.get(f"{stack.gateway}/readyz").status_code == 503
    finally:
        database.start()
    recovered = wait_for(f"{stack.gateway}/readyz", 200, 30)
    stack.wait_ready(30)  # the gateway is ready on its own database; the services too
    write(20)
    client.close()
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{stack.ports['pg']}/kaohe")
    try:
        stored = [r["code"] for r in await conn.fetch("SELECT code FROM records.units WHERE code = ANY($1::text[])",
                                                      acknowledged)]
    finally:
        await conn.close()
    assert sorted(stored) == sorted(acknowledged)  # every acknowledged write is there, none twice
    assert len(acknowledged) == 40 and len(refused) == 10
    print(f"outage: {len(refused)} writes refused with 503, ready again {recovered:.1f} s after restart")
