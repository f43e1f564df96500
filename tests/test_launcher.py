"""``kaohe run``/``kaohe migrate`` with a configured server instead of the embedded one."""

from __future__ import annotations

import asyncio
import os
import secrets
import stat
from pathlib import Path

import asyncpg
import pytest

from kaohe import stack
from kaohe.config import StackSettings
from shared.provision import create_database, drop_database


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("KAOHE_DATABASE_URL", "RECORDS_DATABASE_URL", "SCORING_DATABASE_URL", "GATEWAY_DATABASE_URL",
                 "QUOTA_DATABASE_URL", "KAOHE_SERVICE_SECRET", "KAOHE_HOME", "KAOHE_ADMIN_USERNAME",
                 "KAOHE_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def test_a_url_in_dot_env_is_used_and_migrated(isolated: Path, postgres_admin_url: str) -> None:
    name = f"kaohe_external_{secrets.token_hex(3)}"
    await create_database(postgres_admin_url, name)
    url = postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    (isolated / ".env").write_text(f"KAOHE_DATABASE_URL={url}\n")
    try:
        settings = StackSettings()
        database = stack.open_database(settings, say=lambda _: None)
        assert database.embedded is None
        assert set(database.urls.values()) == {url}
        await asyncio.to_thread(stack.migrate, database.urls, lambda _: None)
        conn = await asyncpg.connect(url)
        try:
            schemas = {r[0] for r in await conn.fetch("SELECT nspname FROM pg_namespace")}
        finally:
            await conn.close()
        assert {"records", "scoring", "quota", "gateway"} <= schemas
        assert not (isolated / ".kaohe" / "pgdata").exists()  # no embedded server was made
    finally:
        await drop_database(postgres_admin_url, name)


def test_the_service_secret_is_generated_once_and_kept_private(isolated: Path) -> None:
    settings = StackSettings()
    first = stack.service_secret(settings)
    assert len(first) >= 32
    assert stack.service_secret(settings) == first
    assert (isolated / ".kaohe" / "service-secret").stat().st_mode & 0o077 == 0


def test_every_secret_file_is_private_from_the_moment_it_exists(isolated: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Mode 0600 at creation, even under a umask that lets everyone read: nothing is chmod-ed afterwards."""
    def no_chmod(*args: object, **kwargs: object) -> None:
        raise AssertionError("a secret file was chmod-ed after it was written")

    monkeypatch.setattr(os, "chmod", no_chmod)
    monkeypatch.setattr(Path, "chmod", no_chmod)
    previous = os.umask(0)
    try:
        settings = StackSettings()
        secrets_made = {"service-secret": stack.service_secret(settings), "jwt-secret": stack.jwt_secret(settings),
                        "pg-password": stack.embedded_server(settings).password}
    finally:
        os.umask(previous)
    home = isolated / ".kaohe"
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name, value in secrets_made.items():
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
        assert value and (home / name).read_text() == value
    assert len(set(secrets_made.values())) == 3


def test_the_plan_runs_the_procfile_with_each_service_wired(isolated: Path) -> None:
    settings = StackSettings(gateway_port=9100, records_port=9101)
    urls = {s: f"postgresql://kaohe_{s}@127.0.0.1:1/kaohe" for s in ("records", "scoring", "quota", "gateway")}
    plan = stack.plan(settings, urls)
    workers = {"records-worker", "scoring-worker", "quota-worker"}
    assert set(plan.processes) == {"records", "scoring", "quota", "gateway", *workers}
    assert plan.processes["scoring-worker"] == "exec nice -n 10 python -m shared.jobs.worker scoring"
    assert plan.env["GATEWAY_RECORDS_URL"] == "http://127.0.0.1:9101"
    assert plan.env["RECORDS_DATABASE_URL"] == urls["records"]
    assert "KAOHE_ADMIN_PASSWORD" not in plan.env  # a demo administrator only on the embedded default
    assert stack.plan(settings, urls, embedded=True).env["KAOHE_ADMIN_USERNAME"] == "admin"
    assert plan.gateway_url == "http://127.0.0.1:9100"
    assert plan.env["KAOHE_WORKERS"] == "1"  # one process per service unless asked for more
    assert stack.plan(StackSettings(workers=2), urls).env["KAOHE_WORKERS"] == "2"
    assert all('--workers "$KAOHE_WORKERS"' in command for name, command in plan.processes.items()
               if name not in workers)
    # KAOHE_JOB_WORKERS job workers of each service, each a process the supervisor restarts on its own
    assert set(stack.plan(StackSettings(job_workers=2), urls).processes) - set(plan.processes) == {
        f"{worker}.2" for worker in workers}
    assert not set(stack.plan(StackSettings(job_workers=0), urls).processes) & workers


def test_the_printed_demo_administrator_must_change_its_password_unless_the_demo_is_loaded(isolated: Path) -> None:
    urls = {s: f"postgresql://kaohe_{s}@127.0.0.1:1/kaohe" for s in ("records", "scoring", "quota", "gateway")}
    with_demo = stack.plan(StackSettings(demo=True), urls, embedded=True).env
    without = stack.plan(StackSettings(demo=False), urls, embedded=True).env
    assert (with_demo["KAOHE_ADMIN_USERNAME"], with_demo["KAOHE_ADMIN_PASSWORD"]) == stack.DEMO_ADMIN
    assert "KAOHE_ADMIN_MUST_CHANGE_PASSWORD" not in with_demo
    assert without["KAOHE_ADMIN_MUST_CHANGE_PASSWORD"] == "true"
    # an operator's own first administrator is theirs to keep
    own = stack.plan(StackSettings(demo=False, admin_username="ops", admin_password="a-strong-passphrase"), urls,
                     embedded=True).env
    assert "KAOHE_ADMIN_MUST_CHANGE_PASSWORD" not in own


def test_the_services_log_readable_lines_and_their_access_lines_to_a_file(isolated: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KAOHE_LOG_FORMAT", "KAOHE_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    urls = {s: f"postgresql://kaohe_{s}@127.0.0.1:1/kaohe" for s in ("records", "scoring", "quota", "gateway")}
    settings = StackSettings()
    env = stack.plan(settings, urls).env
    assert env["KAOHE_LOG_FORMAT"] == "text"
    assert env["KAOHE_ACCESS_LOG"] == str(isolated.resolve() / ".kaohe" / "logs" / "access.log")
    settings.access_log = "console"  # kaohe run --access-log
    assert stack.plan(settings, urls).env["KAOHE_ACCESS_LOG"] == "console"
    monkeypatch.setenv("KAOHE_LOG_FORMAT", "json")  # a terminal that feeds a log collector
    assert stack.plan(StackSettings(), urls).env["KAOHE_LOG_FORMAT"] == "json"
