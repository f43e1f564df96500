"""The whole stack as ``make run`` starts it: real processes, real ports, embedded PostgreSQL."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from kaohe.local import LocalStack, free_ports, start_stack

pytestmark = pytest.mark.stack


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "kaohe-home"
    yield path
    # Should a test fail half-way, make sure no server outlives it.
    pgdata = path / "pgdata"
    for proc in psutil.process_iter(["cmdline"]):
        if proc.info["cmdline"] and str(pgdata) in " ".join(proc.info["cmdline"]):
            proc.kill()


TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def _assert_quiet_console_and_access_file(stack: LocalStack, home: Path, generated_id: str) -> None:
    """The console: start, readiness, where the access log is, and no line per request; the access log
    file: one JSON object a line, with the request id the caller got and the W3C trace id it sent."""
    console = stack.output()
    assert "Ready in" in console and f"access log    {home.resolve() / 'logs' / 'access.log'}" in console
    assert "Application startup complete" in console
    assert "kaohe.access" not in console and "path=/api/v1/" not in console, console[-2000:]
    lines = [json.loads(line) for line in (home / "logs" / "access.log").read_text().splitlines()]
    assert all({"time", "level", "logger", "message", "service", "request_id", "trace_id"} <= set(line)
               for line in lines)
    traced = [(line["service"], line["trace_id"]) for line in lines if line["request_id"] == "stack-test-1"]
    assert sorted(traced) == [("gateway", TRACE_ID), ("scoring", TRACE_ID)]
    generated = [line for line in lines if line["request_id"] == generated_id]
    assert {line["service"] for line in generated} == {"gateway", "quota"}
    assert len({line["trace_id"] for line in generated}) == 1  # a new trace, carried downstream
    assert all(line["time"].endswith("Z") for line in lines)


def _stop(stack: LocalStack) -> int:
    try:
        return stack.interrupt()
    finally:
        if stack.process.poll() is None:
            stack.process.kill()


class TestMakeRun:
    async def test_starts_serves_stops_cleanly_and_keeps_data(self, home: Path, tmp_path: Path) -> None:
        ports = free_ports()
        first = start_stack(home, tmp_path / "first.log", ports)
        try:
            first.wait_ready(180)  # seven processes start at once (the job workers with the services)
            readiness = httpx.get(f"{first.gateway}/readyz").json()
            assert {k: v["ok"] for k, v in readiness["checks"].items()} == {
                "database": True, "migrations": True, "records": True, "scoring": True, "quota": True}

            token = httpx.post(f"{first.gateway}/api/v1/auth/token",
                               data={"username": "admin", "password": "kaohe-demo-first"})
            assert token.status_code == 200, token.text
            auth = {"authorization": f"Bearer {token.json()['access_token']}"}
            assert httpx.get(f"{first.gateway}/api/v1/scoring/version").status_code == 401
            response = httpx.get(f"{first.gateway}/api/v1/scoring/version",
                                 headers={"x-request-id": "stack-test-1", "traceparent": TRACEPARENT, **auth})
            assert response.status_code == 200
            assert response.headers["x-request-id"] == "stack-test-1"
            fresh = httpx.get(f"{first.gateway}/api/v1/quota/version", headers=auth)
            assert fresh.status_code == 200
            assert response.json()["service"] == "scoring"

            apportioned = httpx.post(f"{first.gateway}/api/v1/quota/apportion", headers=auth, json={
                "method": "webster", "seats": 4, "populations": {"A": 5, "B": 3, "C": 2}})
            assert apportioned.json()["seats"] == {"A": 2, "B": 1, "C": 1}

            direct = httpx.get(f"{first.url('scoring')}/api/v1/scoring/version")
            assert direct.status_code == 401  # services answer the gateway only

            for secret in ("service-secret", "jwt-secret", "pg-password"):
                assert stat.S_IMODE((home / secret).stat().st_mode) == 0o600, secret
            for user in ("postgres", "kaohe_records", "kaohe_gateway"):  # the password is asked of every role
                with pytest.raises((asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)):
                    await asyncpg.connect(f"postgresql://{user}@127.0.0.1:{ports['pg']}/kaohe")
            conn = await asyncpg.connect(first.database_url())
            await conn.execute("CREATE TABLE public.persistence_check (note text)")
            await conn.execute("INSERT INTO public.persistence_check VALUES ('kept')")
            await conn.close()
        finally:
            code = _stop(first)
        children = first.child_pids()
        assert code in (0, 130), first.output()[-2000:]
        assert len(children) == 7  # four services, a job worker of each database service
        for worker in ("records-worker", "scoring-worker", "quota-worker"):  # each took its service's jobs
            assert first.pids(worker), first.output()[-2000:]
            assert f"the {worker.removesuffix('-worker')} worker takes jobs" in first.output()
        assert not any(psutil.pid_exists(pid) for pid in children), "orphaned service processes"
        assert not (home / "pgdata" / "postmaster.pid").exists(), "database left running"
        _assert_quiet_console_and_access_file(first, home, fresh.headers["x-request-id"])

        second = start_stack(home, tmp_path / "second.log", ports)
        try:
            second.wait_ready(180)
            conn = await asyncpg.connect(second.database_url())
            assert await conn.fetchval("SELECT note FROM public.persistence_check") == "kept"
            await conn.close()
        finally:
            assert _stop(second) in (0, 130)


class TestDemoCounty:
    def test_first_start_loads_the_county_and_the_printed_examples_work(self, home: Path,
                                                                         tmp_path: Path) -> None:
        import json
        import re
        import subprocess
        import time

        stack = start_stack(home, tmp_path / "demo.log", demo_scale=0.1)
        try:
            stack.wait_ready(180)  # created, migrated and loaded on a machine maybe busy
            deadline = time.monotonic() + 300
            while "or browse" not in stack.output():
                assert time.monotonic() < deadline and "could not be loaded" not in stack.output(), \
                    stack.output()[-3000:]
                time.sleep(1)
            printed = stack.output()
            token = next(line.strip() for line in printed.splitlines() if line.strip().startswith("TOKEN="))
            examples = re.findall(r"^\s+\d\. ([\w-]+): .*\n\s+(curl .*)$", printed, flags=re.MULTILINE)
            assert [user for user, _ in examples] == ["huacheng-member", "huacheng-admin", "zuzhibu",
                                                      "huacheng-member", "zuzhibu", "zuzhibu", "huacheng-member"]
            for user, command in examples:
                out = subprocess.run(["bash", "-c", f"{token.replace('USER', user)} && {command}"],
                                     capture_output=True, text=True, timeout=60, check=True).stdout
                body = json.loads(out)
                assert "code" not in body or body.get("status", 200) < 400, (user, command, body)
            assert body["status"] == "pending"  # the last example files an objection
            # A second start keeps the county and does not load it again.
        finally:
            _stop(stack)
        again = start_stack(home, tmp_path / "again.log", demo_scale=0.1)
        try:
            again.wait_ready(180)
            deadline = time.monotonic() + 30
            while "demo county is not loaded" not in again.output():
                assert time.monotonic() < deadline, again.output()[-2000:]
                time.sleep(0.5)
        finally:
            _stop(again)
