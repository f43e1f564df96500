"""Every database service, assembled by shared.app, on the real database."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from fastapi import FastAPI

from shared.migrations import alembic_config, script_heads, upgrade_head
from shared.provision import DATABASE_SERVICES, drop_database, provision
from shared.testing import alembic_ini_for, asgi_client, build_service_app, running, service_headers

SERVICES = pytest.mark.parametrize("service", DATABASE_SERVICES)


@pytest.fixture
def apps(records_app: FastAPI, scoring_app: FastAPI, quota_app: FastAPI) -> dict[str, FastAPI]:
    return {"records": records_app, "scoring": scoring_app, "quota": quota_app}


class TestProbes:
    @SERVICES
    async def test_healthz_is_open_and_alive(self, apps: dict[str, FastAPI], service: str) -> None:
        async with asgi_client(apps[service]) as client:
            response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "service": service}

    @SERVICES
    async def test_readyz_is_green_at_the_migration_head(self, apps: dict[str, FastAPI],
                                                         service: str) -> None:
        async with asgi_client(apps[service]) as client:
            response = await client.get("/readyz")
        assert response.status_code == 200
        checks = response.json()["checks"]
        assert checks["database"] == {"ok": True}
        assert checks["migrations"]["current"] == checks["migrations"]["head"]

    async def test_readyz_is_503_on_an_unmigrated_database(self, postgres_admin_url: str) -> None:
        name = f"kaohe_unmigrated_{secrets.token_hex(3)}"
        urls = await provision(postgres_admin_url, name)
        try:
            app = build_service_app("records", database_url=urls["records"])
            async with running(app), asgi_client(app) as client:
                response = await client.get("/readyz")
            assert response.status_code == 503
            assert response.json()["status"] == "not_ready"
        finally:
            await drop_database(postgres_admin_url, name)

    async def test_readyz_is_503_when_the_database_is_unreachable(self) -> None:
        app = build_service_app("quota", database_url="postgresql://nobody@127.0.0.1:9/nothing")
        async with running(app), asgi_client(app) as client:
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["database"]["ok"] is False


class TestGatewayOnly:
    @SERVICES
    async def test_a_route_without_the_gateway_token_is_401(self, apps: dict[str, FastAPI],
                                                             service: str) -> None:
        async with asgi_client(apps[service]) as client:
            response = await client.get(f"/api/v1/{service}/version")
        assert response.status_code == 401

    @SERVICES
    async def test_version_reports_the_schema_revision(self, apps: dict[str, FastAPI],
                                                       service: str) -> None:
        async with asgi_client(apps[service], headers=service_headers()) as client:
            response = await client.get(f"/api/v1/{service}/version")
        assert response.status_code == 200
        body = response.json()
        assert body["service"] == service
        assert set(body["schema_revision"]) == set(script_heads(alembic_ini_for(service)))


class TestOpenApi:
    @SERVICES
    async def test_error_answers_are_documented_as_problems(self, apps: dict[str, FastAPI], service: str) -> None:
        document = apps[service].openapi()
        errors = [response for path, item in document["paths"].items() if path.startswith("/api/v1/")
                  for operation in item.values()
                  for status, response in operation["responses"].items() if status.startswith(("4", "5"))]
        assert errors
        assert all(r["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                   for r in errors)
        assert "HTTPValidationError" not in document["components"]["schemas"]
        assert apps[service].openapi() is document  # built once


class TestMigrations:
    async def test_every_history_goes_down_and_up_again(self, postgres_admin_url: str) -> None:
        from alembic import command

        name = f"kaohe_roundtrip_{secrets.token_hex(3)}"
        urls = await provision(postgres_admin_url, name)
        try:
            for service in DATABASE_SERVICES:
                ini = alembic_ini_for(service)
                await asyncio.to_thread(upgrade_head, ini, urls[service])
                config = alembic_config(ini, urls[service])
                await asyncio.to_thread(command.downgrade, config, "base")
                await asyncio.to_thread(upgrade_head, ini, urls[service])
        finally:
            await drop_database(postgres_admin_url, name)

    async def test_a_service_role_cannot_touch_another_schema(self, database_urls: dict[str, str]) -> None:
        import asyncpg

        conn = await asyncpg.connect(database_urls["records"])
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetch("SELECT * FROM quota.alembic_version")
        finally:
            await conn.close()


class TestModelsMatchMigrations:
    @pytest.mark.parametrize("service", ["records", "scoring", "quota", "gateway"])
    async def test_autogenerate_finds_nothing_to_do(self, database_urls: dict[str, str], service: str) -> None:
        """Every model change comes with its migration: comparing the migrated schema with the
        models finds no difference."""
        from importlib import import_module

        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext
        from sqlalchemy.ext.asyncio import create_async_engine

        from shared.db import async_url
        from shared.migrations import _include_name

        import_module(f"{service}.main")
        modules = ("roster.models", "attendance.models", "work_logs.models", "reports.models", "tasks.models",
                   "allocations.models", "models")
        for module in modules:
            try:
                import_module(f"{service}.{module}")
            except ModuleNotFoundError:
                pass
        base = import_module(f"{service}.db").Base
        engine = create_async_engine(async_url(database_urls[service]),
                                     connect_args={"server_settings": {"search_path": "public"}})
        try:
            async with engine.connect() as connection:
                def diff(sync: object) -> list[object]:
                    context = MigrationContext.configure(sync, opts={  # type: ignore[arg-type]
                        "include_schemas": True, "include_name": _include_name(service),
                        "version_table_schema": service})
                    return list(compare_metadata(context, base.metadata))

                assert await connection.run_sync(diff) == []
        finally:
            await engine.dispose()


class TestValuesTheDatabaseRefuses:
    async def test_a_nul_character_is_a_422_not_a_500(self, records_app: FastAPI) -> None:
        async with asgi_client(records_app, headers=service_headers()) as client:
            response = await client.post("/api/v1/records/regions", json={"code": "nul\u0000code", "name": "x"})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_value"


class TestDatabaseDown:
    async def test_a_request_that_needs_the_database_is_a_503(self) -> None:
        app = build_service_app("records", database_url="postgresql://nobody@127.0.0.1:9/nothing")
        async with running(app), asgi_client(app, headers=service_headers()) as client:
            response = await client.get("/api/v1/records/regions")
        assert response.status_code == 503
        assert response.json()["code"] == "database_unavailable"
        assert response.headers["retry-after"] == "5"
