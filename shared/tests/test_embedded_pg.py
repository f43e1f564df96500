"""The embedded PostgreSQL asks every connection for a password, the service roles' too."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from shared.embedded_pg import SUPERUSER, EmbeddedPostgres, _open_path_for, free_port
from shared.provision import drop_database, provision

REFUSED = (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)


@pytest.fixture
def no_libpq_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing a client would fall back on: no PGPASSWORD, no password file."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


@pytest.fixture
def server(tmp_path: Path, no_libpq_password: None) -> Iterator[EmbeddedPostgres]:
    running = EmbeddedPostgres(tmp_path / "pg" / "data", port=free_port(), password=secrets.token_urlsafe(24))
    running.start()
    try:
        yield running
    finally:
        running.destroy()


def without_password(server: EmbeddedPostgres, user: str = SUPERUSER, database: str = "postgres") -> str:
    return f"postgresql://{user}@{server.host}:{server.port}/{database}"


async def test_a_connection_without_the_password_is_refused(server: EmbeddedPostgres) -> None:
    with pytest.raises(REFUSED):
        await asyncpg.connect(without_password(server))
    with pytest.raises(REFUSED):
        await asyncpg.connect(without_password(server).replace("@", ":guess@"))
    conn = await asyncpg.connect(server.url())
    try:
        assert await conn.fetchval("SHOW password_encryption") == "scram-sha-256"
        rules = await conn.fetch("SELECT auth_method FROM pg_hba_file_rules WHERE error IS NULL")
        assert {r["auth_method"] for r in rules} == {"scram-sha-256"}
    finally:
        await conn.close()
    assert not [p for p in server.data_dir.parent.iterdir() if "password" in p.name]  # initdb's file is gone
    assert stat.S_IMODE(server.data_dir.stat().st_mode) == 0o700


async def test_each_service_role_has_a_password_of_its_own(server: EmbeddedPostgres) -> None:
    urls = await provision(server.url(), "kaohe_roles")
    try:
        with pytest.raises(REFUSED):
            await asyncpg.connect(without_password(server, "kaohe_records", "kaohe_roles"))
        conn = await asyncpg.connect(urls["records"])
        try:
            assert await conn.fetchval("SELECT current_user") == "kaohe_records"
        finally:
            await conn.close()
        assert len({url.split("@")[0] for url in urls.values()}) == 4  # four roles, four passwords
        assert await provision(server.url(), "kaohe_roles") == urls  # the same on every start
    finally:
        await drop_database(server.url(), "kaohe_roles")


async def test_a_data_folder_made_with_trust_asks_for_the_password_from_its_next_start(
        tmp_path: Path, no_libpq_password: None) -> None:
    old = EmbeddedPostgres(tmp_path / "pg" / "data", port=free_port())
    old.data_dir.mkdir(mode=0o700, parents=True)
    if old._run_as is not None:
        _open_path_for(old.data_dir.parent)
        os.chown(old.data_dir, old._run_as.pw_uid, old._run_as.pw_gid)
    old._run("initdb", "-D", str(old.data_dir), "-U", SUPERUSER, "--auth=trust", "--no-sync")  # as before
    server = EmbeddedPostgres(old.data_dir, port=old.port, password=secrets.token_urlsafe(24))
    server.start()
    try:
        with pytest.raises(REFUSED):
            await asyncpg.connect(without_password(server))
        conn = await asyncpg.connect(server.url())
        await conn.close()
    finally:
        server.destroy()
