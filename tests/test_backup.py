"""``kaohe backup`` and ``kaohe restore`` through one shared database URL and through a URL per
service: a populated database comes back row for row, every schema and table owned by its
service's role, and the services migrate and write on the restored database."""

from __future__ import annotations

import asyncio
import secrets
import tarfile
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner, Result

from kaohe.cli import app
from shared.migrations import upgrade_head
from shared.provision import SCHEMA_SERVICES, drop_database, provision, role_for
from shared.testing import (
    alembic_ini_for,
    asgi_client,
    build_service_app,
    row_counts,
    running,
    schema_owners,
    service_headers,
)

SERVICE_ENV = ("KAOHE_DATABASE_URL", "RECORDS_DATABASE_URL", "SCORING_DATABASE_URL", "QUOTA_DATABASE_URL",
               "GATEWAY_DATABASE_URL")
runner = CliRunner()


async def kaohe(*args: str, env: dict[str, str]) -> Result:
    """The command in-process, its database settings only from ``env``."""
    full: dict[str, str | None] = {**dict.fromkeys(SERVICE_ENV), **env}
    result = await asyncio.to_thread(runner.invoke, app, list(args), env=full)
    return result


def on(admin_url: str, database: str) -> str:
    return f"{admin_url.rsplit('/', 1)[0]}/{database}"


@pytest.fixture
async def populated(records_app: FastAPI) -> str:
    async with asgi_client(records_app, headers=service_headers()) as client:
        region = (await client.post("/api/v1/records/regions", json={"code": f"b{uuid.uuid4().hex[:6]}",
                                                                      "name": "备份"})).json()
        unit = (await client.post("/api/v1/records/units", json={"region_id": region["id"], "code": "U", "name": "单位",
                                                                  "kind": "township"})).json()
        person = (await client.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": f"b{uuid.uuid4().hex[:6]}", "name": "张三", "staff_category": "staff",
            "active_from": "2025-01-01"})).json()
        rows = [{"staff_no": person["staff_no"], "day": f"2025-02-{d:02d}", "status": "出勤"} for d in range(1, 21)]
        assert (await client.put("/api/v1/records/attendance", json={"rows": rows})).status_code == 200
    return str(region["id"])


async def assert_serves(urls: dict[str, str]) -> None:
    """Each service migrates on the restored database, and the records service writes to it."""
    for service in SCHEMA_SERVICES:
        await asyncio.to_thread(upgrade_head, alembic_ini_for(service), urls[service])
    async with running(build_service_app("records", database_url=urls["records"])) as restored, \
            asgi_client(restored, headers=service_headers()) as client:
        created = await client.post("/api/v1/records/regions", json={"code": f"r{uuid.uuid4().hex[:6]}",
                                                                     "name": "恢复后"})
        assert created.status_code == 201, created.text


async def test_one_shared_url(populated: str, database_urls: dict[str, str], postgres_admin_url: str,
                              tmp_path: Path) -> None:
    source = on(postgres_admin_url, database_urls["records"].rsplit("/", 1)[1])
    backup = tmp_path / "kaohe.backup"
    made = await kaohe("backup", str(backup), env={"KAOHE_DATABASE_URL": source})
    assert made.exit_code == 0, made.output
    with tarfile.open(backup) as archive:  # the four schemas of one snapshot, in one dump
        assert sorted(archive.getnames()) == ["dump-1.pgdump", "manifest.json"]
    copy = f"kaohe_restored_{secrets.token_hex(3)}"
    try:
        done = await kaohe("restore", str(backup), "--into", copy, env={"KAOHE_DATABASE_URL": source})
        assert done.exit_code == 0, done.output
        before, after = await row_counts(source), await row_counts(on(postgres_admin_url, copy))
        assert after == before
        assert before["records.attendance"] >= 20
        # restored through the superuser, yet each schema and table is its service's, as before
        assert await schema_owners(on(postgres_admin_url, copy)) == await schema_owners(source)
        assert {s: o[0] for s, o in (await schema_owners(source)).items()} == {s: role_for(s) for s in SCHEMA_SERVICES}
        await assert_serves(await provision(postgres_admin_url, copy))
        again = await kaohe("restore", str(backup), "--into", copy, env={"KAOHE_DATABASE_URL": source})
        assert again.exit_code == 1
        assert "already holds" in str(again.exception)
    finally:
        await drop_database(postgres_admin_url, copy)


async def test_a_url_per_service(populated: str, database_urls: dict[str, str], postgres_admin_url: str,
                                 tmp_path: Path) -> None:
    env = {f"{s.upper()}_DATABASE_URL": url for s, url in database_urls.items()}
    backup = tmp_path / "kaohe.backup"
    made = await kaohe("backup", str(backup), env=env)
    assert made.exit_code == 0, made.output
    with tarfile.open(backup) as archive:  # each schema through its own role
        assert len(archive.getnames()) == 1 + len(SCHEMA_SERVICES)
    copy = f"kaohe_restored_{secrets.token_hex(3)}"
    try:
        fresh = await provision(postgres_admin_url, copy)  # the roles' empty schemas, as init-roles.sh makes them
        done = await kaohe("restore", str(backup), env={f"{s.upper()}_DATABASE_URL": u for s, u in fresh.items()})
        assert done.exit_code == 0, done.output
        source = on(postgres_admin_url, database_urls["records"].rsplit("/", 1)[1])
        assert await row_counts(on(postgres_admin_url, copy)) == await row_counts(source)
        restored = await schema_owners(on(postgres_admin_url, copy))
        assert restored == {s: (role_for(s), [role_for(s)]) for s in SCHEMA_SERVICES}
        await assert_serves(fresh)
    finally:
        await drop_database(postgres_admin_url, copy)
