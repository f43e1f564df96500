"""Long work as jobs through the real gateway: a large import answered 202, run by a records worker (here in
this event loop, on the real database), followed to its result; a retried POST is the same job; the
gateway's upstream timeout does not bound the work."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN, build_gateway_app, followed_job
from shared.testing import TEST_SECRET, asgi_client, running, service_transports, sign_in


@pytest.fixture
def large_imports(records_app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import is large enough to be a job, and the call does not wait for it."""
    monkeypatch.setattr(records_app.state.settings, "import_job_bytes", 0)
    monkeypatch.setattr(records_app.state.settings, "job_wait_seconds", 0)


async def _region(client: httpx.AsyncClient) -> tuple[str, str]:
    code = f"j{uuid.uuid4().hex[:6]}"
    region = await client.post("/api/v1/records/regions", json={"code": code, "name": f"任务{code}"})
    assert region.status_code == 201, region.text
    unit = await client.post("/api/v1/records/units", json={"region_id": region.json()["id"], "code": "JU",
                                                             "name": "任务镇", "kind": "township"})
    assert unit.status_code == 201, unit.text
    return region.json()["id"], code


def _roster(code: str, people: int) -> bytes:
    return "".join(f'{{"staff_no": "{code}{n:04d}", "name": "人{n}", "unit": "JU", "category": "staff", '
                   f'"active_from": "2025-01-01"}}\n' for n in range(people)).encode()


async def test_a_large_import_is_a_job_followed_to_its_result(gateway: httpx.AsyncClient, large_imports: None,
                                                                records_worker: Callable[[], Awaitable[None]]) -> None:
    region_id, code = await _region(gateway)
    body = _roster(code, 40)
    sent = {"content": body, "headers": {"content-type": "application/x-ndjson", "idempotency-key": f"k-{code}"}}
    accepted = await gateway.post(f"/api/v1/records/regions/{region_id}/roster/stream", **sent)
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert accepted.headers["location"] == job["location"] == f"/api/v1/records/jobs/{job['id']}"
    assert (job["kind"], job["state"], job["region_id"]) == ("records.import_roster", "queued", region_id)

    again = await gateway.post(f"/api/v1/records/regions/{region_id}/roster/stream", **sent)
    assert again.status_code == 202 and again.json()["id"] == job["id"]  # a retry never starts a second import
    listed = await gateway.get("/api/v1/records/jobs", params={"limit": 500})
    assert [j["id"] for j in listed.json()["items"]].count(job["id"]) == 1

    await records_worker()
    ended = await followed_job(gateway, accepted.headers["location"])
    assert ended["state"] == "succeeded", ended
    assert (ended["result"]["added"], ended["result"]["dry_run"], ended["done"], ended["total"]) == (40, False, 40, 40)
    members = await gateway.get("/api/v1/records/persons/search", params={"q": f"{code}0039"})
    assert [p["staff_no"] for p in members.json()["items"]] == [f"{code}0039"]


async def test_a_rejected_large_import_writes_nothing_and_its_job_holds_the_problem(
        gateway: httpx.AsyncClient, large_imports: None, records_worker: Callable[[], Awaitable[None]]) -> None:
    region_id, code = await _region(gateway)
    body = _roster(code, 5) + b'{"staff_no": "", "name": "", "unit": "NOPE", "category": "staff"}\n'
    accepted = await gateway.post(f"/api/v1/records/regions/{region_id}/roster/stream", content=body,
                                  headers={"content-type": "application/x-ndjson"})
    assert accepted.status_code == 202, accepted.text
    await records_worker()
    ended = await followed_job(gateway, accepted.headers["location"])
    assert ended["state"] == "failed" and ended["result"] is None
    assert (ended["problem"]["status"], ended["problem"]["code"]) == (422, "import_rejected")
    members = await gateway.get("/api/v1/records/persons/search", params={"q": f"{code}0001"})
    assert members.json()["items"] == []  # all or nothing


async def test_a_cancelled_queued_import_never_runs(gateway: httpx.AsyncClient, large_imports: None,
                                                    records_worker: Callable[[], Awaitable[None]]) -> None:
    region_id, code = await _region(gateway)
    accepted = await gateway.post(f"/api/v1/records/regions/{region_id}/roster/stream", content=_roster(code, 3),
                                  headers={"content-type": "application/x-ndjson"})
    cancelled = await gateway.post(f"{accepted.headers['location']}/cancel")
    assert (cancelled.status_code, cancelled.json()["state"]) == (200, "cancelled")
    again = await gateway.post(f"{accepted.headers['location']}/cancel")
    assert (again.status_code, again.json()["code"]) == (409, "job_finished")
    await records_worker()
    await asyncio.sleep(0.3)  # the worker picks the queue entry and lets it go
    assert (await gateway.get(accepted.headers["location"])).json()["state"] == "cancelled"
    members = await gateway.get("/api/v1/records/persons/search", params={"q": f"{code}0001"})
    assert members.json()["items"] == []


async def test_the_upstream_timeout_does_not_bound_the_import(
        records_app: FastAPI, scoring_app: FastAPI, quota_app: FastAPI, database_urls: dict[str, str],
        large_imports: None, records_worker: Callable[[], Awaitable[None]]) -> None:
    """Behind a gateway that waits a tenth of a second for a service, the import is accepted, then runs to its
    end in the worker, started only after the call was answered."""
    transports = service_transports(("records", records_app), ("scoring", scoring_app), ("quota", quota_app))
    impatient = build_gateway_app(transports, database_url=database_urls["gateway"], upstream_timeout_seconds=0.1)
    async with running(impatient), asgi_client(impatient) as client:
        client.headers.update(await sign_in(client, *TEST_ADMIN))
        region_id, code = await _region(client)
        accepted = await client.post(f"/api/v1/records/regions/{region_id}/roster/stream",
                                     content=_roster(code, 200), headers={"content-type": "application/x-ndjson"})
        assert accepted.status_code == 202, accepted.text
        await records_worker()
        ended = await followed_job(client, accepted.headers["location"])
    assert (ended["state"], ended["result"]["added"]) == ("succeeded", 200)


async def test_another_regions_administrator_does_not_find_the_job(
        gateway: httpx.AsyncClient, gateway_app: FastAPI, large_imports: None) -> None:
    region_id, code = await _region(gateway)
    other_id, _ = await _region(gateway)
    accepted = await gateway.post(f"/api/v1/records/regions/{region_id}/roster/stream", content=_roster(code, 2),
                                  headers={"content-type": "application/x-ndjson"})
    password = "correct-horse-battery-staple"
    for name, region in (("own", region_id), ("other", other_id)):
        made = await gateway.post("/api/v1/admin/users", json={"username": f"{name}-{code}", "password": password,
                                                               "role": "region_admin", "region_id": region})
        assert made.status_code == 201, made.text
    async with asgi_client(gateway_app) as client:
        own = await sign_in(client, f"own-{code}", password)
        other = await sign_in(client, f"other-{code}", password)
        assert (await client.get(accepted.headers["location"], headers=own)).status_code == 200
        assert (await client.get(accepted.headers["location"], headers=other)).status_code == 404
        assert (await client.post(f"{accepted.headers['location']}/cancel", headers=other)).status_code == 404
        listed = await client.get("/api/v1/records/jobs", headers=other)
        assert accepted.json()["id"] not in listed.text
    await gateway.post(f"{accepted.headers['location']}/cancel")



def _worker_process(database_urls: dict[str, str]) -> subprocess.Popen[bytes]:
    """A real records worker process (as `kaohe run` starts one), whose heartbeat goes stale in 2 s."""
    env = {**os.environ, "RECORDS_DATABASE_URL": database_urls["records"], "KAOHE_SERVICE_SECRET": TEST_SECRET,
           "KAOHE_JOB_HEARTBEAT_SECONDS": "2", "KAOHE_LOG_FORMAT": "text"}
    return subprocess.Popen([sys.executable, "-m", "shared.jobs.worker", "records"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_a_worker_killed_in_the_middle_of_an_import_leaves_it_to_another(
        gateway: httpx.AsyncClient, large_imports: None, database_urls: dict[str, str]) -> None:
    """The first worker is held inside the import (the test keeps the people's table from being written), then
    killed: nothing of its half is visible, and a second worker takes the job over once the first's heartbeat
    is stale and imports everyone exactly once."""
    region_id, code = await _region(gateway)
    accepted = await gateway.post(f"/api/v1/records/regions/{region_id}/roster/stream", content=_roster(code, 30),
                                  headers={"content-type": "application/x-ndjson"})
    holder = await asyncpg.connect(database_urls["records"])
    first = second = None
    try:
        holding = holder.transaction()
        await holding.start()
        await holder.execute("LOCK TABLE records.persons IN SHARE ROW EXCLUSIVE MODE")  # reads pass, writes wait
        first = _worker_process(database_urls)
        for _ in range(1200):
            job = (await gateway.get(accepted.headers["location"])).json()
            if job["phase"] == "checking and writing":
                break
            await asyncio.sleep(0.1)
        assert job["state"] == "running", job
        first.kill()
        first.wait()
        await holding.rollback()
        second = _worker_process(database_urls)
        # followed longer: a worker process starts, and the job's heartbeat goes stale before it is taken over
        ended = await followed_job(gateway, accepted.headers["location"], polls=1200, pause=0.1)
    finally:
        await holder.close()
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait()
    assert (ended["state"], ended["result"]["added"]) == ("succeeded", 30), ended
    people = await gateway.get("/api/v1/records/persons/search", params={"q": code, "limit": 100})
    assert sorted(p["staff_no"] for p in people.json()["items"]) == [f"{code}{n:04d}" for n in range(30)]
    conn = await asyncpg.connect(database_urls["records"])
    try:
        attempts = await conn.fetchval("SELECT attempts FROM records.jobs WHERE id = $1", uuid.UUID(ended["id"]))
        announced = await conn.fetchval("SELECT count(*) FROM records.events WHERE kind = 'job_finished' "
                                        "AND payload->>'job_id' = $1", ended["id"])
    finally:
        await conn.close()
    assert (attempts, announced) == (2, 1)


async def test_a_worker_stopped_with_sigterm_finishes_its_import_first(
        gateway: httpx.AsyncClient, large_imports: None, database_urls: dict[str, str]) -> None:
    """SIGTERM (a deployment rolling, Ctrl-C of the stack) in the middle of an import: the worker takes no new job,
    finishes the one under way, and exits cleanly."""
    region_id, code = await _region(gateway)
    accepted = await gateway.post(f"/api/v1/records/regions/{region_id}/roster/stream", content=_roster(code, 10),
                                  headers={"content-type": "application/x-ndjson"})
    holder = await asyncpg.connect(database_urls["records"])
    process = None
    try:
        holding = holder.transaction()
        await holding.start()
        await holder.execute("LOCK TABLE records.persons IN SHARE ROW EXCLUSIVE MODE")
        process = _worker_process(database_urls)
        for _ in range(1200):
            job = (await gateway.get(accepted.headers["location"])).json()
            if job["phase"] == "checking and writing":
                break
            await asyncio.sleep(0.1)
        assert job["state"] == "running", job
        process.terminate()
        await holding.rollback()
        code_returned = await asyncio.to_thread(process.wait, 120)
    finally:
        await holder.close()
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
    assert code_returned == 0
    ended = (await gateway.get(accepted.headers["location"])).json()
    assert (ended["state"], ended["result"]["added"]) == ("succeeded", 10), ended
