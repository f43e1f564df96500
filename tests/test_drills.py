"""Fault drills on the real stack: PostgreSQL stopped for 30 s under write load; the gateway killed
mid-request and restarted, its unanswered writes retried with their keys. (A service killed under
load: test_drill_service_killed.py.) The write drills count acknowledged writes against rows (none
lost, none doubled) and report them in the run's summary."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from gateway.config import LEASE_MARGIN_SECONDS, GatewaySettings
from kaohe.config import StackSettings
from kaohe.local import LocalStack, free_ports, running_stack, unconfigured_environ
from kaohe.stack import migrate, plan
from shared.embedded_pg import EmbeddedPostgres
from shared.provision import drop_database, provision

pytestmark = pytest.mark.stack


@pytest.fixture
def stack(tmp_path: Path, stack_home: Callable[[Path], Path]) -> Iterator[LocalStack]:
    with running_stack(stack_home(tmp_path / "home"), tmp_path / "stack.log",
                       extra_env={"GATEWAY_RATE_LIMIT": "1000000/minute"}, within=180) as running:
        yield running


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


@dataclass
class Write:
    key: str
    title: str
    acknowledged: bool = False


@dataclass
class KeyedWrites:
    """Honours written as a careful client writes them, each with its own ``Idempotency-Key``: a write
    left unanswered (no answer, a 5xx, or a 409 while its key is in flight) is sent again later with
    the same key until it is acknowledged. Honours have no unique column, so a write applied twice
    would be two rows."""

    client: httpx.AsyncClient
    unit_id: str
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    writes: list[Write] = field(default_factory=list)
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    phase: str = "before"

    async def send(self, write: Write) -> None:
        try:
            response = await self.client.post("/api/v1/records/honours", headers={"idempotency-key": write.key},
                                              json={"unit_id": self.unit_id, "title": write.title, "level": "county",
                                                    "awarded_on": "2026-01-15", "awarded_by": "演练",
                                                    "evidence": "drill"})
        except httpx.HTTPError:
            self.statuses[self.phase]["no answer"] += 1
            await asyncio.sleep(0.05)
            return
        code = response.json().get("code") if response.status_code >= 400 else None
        self.statuses[self.phase][f"{response.status_code}{f' {code}' if code else ''}"] += 1
        assert response.status_code in (201, 409, 503, 504), response.text
        assert response.status_code != 409 or code == "idempotency_key_in_flight", response.text
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"
        write.acknowledged = response.status_code == 201
        if response.status_code != 201:
            await asyncio.sleep(0.5)  # a client backs off while the stack is unwell

    async def load(self, stop: asyncio.Event) -> None:
        """One client writing new honours until ``stop``."""
        while not stop.is_set():
            write = Write(key=str(uuid.uuid4()), title=f"{self.tag}-{len(self.writes)}")
            self.writes.append(write)
            await self.send(write)

    def acknowledged(self) -> int:
        return sum(w.acknowledged for w in self.writes)

    def unanswered(self) -> list[Write]:
        return [w for w in self.writes if not w.acknowledged]

    async def retry_unanswered(self, within: float) -> float:
        """Every unanswered write again with its key, until all are acknowledged; the seconds it took."""
        self.phase = "retries"
        started = time.monotonic()
        clients = asyncio.Semaphore(8)

        async def again(write: Write) -> None:
            async with clients:
                await self.send(write)

        while pending := self.unanswered():
            assert time.monotonic() - started < within, \
                f"{len(pending)} writes still unanswered; the retries were answered {self.answers('retries')}"
            await asyncio.gather(*(again(w) for w in pending))
        return time.monotonic() - started

    async def rows(self, database_url: str) -> dict[str, int]:
        """Rows per title of this client's honours."""
        conn = await asyncpg.connect(database_url)
        try:
            found = await conn.fetch("SELECT title, count(*) AS n FROM records.honours WHERE title LIKE $1 "
                                     "GROUP BY title", f"{self.tag}-%")
        finally:
            await conn.close()
        return {r["title"]: r["n"] for r in found}

    def check(self, rows: dict[str, int]) -> dict[str, int]:
        """None lost, none doubled: each write acknowledged, and one row for each."""
        titles = {w.title for w in self.writes}
        lost = len(titles - rows.keys())
        doubled = sum(n - 1 for n in rows.values())
        assert all(w.acknowledged for w in self.writes) and lost == 0 and doubled == 0 and rows.keys() == titles, \
            (lost, doubled)
        return {"writes": len(self.writes), "acknowledged": self.acknowledged(), "rows": sum(rows.values()),
                "lost": lost, "doubled": doubled}

    def answers(self, phase: str) -> str:
        return "; ".join(f"{status} x{n}" for status, n in sorted(self.statuses[phase].items())) or "none"


async def signed_in(base_url: str) -> tuple[httpx.AsyncClient, str]:
    """The demo administrator's client and a new unit to write honours for."""
    client = httpx.AsyncClient(base_url=base_url, timeout=30)
    token = (await client.post("/api/v1/auth/token",
                               data={"username": "admin", "password": "kaohe-demo-first"})).json()
    client.headers["authorization"] = f"Bearer {token['access_token']}"
    tag = uuid.uuid4().hex[:6]
    created = await client.post("/api/v1/records/regions", json={"code": f"d{tag}", "name": "演练"})
    assert created.status_code == 201, created.text
    region = created.json()["id"]
    unit = (await client.post("/api/v1/records/units", json={"region_id": region, "code": f"u{tag}", "name": "单位",
                                                              "kind": "street"})).json()["id"]
    return client, unit


async def until_count(condition: Callable[[], bool], within: float, what: str) -> None:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, f"not within {within} s: {what}"
        await asyncio.sleep(0.05)


async def stopped_all(stop: asyncio.Event, workers: list[asyncio.Task[None]]) -> None:
    stop.set()
    for failed in await asyncio.gather(*workers, return_exceptions=True):
        if isinstance(failed, BaseException):
            raise failed


OUTAGE_SECONDS = 30
# the default lease: a key left in flight by a failed request is taken over after it
LEASE = GatewaySettings.model_fields["upstream_timeout_seconds"].default + LEASE_MARGIN_SECONDS
WRITERS = 4


async def test_database_outage_under_writes(stack: LocalStack, drill_report: Callable[..., None]) -> None:
    client, unit = await signed_in(stack.gateway)
    writes = KeyedWrites(client, unit)
    stop = asyncio.Event()
    workers = [asyncio.create_task(writes.load(stop)) for _ in range(WRITERS)]
    database = EmbeddedPostgres(stack.home / "pgdata", port=stack.ports["pg"])
    try:
        await until_count(lambda: writes.acknowledged() >= 40, 60, "writes before the outage")
        before = writes.acknowledged()
        await asyncio.to_thread(database.stop)
        writes.phase = "outage"
        stopped = time.monotonic()
        try:
            await until_count(lambda: sum(writes.statuses["outage"].values()) >= 10, 30, "writes during the outage")
            assert httpx.get(f"{stack.gateway}/readyz").status_code == 503
            await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
        finally:
            await asyncio.to_thread(database.start)
        outage = time.monotonic() - stopped
        recovered = await asyncio.to_thread(wait_for, f"{stack.gateway}/readyz", 200, 30)
        writes.phase = "after"
        mark = writes.acknowledged()
        await until_count(lambda: writes.acknowledged() >= mark + 40, 60, "writes after the outage")
    finally:
        await stopped_all(stop, workers)
    # During the outage a write is refused with a clear 503 problem (a 201 only for one committed just before).
    assert all(s.startswith("503") or s == "201" for s in writes.statuses["outage"]), writes.statuses["outage"]
    assert writes.statuses["outage"]["201"] <= WRITERS, writes.statuses["outage"]
    unanswered = len(writes.unanswered())
    retried = await writes.retry_unanswered(within=LEASE + 60)
    await client.aclose()
    counts = writes.check(await writes.rows(stack.database_url()))
    drill_report("database stopped under writes", seconds_stopped=f"{outage:.0f}", writers=WRITERS,
                 acknowledged_before=before, unanswered_then_retried=unanswered, **counts)
    print(f"\noutage drill: database stopped {outage:.1f} s; ready again {recovered:.1f} s after its restart; "
          f"during the outage: {writes.answers('outage')}; retries of {unanswered} unanswered writes done in "
          f"{retried:.1f} s: {writes.answers('retries')}")


async def test_the_gateway_killed_mid_request(services: Services, drill_report: Callable[..., None]) -> None:
    """SIGKILL the gateway while keyed writes are in flight, start it again, and retry every unanswered
    write with its key: a write the dead gateway had sent on is answered, not written again."""
    client, unit = await signed_in(services.gateway)
    writes = KeyedWrites(client, unit)
    stop = asyncio.Event()
    workers = [asyncio.create_task(writes.load(stop)) for _ in range(2 * WRITERS)]
    try:
        await until_count(lambda: writes.acknowledged() >= 60, 60, "writes through the gateway")
        before = writes.acknowledged()
        writes.phase = "kill"
        services.kill("gateway")
    finally:
        await stopped_all(stop, workers)
    unanswered = writes.unanswered()
    database = services.env["RECORDS_DATABASE_URL"]
    rows = await writes.rows(database)
    committed = sum(1 for w in unanswered if w.title in rows)  # applied by records, the answer never came back
    killed = time.monotonic()
    services.start("gateway")
    restarted = await asyncio.to_thread(wait_for, f"{services.gateway}/readyz", 200, 90)
    retried = await writes.retry_unanswered(within=LEASE + 60)
    await client.aclose()
    counts = writes.check(await writes.rows(database))
    assert unanswered, "no write was in flight when the gateway was killed"
    drill_report("gateway killed mid-request", writers=2 * WRITERS, acknowledged_before=before,
                 unanswered_at_the_kill=len(unanswered), of_which_committed=committed, **counts)
    print(f"\ngateway drill: {len(unanswered)} writes unanswered at the kill, {committed} of them already committed "
          f"by records; gateway ready {restarted:.1f} s after its restart ({time.monotonic() - killed:.1f} s "
          f"since the kill); retries done in {retried:.1f} s: {writes.answers('retries')}")


# ------------------------------------------------------------------ a service killed under load



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
    env = unconfigured_environ()
    env.update(stack.env)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["GATEWAY_RATE_LIMIT"] = "1000000/minute"
    running = Services(env=env, commands=stack.processes, ports=ports, logs=tmp_path)
    try:
        for service in ("records", "scoring", "quota", "gateway"):
            running.start(service)
        try:
            # every service's own readiness: the gateway's stays 200 (degraded) while one is still starting
            for service in ("records", "scoring", "quota", "gateway"):
                wait_for(f"http://127.0.0.1:{ports[service]}/readyz", 200, 90)
        except AssertionError as exc:
            raise AssertionError("\n".join([str(exc), *(running.output(n) for n in running.processes)])) from exc
        yield running
    finally:
        running.stop_all()
        asyncio.run(drop_database(postgres_admin_url, name))


