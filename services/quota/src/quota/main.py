from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from quota.allocations.router import router as allocations_router
from quota.apportionment.router import router as apportionment_router
from quota.clients.records import RecordsClient
from quota.config import QuotaSettings, get_settings
from quota.events import router as events_router
from shared.app import client_lifespan, create_service_app
from shared.jobs.files import file_router as job_file_router
from shared.jobs.routes import jobs_router

VERSION = "0.1.0"
ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(settings: QuotaSettings | None = None,
               records_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or get_settings()
    clients = client_lifespan("records", lambda: RecordsClient(
        base_url=settings.records_url, secret=settings.service_secret.get_secret_value(),
        timeout=settings.upstream_timeout_seconds, transport=records_transport))
    return create_service_app(
        service="quota",
        title="kaohe quota",
        version=VERSION,
        description=(
            "Apportionment engine and pool-and-tilt allocation of excellent slots between "
            "units."
        ),
        settings=settings,
        database_url=settings.database_url,
        alembic_ini=ALEMBIC_INI,
        routers=[apportionment_router, allocations_router, events_router,
                 jobs_router("quota"), job_file_router("quota")],
        extra_lifespan=clients,
    )
