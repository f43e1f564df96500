"""The one way a database-backed kaohe service is assembled."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from shared import idempotency
from shared.business_time import use_time_zone
from shared.db import attach_read_engine, create_engine, make_sessionmaker, pool_stats
from shared.errors import install_error_handlers
from shared.health import database_readiness, health_router
from shared.logging import RequestContextMiddleware, configure_logging
from shared.metrics import Metrics, MetricsMiddleware
from shared.migrations import script_heads
from shared.openapi import install_problem_documentation, operation_id
from shared.service_auth import CallerDep, ServiceAuthMiddleware
from shared.settings import BaseServiceSettings, require_strong_secret
from shared.touched import TouchedMiddleware

ExtraLifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class Closable(Protocol):
    async def aclose(self) -> None: ...


def client_lifespan(name: str, build: Callable[[], Closable]) -> ExtraLifespan:
    """An ``extra_lifespan`` that builds a service's client of its neighbours as the app starts, keeps
    it as ``app.state.<name>`` and closes it as the app stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = build()
        setattr(app.state, name, client)
        try:
            yield
        finally:
            await client.aclose()

    return lifespan


class ServiceVersion(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"service": "records", "version": "0.1.0", "schema_revision": ["d1e0a0000001"]}]})

    service: str
    version: str
    schema_revision: list[str]


def create_service_app(
    *,
    service: str,
    title: str,
    version: str,
    description: str,
    settings: BaseServiceSettings,
    database_url: str,
    alembic_ini: Path,
    routers: Sequence[APIRouter],
    extra_lifespan: ExtraLifespan | None = None,
) -> FastAPI:
    """FastAPI app with JSON logs, request ids, problem+json, gateway-only access,
    an engine on the service's schema, and health probes."""
    schema = service
    configure_logging(service, settings.log_level,
                      fmt=settings.log_format, access_log=settings.access_log)
    use_time_zone(settings.time_zone)
    expected_heads = script_heads(alembic_ini)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(database_url, schema=schema, application_name=f"kaohe-{service}",
                               pool_size=settings.db_pool_size,
                               max_overflow=settings.db_max_overflow)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        read_url = getattr(settings, "database_read_url", None)  # each service declares it with its prefix
        read_engine = attach_read_engine(app.state, read_url, database_url, schema=schema,
                                         application_name=f"kaohe-{service}-read", pool_size=settings.db_pool_size,
                                         max_overflow=settings.db_max_overflow)
        metrics.watch_pool(lambda: pool_stats(engine))
        try:
            if extra_lifespan is None:
                yield
            else:
                async with extra_lifespan(app):
                    yield
        finally:
            await engine.dispose()
            if read_engine is not None:
                await read_engine.dispose()

    require_strong_secret("KAOHE_SERVICE_SECRET", settings.service_secret)
    app = FastAPI(title=title, version=version, description=description, lifespan=lifespan,
                  generate_unique_id_function=operation_id)
    app.state.settings = settings
    app.state.service = service
    install_error_handlers(app)
    install_problem_documentation(app)
    metrics = Metrics(service)
    app.state.metrics = metrics
    idempotency.install(app)
    app.add_middleware(TouchedMiddleware)
    app.add_middleware(ServiceAuthMiddleware, secret=settings.service_secret.get_secret_value())
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(metrics.router())

    async def readiness(request: Request) -> dict[str, Any]:
        return await database_readiness(request.app.state.engine, schema=schema,
                                        expected_heads=expected_heads)

    app.include_router(health_router(service, readiness))

    meta = APIRouter(prefix=f"/api/v1/{service}", tags=["meta"])

    @meta.get("/version", response_model=ServiceVersion, name=f"{service}_version",
              summary="Service version")
    async def service_version(request: Request) -> ServiceVersion:
        """The service's code version and the database schema revision it is at, to check after a deployment that code
        and database match.

        Callers: every signed-in role."""
        async with request.app.state.engine.connect() as connection:
            rows = await connection.execute(text(f'SELECT version_num FROM "{schema}".alembic_version'))  # noqa: S608
            revisions = sorted(row[0] for row in rows)
        return ServiceVersion(service=service, version=version, schema_revision=revisions)

    @meta.get("/whoami", summary="Who am I to this service", responses={200: {"content": {"application/json": {
        "example": {"service": service, "subject": "user:2d1f6c8e-0b5a-4f0e-9d3c-7a8b9c0d1e2f", "kind": "user",
                    "roles": ["unit_admin"]}}}}})
    async def whoami(caller: CallerDep) -> dict[str, object]:
        """The caller as this service sees it (subject, kind and roles), to check a token or API key end to end. Cheap:
        touches no data.

        Callers: every signed-in role; API keys with any scope."""
        return {"service": service, "subject": caller.subject, "kind": caller.kind, "roles": list(caller.roles)}

    app.include_router(meta)
    for router in routers:
        app.include_router(router)
    return app
