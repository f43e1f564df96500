"""Two processes of every service, as two replicas behind a load balancer would be (``KAOHE_WORKERS=2``:
uvicorn's workers on one port, each with its own memory, caches and database pool): the same close,
the same publish and the same keyed write, each sent many times at once, still happen exactly once,
counted in the database; the requests that lost get the answer their route documents."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
import pytest

from kaohe.local import LocalStack, running_stack
from kaohe.stack import DEMO_ADMIN

pytestmark = pytest.mark.stack

AT_ONCE = 8
SCHEME = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}]}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, stack_home: Callable[[Path], Path]) -> Iterator[LocalStack]:
    root = tmp_path_factory.mktemp("replicas")
    # long-lived access tokens: one sign-in for the module
    with running_stack(stack_home(root / "home"), root / "stack.log",
                       extra_env={"KAOHE_WORKERS": "2", "GATEWAY_RATE_LIMIT": "1000000/minute",
                                  "GATEWAY_ACCESS_TOKEN_MINUTES": "240"}, within=180) as running:
        yield running


def workers(stack: LocalStack, service: str) -> list[psutil.Process]:
    """The processes serving ``service``'s port: uvicorn's workers under the process ``kaohe run`` started."""
    return [child for child in psutil.Process(stack.pid(service)).children()
            if "spawn_main" in " ".join(child.cmdline())]


async def _ok(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def unit_with_marks(client: httpx.AsyncClient) -> tuple[str, str]:
    """A unit with two people, and its scheme with a mark each for 2025Q1: (unit id, scheme id)."""
    tag = uuid.uuid4().hex[:6]
    region = (await _ok(await client.post("/api/v1/records/regions", json={"code": tag, "name": "区"})))["id"]
    unit = (await _ok(await client.post("/api/v1/records/units", json={
        "region_id": region, "code": "T1", "name": "镇", "kind": "township"})))["id"]
    people = [(await _ok(await client.post("/api/v1/records/persons", json={
        "unit_id": unit, "staff_no": f"{tag}-{n}", "name": f"人{n}", "staff_category": "staff",
        "active_from": "2024-01-01"})))["id"] for n in range(2)]
    scheme = (await _ok(await client.post("/api/v1/scoring/schemes", json={
        "region_id": region, "unit_id": unit, "name": "机关", "definition": SCHEME})))["id"]
    await _ok(await client.put(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q1/marks", json={
        "marks": [{"person_id": p, "indicator": "ji", "mark": 80 + n} for n, p in enumerate(people)]}), 200)
    return unit, scheme


def statuses(answers: list[httpx.Response]) -> Counter[str]:
    return Counter(f"{a.status_code} {a.json().get('code') if a.status_code >= 400 else ''}".strip()
                   for a in answers)


@asynccontextmanager
async def signed_in(stack: LocalStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=120) as client:
        token = await _ok(await client.post("/api/v1/auth/token", data=dict(
            zip(("username", "password"), DEMO_ADMIN, strict=True))), 200)
        client.headers["authorization"] = f"Bearer {token['access_token']}"
        yield client


def test_every_service_runs_two_processes(stack: LocalStack) -> None:
    for service in ("gateway", "records", "scoring", "quota"):
        assert len(workers(stack, service)) == 2, service


async def test_one_close_and_one_publish_however_many_are_sent_at_once(stack: LocalStack) -> None:
    async with signed_in(stack) as client:
        _, scheme = await unit_with_marks(client)
        closing = f"/api/v1/scoring/schemes/{scheme}/periods/2025Q1/close"
        closes = await asyncio.gather(*(client.post(closing) for _ in range(AT_ONCE)))
        # the first stores version 1; the others, queued on the scheme's lock, find it with the same inputs
        assert statuses(closes) == {"201": 1, "200": AT_ONCE - 1}, [a.text for a in closes]
        assert len({a.json()["id"] for a in closes}) == 1
        close_id = closes[0].json()["id"]
        publishes = await asyncio.gather(*(client.post(f"/api/v1/scoring/results/{close_id}/publish")
                                           for _ in range(AT_ONCE)))
        assert statuses(publishes) == {"200": 1, "409 already_published": AT_ONCE - 1}, \
            [a.text for a in publishes]
    conn = await asyncpg.connect(stack.database_url())
    try:
        versions = await conn.fetch("SELECT id, published_at FROM scoring.closes WHERE scheme_id = $1 "
                                    "AND period = '2025Q1'", uuid.UUID(scheme))
        told = await conn.fetch("SELECT region_id IS NOT NULL AS to_region, count(*) FROM scoring.events "
                                "WHERE kind = 'result_published' AND payload->>'close_id' = $1 "
                                "GROUP BY 1 ORDER BY 1", close_id)
    finally:
        await conn.close()
    assert [(str(v["id"]), v["published_at"] is not None) for v in versions] == [(close_id, True)]
    assert [(t["to_region"], t["count"]) for t in told] == [(False, 1), (True, 1)]  # the unit, the region: once


async def test_one_row_for_one_idempotency_key_sent_many_times_at_once(stack: LocalStack) -> None:
    key, title = str(uuid.uuid4()), f"replicas-{uuid.uuid4().hex[:8]}"
    async with signed_in(stack) as client:
        unit, _ = await unit_with_marks(client)

        async def send() -> httpx.Response:
            return await client.post("/api/v1/records/honours", headers={"idempotency-key": key}, json={
                "unit_id": unit, "title": title, "level": "county", "awarded_on": "2026-01-15",
                "awarded_by": "两副本", "evidence": "replicas"})

        first = await asyncio.gather(*(send() for _ in range(AT_ONCE)))
        again = await send()  # after all have finished: the kept answer
    # one wrote; the others came while it was in flight (409) or after it (its answer, replayed)
    created = [a for a in first if a.status_code == 201]
    assert set(statuses(first)) <= {"201", "409 idempotency_key_in_flight"}, [a.text for a in first]
    assert sum(a.headers.get("idempotent-replayed") != "true" for a in created) == 1
    assert {a.json()["id"] for a in created} == {again.json()["id"]}
    assert (again.status_code, again.headers.get("idempotent-replayed")) == (201, "true")
    conn = await asyncpg.connect(stack.database_url())
    try:
        rows = await conn.fetchval("SELECT count(*) FROM records.honours WHERE title = $1", title)
    finally:
        await conn.close()
    assert rows == 1


def test_both_processes_of_the_services_took_requests(stack: LocalStack) -> None:
    """Each worker that answered a request keeps its database connections pooled: after the tests above,
    both processes of records and of scoring hold some (the requests were shared between them)."""
    for service in ("records", "scoring"):
        pooled = [sum(1 for c in worker.net_connections(kind="tcp")
                      if c.raddr and c.raddr.port == stack.ports["pg"] and c.status == psutil.CONN_ESTABLISHED)
                  for worker in workers(stack, service)]
        assert len(pooled) == 2 and all(pooled), (service, pooled)
