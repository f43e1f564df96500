from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from shared.errors import install_error_handlers
from shared.logging import RequestContextMiddleware, configure_logging

from gateway.clients.services import build_downstreams
from gateway.config import GatewaySettings, get_settings
from gateway.routes import health, openapi, proxy

VERSION = "0.1.0"
DESCRIPTION = (
    "The one public door to kaohe (考核), civil-servant performance evaluation: "
    "records, scoring and quota services behind one API."
)


def create_app(settings: GatewaySettings | None = None, **build_options: Any) -> FastAPI:
    settings = settings or get_settings()
    configure_logging("gateway", settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.downstreams = build_downstreams(settings, **build_options)
        try:
            yield
        finally:
            await app.state.downstreams.aclose()

    app = FastAPI(title="kaohe", version=VERSION, description=DESCRIPTION, lifespan=lifespan,
                  openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_credentials=True, allow_methods=["*"], allow_headers=["*"],
                           expose_headers=["x-request-id"])
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    openapi.install_merged_openapi(app)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document(request: Request) -> JSONResponse:
        return JSONResponse(await request.app.state.merged_openapi())

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="kaohe API")

    app.include_router(proxy.router)
    return app
