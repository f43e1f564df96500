from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from scoring.bulletins.router import router as bulletins_router
from scoring.cadre.calibration import router as calibration_router
from scoring.cadre.file import router as file_router
from scoring.cadre.file_xlsx import router as file_xlsx_router
from scoring.cadre.lists import router as lists_router
from scoring.clients import Neighbours
from scoring.config import ScoringSettings, get_settings
from scoring.corrections.router import router as corrections_router
from scoring.events import region_router as region_events_router
from scoring.events import router as events_router
from scoring.outstanding import router as outstanding_router
from scoring.preview.router import router as preview_router
from scoring.procedure.router import router as procedure_router
from scoring.results.mine import router as mine_router
from scoring.results.router import router as results_router
from scoring.rounds.router import router as rounds_router
from scoring.schemes.review_router import router as review_router
from scoring.schemes.router import router as schemes_router
from scoring.supervision.router import router as supervision_router
from scoring.todo import router as todo_router
from shared.app import client_lifespan, create_service_app
from shared.jobs.files import file_router as job_file_router
from shared.jobs.routes import jobs_router

VERSION = "0.2.0"
ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(settings: ScoringSettings | None = None, records_transport: httpx.AsyncBaseTransport | None = None,
               quota_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or get_settings()
    clients = client_lifespan("neighbours", lambda: Neighbours(
        records_url=settings.records_url, quota_url=settings.quota_url,
        secret=settings.service_secret.get_secret_value(), timeout=settings.upstream_timeout_seconds,
        records_transport=records_transport, quota_transport=quota_transport))
    app = create_service_app(
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
        routers=[preview_router, schemes_router, review_router, corrections_router, rounds_router, results_router,
                 mine_router, procedure_router, events_router, region_events_router, outstanding_router, todo_router,
                 bulletins_router, file_router, calibration_router, lists_router, file_xlsx_router, supervision_router,
                 jobs_router("scoring"), job_file_router("scoring")],
        extra_lifespan=clients,
    )
    app.state.close_tuning = settings.close_tuning
    return app
