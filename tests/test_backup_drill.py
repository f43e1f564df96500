"""The backup drill: the demo county loaded into a running stack, backed up while it runs,
restored into a fresh cluster, the stack started on that, and everything compared: the rows of
every table and a published allocation, byte for byte through the API. Prints the drill's figures."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest

from kaohe.local import LocalStack, free_ports, start_stack, unconfigured_environ
from kaohe.stack import DEMO_ADMIN
from shared.embedded_pg import free_port
from shared.testing import row_counts, schema_owners

pytestmark = pytest.mark.stack
KAOHE = str(Path(sys.executable).parent / "kaohe")


def kaohe(*args: str, home: Path, pg_port: int) -> tuple[subprocess.CompletedProcess[str], float]:
    """The command as an operator runs it on this machine's stack; with its run time."""
    env = unconfigured_environ()
    env.update(KAOHE_HOME=str(home), KAOHE_PG_PORT=str(pg_port))
    started = time.monotonic()
    done = subprocess.run([KAOHE, *args], capture_output=True, text=True, env=env, cwd=home.parent, timeout=600,
                          check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    return done, time.monotonic() - started


@contextmanager
def signed_in(stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway, timeout=60) as client:
        token = client.post("/api/v1/auth/token", data={"username": DEMO_ADMIN[0], "password": DEMO_ADMIN[1]})
        assert token.status_code == 200, token.text
        client.headers["authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


def stop(stack: LocalStack) -> None:
    try:
        stack.interrupt()
    finally:
        if stack.process.poll() is None:
            stack.process.kill()


@pytest.fixture
def base(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for proc in psutil.process_iter(["cmdline"]):  # should the drill fail half-way, no server outlives it
        if proc.info["cmdline"] and str(tmp_path) in " ".join(proc.info["cmdline"]) and "pgdata" in " ".join(
                proc.info["cmdline"]):
            proc.kill()


async def test_backup_drill(base: Path, stack_home: Callable[[Path], Path]) -> None:
    first = start_stack(stack_home(base / "first" / "home"), base / "first.log", demo_scale=0.01)
    backup = base / "kaohe.backup"
    try:
        first.wait_ready(180)
        deadline = time.monotonic() + 900
        while "or browse" not in first.output():
            assert time.monotonic() < deadline and "could not be loaded" not in first.output(), first.output()[-3000:]
            time.sleep(1)
        allocation = re.findall(r"/api/v1/quota/allocations/([0-9a-f-]{36})", first.output())[-1]
        with signed_in(first) as api:
            published = api.get(f"/api/v1/quota/allocations/{allocation}")
            assert published.status_code == 200 and published.json()["published"], published.text
        rows = await row_counts(first.database_url())
        made, backup_seconds = kaohe("backup", str(backup), home=first.home, pg_port=first.ports["pg"])
        assert "Using the embedded PostgreSQL running" in made.stderr  # the stack kept running
        assert await row_counts(first.database_url()) == rows
        # ... and a copy beside it, on the same running server
        kaohe("restore", str(backup), "--into", "kaohe_copy", home=first.home, pg_port=first.ports["pg"])
        assert await row_counts(first.database_url("kaohe_copy")) == rows
    finally:
        stop(first)

    fresh = base / "second" / "home"
    fresh.parent.mkdir()
    pg_port = free_port()
    restored, restore_seconds = kaohe("restore", str(backup), home=fresh, pg_port=pg_port)
    second = start_stack(fresh, base / "second.log", ports={**free_ports(), "pg": pg_port})
    try:
        second.wait_ready(180)
        assert await row_counts(second.database_url()) == rows
        assert {s: o[0] for s, o in (await schema_owners(second.database_url())).items()} == {
            s: f"kaohe_{s}" for s in ("gateway", "quota", "records", "scoring")}
        with signed_in(second) as api:
            again = api.get(f"/api/v1/quota/allocations/{allocation}")
            assert again.content == published.content
            region = api.post("/api/v1/records/regions", json={"code": "drill", "name": "演练县"})
            assert region.status_code == 201, region.text
    finally:
        stop(second)
    size = backup.stat().st_size
    print(f"\nbackup drill: {sum(rows.values()):,} rows in {len(rows)} tables; backup file {size:,} bytes; "
          f"kaohe backup {backup_seconds:.1f} s while the stack ran ({made.stdout.strip()}); kaohe restore into a "
          f"fresh cluster {restore_seconds:.1f} s with the cluster's creation ({restored.stdout.strip()})")
