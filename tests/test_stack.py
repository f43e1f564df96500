"""The whole stack as ``make run`` starts it: real processes, real ports, embedded PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest
from shared.embedded_pg import free_port

pytestmark = pytest.mark.stack
READY_WITHIN_SECONDS = 60


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    log: Path
    gateway: str
    pg_port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def child_pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", self.output())]


def _environment(home: Path, ports: dict[str, int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KAOHE_", "RECORDS_", "SCORING_", "QUOTA_", "GATEWAY_"))}
    env.update({
        "KAOHE_HOME": str(home),
        "KAOHE_GATEWAY_PORT": str(ports["gateway"]),
        "KAOHE_RECORDS_PORT": str(ports["records"]),
        "KAOHE_SCORING_PORT": str(ports["scoring"]),
        "KAOHE_QUOTA_PORT": str(ports["quota"]),
        "KAOHE_PG_PORT": str(ports["pg"]),
    })
    return env


def start(home: Path, ports: dict[str, int], log: Path) -> Stack:
    kaohe = Path(sys.executable).parent / "kaohe"
    with log.open("wb") as out:
        process = subprocess.Popen([str(kaohe), "run"], stdout=out, stderr=subprocess.STDOUT,
                                   env=_environment(home, ports), cwd=home.parent)
    return Stack(process, log, f"http://127.0.0.1:{ports['gateway']}", ports["pg"])


def wait_ready(stack: Stack) -> float:
    started = time.monotonic()
    while time.monotonic() - started < READY_WITHIN_SECONDS:
        if stack.process.poll() is not None:
            pytest.fail(f"the stack exited early:\n{stack.output()[-3000:]}")
        try:
            if httpx.get(f"{stack.gateway}/readyz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    pytest.fail(f"not ready within {READY_WITHIN_SECONDS} s:\n{stack.output()[-3000:]}")


def interrupt(stack: Stack) -> int:
    """Ctrl-C as a terminal sends it, then wait for everything to be gone."""
    stack.process.send_signal(signal.SIGINT)
    return stack.process.wait(timeout=60)


@pytest.fixture
def ports() -> dict[str, int]:
    return {name: free_port() for name in ("gateway", "records", "scoring", "quota", "pg")}


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "kaohe-home"
    yield path
    # Should a test fail half-way, make sure no server outlives it.
    pgdata = path / "pgdata"
    for proc in psutil.process_iter(["cmdline"]):
        if proc.info["cmdline"] and str(pgdata) in " ".join(proc.info["cmdline"]):
            proc.kill()


class TestMakeRun:
    async def test_starts_serves_stops_cleanly_and_keeps_data(
            self, home: Path, ports: dict[str, int], tmp_path: Path) -> None:
        first = start(home, ports, tmp_path / "first.log")
        try:
            wait_ready(first)
            readiness = httpx.get(f"{first.gateway}/readyz").json()
            assert {k: v["ok"] for k, v in readiness["checks"].items()} == {
                "records": True, "scoring": True, "quota": True}

            response = httpx.get(f"{first.gateway}/api/v1/scoring/version",
                                 headers={"x-request-id": "stack-test-1"})
            assert response.status_code == 200
            assert response.json()["service"] == "scoring"

            direct = httpx.get(f"http://127.0.0.1:{ports['scoring']}/api/v1/scoring/version")
            assert direct.status_code == 401  # services answer the gateway only

            conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{ports['pg']}/kaohe")
            await conn.execute("CREATE TABLE public.persistence_check (note text)")
            await conn.execute("INSERT INTO public.persistence_check VALUES ('kept')")
            await conn.close()
        finally:
            code = interrupt(first)
        children = first.child_pids()
        assert code in (0, 130), first.output()[-2000:]
        assert len(children) == 4
        assert not any(psutil.pid_exists(pid) for pid in children), "orphaned service processes"
        assert not (home / "pgdata" / "postmaster.pid").exists(), "database left running"
        log = first.output()
        assert '"request_id": "stack-test-1"' in log  # the id reached the scoring service's log

        second = start(home, ports, tmp_path / "second.log")
        try:
            wait_ready(second)
            conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{ports['pg']}/kaohe")
            assert await conn.fetchval("SELECT note FROM public.persistence_check") == "kept"
            await conn.close()
        finally:
            assert interrupt(second) in (0, 130)
