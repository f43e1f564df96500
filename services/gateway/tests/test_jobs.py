"""Long work as jobs through the real gateway: a large import answered 202, run by a records worker (here in
this event loop, on the real database), followed to its result; a retried POST is the same job; the
gateway's upstream timeout does not bound the work."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from gateway.models import IdempotencyKey
from gateway.testing import TEST_ADMIN, build_gateway_app, followed_job
from records.progress import PROGRESS_ROWS
from shared.service_auth import Caller
from shared.testing import TEST_SECRET, asgi_client, running, service_headers, service_transports, sign_in


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


async def test_a_retried_202_keeps_its_location(gateway: httpx.AsyncClient, large_imports: None,
                                                records_worker: Callable[[], Awaitable[None]]) -> None:
    """The gateway's replay of a kept 202 is the same answer a client acts on: its body and its Location."""
    region_id, code = await _region(gateway)
    sent = {"content": _roster(code, 3), "headers": {"content-type": "application/x-ndjson",
                                                     "idempotency-key": f"r-{code}"}}
    accepted = await gateway.post(f"/api/v1/records/regions/{region_id}/roster/stream", **sent)
    assert accepted.status_code == 202, accepted.text
    again = await gateway.post(f"/api/v1/records/regions/{region_id}/roster/stream", **sent)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (202, "true")
    assert again.json() == accepted.json()
    assert again.headers["location"] == accepted.headers["location"] == accepted.json()["location"]
    await records_worker()
    assert (await followed_job(gateway, again.headers["location"]))["state"] == "succeeded"


async def test_a_202_the_service_kept_is_replayed_with_its_location(
        gateway: httpx.AsyncClient, gateway_app: FastAPI, records_app: FastAPI, large_imports: None,
        records_worker: Callable[[], Awaitable[None]]) -> None:
    """A gateway died after the service accepted a keyed import: the retry, once the key's lease has run out, is
    answered from the service's own store, Location and all, and starts no second job."""
    region_id, code = await _region(gateway)
    key, body = f"s-{code}", _roster(code, 3)
    path = f"/api/v1/records/regions/{region_id}/roster/stream"
    me = (await gateway.get("/api/v1/records/whoami")).json()
    caller = Caller(subject=me["subject"], kind=me["kind"], roles=tuple(me["roles"]))
    async with asgi_client(records_app, headers=service_headers(caller)) as service:
        first = await service.post(path, content=body, headers={"idempotency-key": key,
                                                                 "content-type": "application/x-ndjson"})
    assert first.status_code == 202, first.text
    lease = timedelta(seconds=gateway_app.state.settings.idempotency_lease + 1)
    async with gateway_app.state.sessionmaker() as session:  # the dead gateway's claim, never answered
        session.add(IdempotencyKey(key=key, subject=caller.subject, method="POST", path=f"{path}?",
                                   body_hash=hashlib.sha256(body).hexdigest(), created_at=datetime.now(UTC) - lease))
        await session.commit()
    retried = await gateway.post(path, content=body, headers={"idempotency-key": key,
                                                              "content-type": "application/x-ndjson"})
    assert (retried.status_code, retried.headers["idempotent-replayed"]) == (202, "true"), retried.text
    assert retried.json()["id"] == first.json()["id"]
    assert retried.headers["location"] == first.headers["location"] == first.json()["location"]
    await records_worker()
    assert (await followed_job(gateway, retried.headers["location"]))["state"] == "succeeded"


async def test_a_large_imports_job_counts_its_rows_as_it_writes_them(
        gateway: httpx.AsyncClient, large_imports: None, records_worker: Callable[[], Awaitable[None]],
        database_urls: dict[str, str]) -> None:
    """The job's `done` moves a batch of rows at a time while it checks and writes: the test holds the import at its
    first new person (the people's table kept from being written) and finds the rows before it counted."""
    region_id, code = await _region(gateway)
    path = f"/api/v1/records/regions/{region_id}/roster/stream"
    known = 2 * PROGRESS_ROWS
    await records_worker()
    first = await gateway.post(path, content=_roster(code, known), headers={"content-type": "application/x-ndjson"})
    assert (await followed_job(gateway, first.headers["location"]))["state"] == "succeeded"
    holder = await asyncpg.connect(database_urls["records"])
    try:
        holding = holder.transaction()
        await holding.start()
        await holder.execute("LOCK TABLE records.persons IN SHARE ROW EXCLUSIVE MODE")  # reads pass, writes wait
        accepted = await gateway.post(path, content=_roster(code, known + 20),
                                      headers={"content-type": "application/x-ndjson"})
        assert accepted.status_code == 202, accepted.text
        seen = []
        for _ in range(1200):
            job = (await gateway.get(accepted.headers["location"])).json()
            seen.append(job["done"])
            if job["done"] >= known or job["state"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.05)
        assert (job["state"], job["phase"], job["done"], job["total"]) == (
            "running", "checking and writing", known, known + 20), job
        assert seen == sorted(seen)
        await holding.rollback()
    finally:
        await holder.close()
    ended = await followed_job(gateway, accepted.headers["location"])
    assert (ended["state"], ended["done"], ended["total"]) == ("succeeded", known + 20, known + 20)
    assert (ended["result"]["added"], ended["result"]["unchanged"]) == (20, known)


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    """A body sent in chunks, without a Content-Length."""
    for start in range(0, len(body), 100):
        yield body[start:start + 100]


async def test_a_stream_sent_in_chunks_is_a_job_once_it_is_read_past_the_size(
        gateway: httpx.AsyncClient, records_app: FastAPI, monkeypatch: pytest.MonkeyPatch,
        records_worker: Callable[[], Awaitable[None]]) -> None:
    """Without a Content-Length the service decides as it reads: a stream that ends before RECORDS_IMPORT_JOB_BYTES is
    imported in the request, one that passes it goes to a job with every byte."""
    monkeypatch.setattr(records_app.state.settings, "import_job_bytes", 1000)
    monkeypatch.setattr(records_app.state.settings, "job_wait_seconds", 0)
    region_id, code = await _region(gateway)
    path = f"/api/v1/records/regions/{region_id}/roster/stream"
    me = (await gateway.get("/api/v1/records/whoami")).json()
    caller = Caller(subject=me["subject"], kind=me["kind"], roles=tuple(me["roles"]))
    small, large = _roster(code, 3), _roster(code, 40)
    assert len(small) < 1000 < len(large)
    ndjson = {"content-type": "application/x-ndjson"}
    async with asgi_client(records_app, headers=service_headers(caller)) as service:
        done = await service.post(path, content=_chunks(small), headers=ndjson)
        assert "content-length" not in done.request.headers
        assert (done.status_code, done.json()["added"]) == (200, 3), done.text
        accepted = await service.post(path, content=_chunks(large), headers=ndjson)
    assert accepted.status_code == 202, accepted.text
    await records_worker()
    ended = await followed_job(gateway, accepted.headers["location"])
    assert (ended["state"], ended["result"]["added"], ended["result"]["unchanged"]) == ("succeeded", 37, 3), ended


async def test_large_task_and_attendance_imports_are_jobs_that_end_with_every_row_counted(
        gateway: httpx.AsyncClient, large_imports: None, records_worker: Callable[[], Awaitable[None]]) -> None:
    region_id, code = await _region(gateway)
    people = 30
    await records_worker()
    roster = await gateway.post(f"/api/v1/records/regions/{region_id}/roster/stream", content=_roster(code, people),
                                headers={"content-type": "application/x-ndjson"})
    assert (await followed_job(gateway, roster.headers["location"]))["state"] == "succeeded"
    tasks = "".join(f'{{"staff_no": "{code}{n:04d}", "title": "任务{n}", "intensity": "1", "difficulty": "1", '
                    f'"quantity": "1", "due_on": "2025-06-30"}}\n' for n in range(people)).encode()
    days = "".join(f'{{"staff_no": "{code}{n:04d}", "day": "2025-03-0{d}", "status": "present"}}\n'
                   for n in range(people) for d in (3, 4)).encode()
    for path, body, rows, added in (("/api/v1/records/tasks/stream", tasks, people, "added"),
                                    ("/api/v1/records/attendance/stream", days, 2 * people, "inserted")):
        accepted = await gateway.post(path, content=body, headers={"content-type": "application/x-ndjson"})
        assert accepted.status_code == 202, accepted.text
        ended = await followed_job(gateway, accepted.headers["location"])
        assert (ended["state"], ended["done"], ended["total"], ended["result"][added]) == (
            "succeeded", rows, rows, rows), ended


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
