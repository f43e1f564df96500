from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from gateway.audit import AuditMiddleware
from gateway.auth.passwords import Passwords
from gateway.auth.service import ensure_first_admin, require_policy_admin_password
from gateway.auth.sessions import Listener, SessionCache
from gateway.clients.services import build_downstreams
from gateway.config import GatewaySettings, get_settings
from gateway.db import SCHEMA
from gateway.etag import ETagMiddleware
from gateway.guard import Limits, RequestGuardMiddleware
from gateway.headers import SecurityHeadersMiddleware
from gateway.identity import RateLimits, SignInThrottle, TokenCache
from gateway.routes import admin, auth, catalogue, health, me, me_events, me_mine, me_todo, me_unit, openapi, proxy
from gateway.routes.docs import install as install_docs
from gateway.webhooks import router as webhooks
from gateway.webhooks import worker as webhook_worker
from gateway.webhooks.sealing import Sealer
from shared.business_time import use_time_zone
from shared.db import attach_read_engine, create_engine, make_sessionmaker, pool_stats
from shared.errors import install_error_handlers
from shared.hostile import HostileInputMiddleware
from shared.logging import RequestContextMiddleware, configure_logging
from shared.metrics import Metrics, MetricsMiddleware
from shared.migrations import script_heads
from shared.openapi import operation_id
from shared.settings import require_strong_secret

VERSION = "0.1.0"
ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
DESCRIPTION = (
    "The one public door to kaohe (考核), civil-servant performance evaluation: "
    "records, scoring and quota services behind one API. Sign in at `/api/v1/auth/token` "
    "(OAuth2 password form) and send `Authorization: Bearer <access_token>`; provincial systems "
    "send `X-API-Key`."
)
logger = logging.getLogger("gateway")
__all__ = ["ALEMBIC_INI", "create_app"]


def create_app(settings: GatewaySettings | None = None, **build_options: Any) -> FastAPI:
    settings = settings or get_settings()
    require_strong_secret("GATEWAY_JWT_SECRET", settings.jwt_secret)
    require_strong_secret("KAOHE_SERVICE_SECRET", settings.service_secret)
    if settings.metrics_token is not None:
        require_strong_secret("GATEWAY_METRICS_TOKEN", settings.metrics_token)
    if settings.webhook_keys is not None:
        for key in settings.webhook_key_list or [""]:
            require_strong_secret("GATEWAY_WEBHOOK_KEYS", SecretStr(key))
    require_policy_admin_password(settings)
    configure_logging("gateway", settings.log_level,
                      fmt=settings.log_format, access_log=settings.access_log)
    use_time_zone(settings.time_zone)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, schema=SCHEMA, application_name="kaohe-gateway",
                               pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        read_engine = attach_read_engine(app.state, settings.database_read_url, settings.database_url, schema=SCHEMA,
                                         application_name="kaohe-gateway-read", pool_size=settings.db_pool_size,
                                         max_overflow=settings.db_max_overflow)
        metrics.watch_pool(lambda: pool_stats(engine))
        app.state.passwords = Passwords(settings)
        app.state.rate_limits = RateLimits(settings.rate_limit, settings.sign_in_rate_limit)
        app.state.sign_in_throttle = SignInThrottle(settings.lockout_failures, settings.lockout_minutes)
        app.state.tokens = TokenCache(settings.jwt_secret.get_secret_value())
        app.state.sessions = SessionCache(app.state.sessionmaker, settings.session_check_seconds)
        app.state.session_listener = Listener(settings.database_url, app.state.sessions)
        app.state.session_listener.start()
        app.state.downstreams = build_downstreams(settings, **build_options)
        app.state.webhook_sealer = Sealer(settings.webhook_key_list)
        app.state.webhook_client = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
        webhooks_task = (asyncio.create_task(webhook_worker.run_forever(app, settings.webhook_poll_seconds))
                         if settings.webhook_poll_seconds > 0 else None)
        try:
            async with app.state.sessionmaker() as session:
                if await ensure_first_admin(session, app.state.passwords, settings):
                    logger.info("created the first administrator %r", settings.admin_username)
                await session.commit()
        except Exception:  # an unmigrated database must not stop the process; /readyz says why
            logger.exception("could not check for the first administrator")
        try:
            yield
        finally:
            if webhooks_task is not None:
                webhooks_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await webhooks_task
            await app.state.webhook_client.aclose()
            await app.state.session_listener.stop()
            await app.state.downstreams.aclose()
            await engine.dispose()
            if read_engine is not None:
                await read_engine.dispose()

    app = FastAPI(title="kaohe", version=VERSION, description=DESCRIPTION, lifespan=lifespan,
                  generate_unique_id_function=operation_id,
                  openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.trusted_proxies = list(settings.trusted_proxies)
    app.state.expected_heads = script_heads(ALEMBIC_INI)
    install_error_handlers(app)
    metrics = Metrics("gateway")
    app.state.metrics = metrics
    app.add_middleware(proxy.ProxyMiddleware)
    app.add_middleware(ETagMiddleware)
    limits = Limits(**{name: getattr(settings, name) for name in Limits.__dataclass_fields__})
    app.add_middleware(HostileInputMiddleware, limit=max(limits.import_body_bytes, limits.write_body_bytes))
    app.add_middleware(RequestGuardMiddleware, limits=limits)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_credentials=True, allow_methods=["*"], allow_headers=["*"],
                           expose_headers=["x-request-id"])
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    app.include_router(metrics.router(token=token, public=False))
    app.include_router(auth.router)
    app.include_router(me.router)
    app.include_router(catalogue.router)
    app.include_router(me_events.router)
    app.include_router(me_mine.router)
    app.include_router(me_unit.router)
    app.include_router(me_todo.router)
    app.include_router(admin.router)
    app.include_router(webhooks.router)
    openapi.install_merged_openapi(app)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document(request: Request) -> JSONResponse:
        return JSONResponse(await request.app.state.merged_openapi())

    install_docs(app)

    return app
