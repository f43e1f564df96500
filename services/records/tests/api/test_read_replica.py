"""Lists and exports read from a streaming replica when ``RECORDS_DATABASE_READ_URL`` names one.

A real primary and a real hot standby made from it with ``pg_basebackup`` (the embedded
PostgreSQL's own binaries), as CloudNativePG's ``-rw`` and ``-ro`` Services would serve them.
With the standby's replay paused, a unit just written is found by id (the primary) and missing
from the list (the replica); once replay resumes the list has it; with the standby stopped, the
list is served by the primary.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from records.config import RecordsSettings
from records.main import ALEMBIC_INI, create_app
from shared.embedded_pg import EmbeddedPostgres, free_port
from shared.migrations import upgrade_head
from shared.provision import provision
from shared.testing import TEST_SECRET, asgi_client, running, service_headers

from .conftest import PROVINCE
from .test_roster import make_region, make_unit

CATCH_UP_POLLS = 600  # a bound on the wait for the standby, not a timing assertion


@dataclass
class Pair:
    primary: EmbeddedPostgres
    standby: EmbeddedPostgres
    write_url: str
    read_url: str


def on_port(url: str, port: int) -> str:
    return make_url(url).set(port=port).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    home, password = tmp_path_factory.mktemp("replication"), secrets.token_urlsafe(24)
    primary = EmbeddedPostgres(home / "primary" / "data", port=free_port(), password=password)
    primary.start()
    standby = EmbeddedPostgres(home / "standby" / "data", port=free_port(), password=password)
    try:
        urls = asyncio.run(provision(primary.url(), "kaohe"))
        upgrade_head(ALEMBIC_INI, urls["records"])
        standby.data_dir.parent.mkdir()
        if standby._run_as is not None:  # the server's own user writes the copy
            os.chown(standby.data_dir.parent, standby._run_as.pw_uid, standby._run_as.pw_gid)
        # an immediate checkpoint to start the copy from, not a spread one (minutes on an idle primary)
        standby._run("pg_basebackup", "-D", str(standby.data_dir), "-R", "-X", "stream", "--checkpoint=fast", "-d",
                     f"host={primary.host} port={primary.port} user=postgres password={password}", timeout=120)
        standby.start()  # standby.signal and primary_conninfo from -R: a hot standby streaming from the primary
        yield Pair(primary, standby, urls["records"], on_port(urls["records"], standby.port))
    finally:
        standby.destroy()
        primary.destroy()


async def caught_up(pair: Pair) -> None:
    primary = await asyncpg.connect(pair.primary.url("kaohe"))
    standby = await asyncpg.connect(pair.standby.url("kaohe"))
    try:
        target = await primary.fetchval("SELECT pg_current_wal_lsn()")
        for _ in range(CATCH_UP_POLLS):
            if await standby.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", target):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the standby did not replay the primary's WAL")
    finally:
        await primary.close()
        await standby.close()


async def on_standby(pair: Pair, sql: str) -> None:
    conn = await asyncpg.connect(pair.standby.url("kaohe"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def app(pair: Pair) -> AsyncIterator[FastAPI]:
    settings = RecordsSettings(RECORDS_DATABASE_URL=pair.write_url,  # type: ignore[call-arg]
                               RECORDS_DATABASE_READ_URL=pair.read_url, KAOHE_SERVICE_SECRET=TEST_SECRET)
    async with running(create_app(settings)) as started:
        yield started


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, headers=service_headers(PROVINCE)) as c:
        yield c


async def codes(client: httpx.AsyncClient, region_id: str) -> list[str]:
    response = await client.get("/api/v1/records/units", params={"region_id": region_id})
    assert response.status_code == 200, response.text
    return sorted(unit["code"] for unit in response.json()["items"])


async def test_lists_read_the_replica_and_writes_the_primary(pair: Pair, client: httpx.AsyncClient) -> None:
    region = await make_region(client, f"r{uuid.uuid4().hex[:6]}")
    await make_unit(client, region["id"], "A")
    await caught_up(pair)
    assert await codes(client, region["id"]) == ["A"]

    await on_standby(pair, "SELECT pg_wal_replay_pause()")
    try:
        second = await make_unit(client, region["id"], "B")
        assert (await client.get(f"/api/v1/records/units/{second['id']}")).status_code == 200  # the primary
        assert await codes(client, region["id"]) == ["A"]  # the replica, a little behind
    finally:
        await on_standby(pair, "SELECT pg_wal_replay_resume()")
    await caught_up(pair)
    assert await codes(client, region["id"]) == ["A", "B"]


async def test_the_replica_engine_is_read_only_by_default(app: FastAPI) -> None:
    """Not only because a standby refuses writes: a replica URL that names the primary by mistake
    still gets no write through the read engine."""
    async with app.state.read_engine.connect() as connection:
        assert (await connection.exec_driver_sql("SHOW default_transaction_read_only")).scalar() == "on"


async def test_lists_fall_back_to_the_primary_while_no_replica_answers(pair: Pair,
                                                                       client: httpx.AsyncClient) -> None:
    region = await make_region(client, f"r{uuid.uuid4().hex[:6]}")
    await make_unit(client, region["id"], "A")
    pair.standby.stop()
    try:
        assert await codes(client, region["id"]) == ["A"]
    finally:
        pair.standby.start()
