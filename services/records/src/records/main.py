from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from records.attendance.router import router as attendance_router
from records.changes.router import router as changes_router
from records.config import RecordsSettings, get_settings
from records.events import region_router as region_events_router
from records.events import router as events_router
from records.honours.router import router as honours_router
from records.outstanding import router as outstanding_router
from records.reports.router import router as reports_router
from records.roster.router import router as roster_router
from records.roster.search import router as search_router
from records.summary import router as summary_router
from records.tasks.router import router as tasks_router
from records.todo import router as todo_router
from records.unit_totals import router as unit_totals_router
from records.work_logs.router import router as work_logs_router
from shared.app import create_service_app
from shared.jobs.files import file_router as job_file_router
from shared.jobs.routes import jobs_router

VERSION = "0.1.0"
ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(settings: RecordsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        service="records",
        title="kaohe records",
        version=VERSION,
        description=(
            "Roster, tasks, weekly work records, monthly reports, leader comments and "
            "attendance: the system of record for what each person did in a period."
        ),
        settings=settings,
        database_url=settings.database_url,
        alembic_ini=ALEMBIC_INI,
        routers=[search_router, roster_router, attendance_router, work_logs_router, reports_router, tasks_router,
                 summary_router, unit_totals_router, honours_router, events_router, region_events_router,
                 outstanding_router, changes_router, todo_router,
                 jobs_router("records"), job_file_router("records")],
    )
