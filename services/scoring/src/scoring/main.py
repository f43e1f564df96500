from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from scoring.config import ScoringSettings, get_settings
from scoring.preview.router import router as preview_router
from shared.app import create_service_app

VERSION = "0.1.0"
ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(settings: ScoringSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        service="scoring",
        title="kaohe scoring",
        version=VERSION,
        description=(
            "Schemes, ratings, bonus and deduction, quarter and year grades, objections: "
            "every score and grade, explained."
        ),
        settings=settings,
        database_url=settings.database_url,
        alembic_ini=ALEMBIC_INI,
        routers=[preview_router],
    )
