"""Fault drills on the real stack: PostgreSQL stopped and started under write load; a service
killed and restarted while the gateway is under load."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from gateway.config import GatewaySettings
from kaohe.config import StackSettings
from kaohe.local import LocalStack, free_ports, start_stack
from kaohe.stack import migrate, plan
from shared.embedded_pg import EmbeddedPostgres
from shared.provision import drop_database, provision

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
    token = client.post("/api/v1/auth/token", data={"username": "admin", "password": "kaohe-demo-first"}).json()
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


# ------------------------------------------------------------------ a service killed under load

UPSTREAM_TIMEOUT = GatewaySettings.model_fields["upstream_timeout_seconds"].default
FAIL_FAST_BOUND = UPSTREAM_TIMEOUT + 5  # a generous bound: in practice a refused connection is milliseconds
ENOUGH = 20  # calls of each kind in each phase


@dataclass
class Services:
    """The stack as ``kaohe run`` plans it (same environment, same Procfile commands), but each service
    its own process: honcho stops everything when one process dies, and this drill kills one."""

    env: dict[str, str]
    commands: dict[str, str]
    ports: dict[str, int]
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def start(self, name: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as out:
            process = subprocess.Popen(["/bin/sh", "-c", self.commands[name]], env=self.env, stdout=out,
                                       stderr=subprocess.STDOUT, cwd=self.logs)
        self.processes[name] = process  # the Procfile's ``exec``: this pid is uvicorn's
        return process

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def output(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]


@pytest.fixture
def services(postgres_admin_url: str, tmp_path: Path) -> Iterator[Services]:
    ports = free_ports()
    settings = StackSettings(home=tmp_path / "home", gateway_port=ports["gateway"], records_port=ports["records"],
                             scoring_port=ports["scoring"], quota_port=ports["quota"], admin_username=None,
                             admin_password=None, _env_file=None)  # type: ignore[call-arg]
    name = f"kaohe_drill_{secrets.token_hex(4)}"
    urls = asyncio.run(provision(postgres_admin_url, name))
    migrate(urls, lambda _: None)
    stack = plan(settings, urls, embedded=True)  # the demo administrator, as on a laptop
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KAOHE_", "RECORDS_", "SCORING_", "QUOTA_", "GATEWAY_"))}
    env.update(stack.env)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["GATEWAY_RATE_LIMIT"] = "1000000/minute"
    running = Services(env=env, commands=stack.processes, ports=ports, logs=tmp_path)
    try:
        for service in ("records", "scoring", "quota", "gateway"):
            running.start(service)
        try:
            wait_for(f"{running.gateway}/readyz", 200, 90)
        except AssertionError as exc:
            raise AssertionError("\n".join([str(exc), *(running.output(n) for n in running.processes)])) from exc
        yield running
    finally:
        running.stop_all()
        asyncio.run(drop_database(postgres_admin_url, name))


@dataclass
class Call:
    service: str
    started: float
    ended: float
    status: int
    content_type: str
    code: str | None

    @property
    def seconds(self) -> float:
        return self.ended - self.started


async def until(condition: Callable[[], bool], within: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def serving(url: str) -> float:
    """When ``url`` first answers 200 (monotonic time)."""
    async with httpx.AsyncClient(timeout=2) as probe:
        while True:
            try:
                if (await probe.get(url)).status_code == 200:
                    return time.monotonic()
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.02)


async def test_a_service_killed_under_load(services: Services) -> None:
    client = httpx.AsyncClient(base_url=services.gateway, timeout=UPSTREAM_TIMEOUT + 20)
    token = (await client.post("/api/v1/auth/token",
                               data={"username": "admin", "password": "kaohe-demo-first"})).json()["access_token"]
    client.headers["authorization"] = f"Bearer {token}"
    region = (await client.post("/api/v1/records/regions", json={"code": "kill", "name": "演练"})).json()["id"]
    requests = {
        "quota": lambda: client.post("/api/v1/quota/apportion", json={
            "method": "huntington_hill", "seats": 10, "populations": {"A": 123, "B": 456, "C": 789}, "min_seats": 1}),
        "records": lambda: client.get(f"/api/v1/records/regions/{region}"),
    }
    calls: list[Call] = []
    stop = asyncio.Event()

    async def load(worker: int) -> None:
        turn = worker
        while not stop.is_set():
            service = ("quota", "records")[turn % 2]
            turn += 1
            started = time.monotonic()
            response = await requests[service]()
            ended = time.monotonic()
            media = response.headers.get("content-type", "")
            code = response.json().get("code") if media == "application/problem+json" else None
            calls.append(Call(service, started, ended, response.status_code, media, code))
            await asyncio.sleep(0.01)

    def count(service: str, *, after: float, ok: bool) -> int:
        return sum(1 for c in calls if c.service == service and c.started >= after and (c.status == 200) == ok)

    workers = [asyncio.create_task(load(n)) for n in range(4)]
    listening: asyncio.Task[float] | None = None
    gateway = services.processes["gateway"]
    try:
        began = time.monotonic()
        await until(lambda: count("quota", after=began, ok=True) >= ENOUGH
                    and count("records", after=began, ok=True) >= ENOUGH, 60, "load through the gateway")

        killed = time.monotonic()
        services.kill("quota")
        dead = time.monotonic()
        await until(lambda: count("quota", after=dead, ok=False) >= ENOUGH
                    and count("records", after=dead, ok=True) >= ENOUGH, 60, "quota refused, records served")
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["quota"]["ok"] is False and ready.json()["checks"]["records"]["ok"] is True

        restarted = time.monotonic()
        services.start("quota")  # the same command on the same port; the gateway is left alone
        listening = asyncio.create_task(serving(f"http://127.0.0.1:{services.ports['quota']}/healthz"))
        routed_again = await until(lambda: count("quota", after=restarted, ok=True) >= 1, 90, "quota routed again")
        up = await asyncio.wait_for(listening, 30)
        recovered = min(c.ended for c in calls if c.service == "quota" and c.started >= restarted and c.status == 200)
        back = await until(lambda: count("quota", after=recovered, ok=True) >= ENOUGH, 60, "quota under load again")
        green = time.monotonic()
        while (await client.get("/readyz")).status_code != 200:
            assert time.monotonic() - green < 30, "the gateway's /readyz did not turn green again"
            await asyncio.sleep(0.1)
        green = time.monotonic() - restarted
    finally:
        stop.set()
        if listening is not None:
            listening.cancel()
        await asyncio.gather(*workers, *([listening] if listening else []), return_exceptions=True)
        await client.aclose()
    assert gateway.poll() is None and services.processes["gateway"] is gateway  # never restarted

    outage = [c for c in calls if c.started >= dead and c.ended < recovered]  # killed, restarting, starting up
    refused = [c for c in outage if c.service == "quota"]
    served = [c for c in outage if c.service == "records"]
    assert refused and all((c.status, c.content_type, c.code) == (503, "application/problem+json",
                                                                   "upstream_unavailable") for c in refused), \
        {(c.status, c.code) for c in refused}
    assert all(c.seconds < FAIL_FAST_BOUND for c in refused), max(c.seconds for c in refused)
    assert served and all(c.status == 200 for c in served), {c.status for c in served}
    # After the first answer from the restarted service, every call to it succeeds again.
    assert all(c.status == 200 for c in calls if c.service == "quota" and c.started >= recovered)
    # Around the kill and the restart a call is answered or refused cleanly: never a 500 or a hang.
    assert {c.status for c in calls} <= {200, 503}
    failed = [c for c in calls if c.status != 200]
    assert all(c.service == "quota" and c.seconds < FAIL_FAST_BOUND for c in failed)

    print(f"\nkill drill: {len(calls)} calls through the gateway from 4 concurrent clients; quota SIGKILLed "
          f"(gone in {dead - killed:.3f} s), restarted {restarted - dead:.1f} s later; outage {recovered - dead:.2f} s")
    print(f"kill drill: {len(failed)} quota calls failed, all 503 problem+json upstream_unavailable, in median "
          f"{statistics.median(c.seconds for c in failed) * 1000:.1f} ms, at most "
          f"{max(c.seconds for c in failed) * 1000:.1f} ms (upstream timeout {UPSTREAM_TIMEOUT:.0f} s)")
    print(f"kill drill: {len(served)} records calls during the outage, all 200")
    print(f"kill drill: restarted quota serving after {up - restarted:.2f} s; first quota call through the gateway "
          f"succeeded {routed_again:.2f} s after the restart ({max(recovered - up, 0) * 1000:.0f} ms after quota "
          f"served), {ENOUGH} more in {back:.2f} s; gateway /readyz green {green:.2f} s after the restart; "
          f"gateway not restarted")
