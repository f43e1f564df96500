from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from shared.app import create_service_app

from quota.allocations.router import router as allocations_router
from quota.apportionment.router import router as apportionment_router
from quota.config import QuotaSettings, get_settings

VERSION = "0.1.0"
ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(settings: QuotaSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
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
        routers=[apportionment_router, allocations_router],
    )
