"""pytest plugin for every kaohe test suite (loaded with ``-p shared.testing``).

Tests run on a real PostgreSQL: ``KAOHE_TEST_DATABASE_URL`` (a superuser URL) if set,
otherwise a throwaway embedded server in a temporary folder, started once per run. Each
run gets a fresh database, provisioned and migrated exactly as ``kaohe run`` does; each
test that writes runs inside an outer transaction rolled back at its end.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.db import committed, get_session
from shared.embedded_pg import FREE_PORTS, FREE_PORTS_ENV, EmbeddedPostgres, free_port
from shared.migrations import upgrade_head
from shared.provision import SCHEMA_SERVICES, drop_database, provision
from shared.service_auth import SYSTEM_CALLER, Caller, mint_service_token

TEST_SECRET = "test-" + secrets.token_urlsafe(24)

# Properties are checked for what they say, not for how fast an example runs: on a busy machine (the
# suite's workers, a CI runner) one example may take longer than Hypothesis's 200 ms without anything
# being wrong, so no deadline and no health check on slow data generation.
hypothesis_settings.register_profile("kaohe", deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
hypothesis_settings.load_profile("kaohe")


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker draws local ports from its own slice of ``FREE_PORTS``, passed
    on to the stacks it starts, so two workers never pick the same port in the same second."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if worker.startswith("gw") and worker[2:].isdigit() and workers > 0 and FREE_PORTS_ENV not in os.environ:
        low, high = FREE_PORTS
        width = (high - low + 1) // workers
        start = low + int(worker[2:]) * width
        os.environ[FREE_PORTS_ENV] = f"{start}-{start + width - 1}"


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("KAOHE_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    server = EmbeddedPostgres(tmp_path_factory.mktemp("postgres") / "data", port=free_port(),
                              password=secrets.token_urlsafe(24))
    server.start()
    try:
        yield server.url()
    finally:
        server.destroy()


SERVICE_TABLES = """SELECT n.nspname AS schema, c.relname AS name
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind = 'r' AND n.nspname = ANY($1::text[]) ORDER BY 1, 2"""
SCHEMA_OWNERS = """SELECT n.nspname AS schema, n.nspowner::regrole::text AS owner,
                          array_agg(DISTINCT c.relowner::regrole::text) FILTER (WHERE c.oid IS NOT NULL) AS tables
                   FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
                   WHERE n.nspname = ANY($1::text[]) GROUP BY 1, 2 ORDER BY 1"""


async def row_counts(url: str) -> dict[str, int]:
    """Rows per table of every service schema (``schema.table``)."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(SERVICE_TABLES, list(SCHEMA_SERVICES))
        return {f"{t['schema']}.{t['name']}":
                await conn.fetchval(f'SELECT count(*) FROM "{t["schema"]}"."{t["name"]}"')  # noqa: S608
                for t in tables}
    finally:
        await conn.close()


async def schema_owners(url: str) -> dict[str, tuple[str, list[str]]]:
    """Each service schema's owner and the owners of what it holds."""
    conn = await asyncpg.connect(url)
    try:
        return {r["schema"]: (r["owner"], r["tables"]) for r in await conn.fetch(SCHEMA_OWNERS, list(SCHEMA_SERVICES))}
    finally:
        await conn.close()


def alembic_ini_for(service: str) -> Path:
    from importlib import import_module

    path: Path = import_module(f"{service}.main").ALEMBIC_INI
    return path


@pytest.fixture(scope="session")
def database_urls(postgres_admin_url: str) -> Iterator[dict[str, str]]:
    """A fresh database for this run with every service's schema at its migration head."""
    name = f"kaohe_test_{secrets.token_hex(4)}"
    urls = asyncio.run(provision(postgres_admin_url, name))
    for service in SCHEMA_SERVICES:
        upgrade_head(alembic_ini_for(service), urls[service])
    yield urls
    asyncio.run(drop_database(postgres_admin_url, name))


@pytest.fixture(scope="session")
def service_secret() -> str:
    return TEST_SECRET


def service_headers(caller: Caller = SYSTEM_CALLER, *, secret: str = TEST_SECRET) -> dict[str, str]:
    return {"x-service-token": mint_service_token(secret, caller)}


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """Run an app's lifespan (engine, clients) around a block, as uvicorn would."""
    async with app.router.lifespan_context(app):
        yield app


def asgi_client(app: FastAPI, *, headers: dict[str, str] | None = None,
                base_url: str = "http://testserver") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url,
                             headers=headers)


@asynccontextmanager
async def rolled_back(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """Route the app's request sessions into one outer transaction, rolled back at the end.

    Service code commits as usual; with ``create_savepoint`` those commits release
    savepoints inside the outer transaction, so nothing a test writes outlives it.
    """
    engine: AsyncEngine = app.state.engine
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint",
                               expire_on_commit=False)

        async def override() -> AsyncIterator[AsyncSession]:
            async with committed(session):
                yield session

        app.dependency_overrides[get_session] = override
        try:
            yield session
        finally:
            app.dependency_overrides.pop(get_session, None)
            await session.close()
            await transaction.rollback()


def build_service_app(service: str, *, database_url: str, secret: str = TEST_SECRET,
                      **options: Any) -> FastAPI:
    """The service's real app on its real schema, configured as its process would be."""
    from importlib import import_module

    main = import_module(f"{service}.main")
    config = import_module(f"{service}.config")
    settings_cls = getattr(config, f"{service.capitalize()}Settings")
    settings = settings_cls(**{f"{service.upper()}_DATABASE_URL": database_url,
                               "KAOHE_SERVICE_SECRET": secret})
    app: FastAPI = main.create_app(settings, **options)
    return app


@asynccontextmanager
async def _service(service: str, urls: dict[str, str], **options: Any) -> AsyncIterator[FastAPI]:
    async with running(build_service_app(service, database_url=urls[service], **options)) as app:
        yield app


@pytest.fixture(scope="session")
async def records_app(database_urls: dict[str, str]) -> AsyncIterator[FastAPI]:
    async with _service("records", database_urls) as app:
        yield app


@pytest.fixture(scope="session")
async def quota_app(database_urls: dict[str, str], records_app: FastAPI) -> AsyncIterator[FastAPI]:
    """Quota with its records client wired to the real records app."""
    async with _service("quota", database_urls, records_transport=httpx.ASGITransport(app=records_app)) as app:
        yield app


@pytest.fixture(scope="session")
async def scoring_app(database_urls: dict[str, str], records_app: FastAPI,
                      quota_app: FastAPI) -> AsyncIterator[FastAPI]:
    """Scoring with its clients wired to the real records and quota apps."""
    async with _service("scoring", database_urls, records_transport=httpx.ASGITransport(app=records_app),
                        quota_transport=httpx.ASGITransport(app=quota_app)) as app:
        yield app


def service_transports(*apps: tuple[str, FastAPI]) -> dict[str, httpx.AsyncBaseTransport]:
    return {name: httpx.ASGITransport(app=app) for name, app in apps}


async def every_item(client: httpx.AsyncClient, path: str, params: dict[str, Any] | None = None,
                     **kwargs: Any) -> list[Any]:
    """Every item of a paged list (``{"items", "next"}``), following ``next`` to the last page."""
    response = await client.get(path, params={**(params or {}), "limit": 500}, **kwargs)
    found: list[Any] = []
    while True:
        assert response.status_code == 200, response.text
        found += response.json()["items"]
        if response.json()["next"] is None:
            return found
        response = await client.get(response.json()["next"], **kwargs)


async def ok(response: httpx.Response, status: int = 201) -> Any:
    """The JSON body of ``response``, which must have ``status`` (201 unless said)."""
    assert response.status_code == status, response.text
    return response.json()


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    """Authorization header for a user, through the real sign-in route."""
    response = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}
