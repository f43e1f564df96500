"""Test helpers for work that runs as jobs: a service app that hands its work to jobs, and a real worker.

The app is the service's real one on settings that send the work to a job at once (its threshold and
``KAOHE_JOB_WAIT_SECONDS`` as a test sets them); the worker is the real worker of ``shared.jobs.worker``
in the test's event loop, its handlers' clients wired to the in-process neighbours. What a job reads must
be committed (a worker sees no test's open transaction), so these tests commit and remove their rows.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module
from typing import Any

from fastapi import FastAPI

from shared.jobs import store
from shared.jobs.start import wait_for
from shared.jobs.worker import worker
from shared.testing import TEST_SECRET, running


def job_settings(service: str, database_url: str, **values: Any) -> Any:
    """The service's settings for a test of its jobs: every job answered with 202 unless ``values`` say else."""
    config = import_module(f"{service}.config")
    settings_cls = getattr(config, f"{service.capitalize()}Settings")
    return settings_cls(**{f"{service.upper()}_DATABASE_URL": database_url, "KAOHE_SERVICE_SECRET": TEST_SECRET,
                           "KAOHE_JOB_WAIT_SECONDS": 0, **values})


@asynccontextmanager
async def job_app(service: str, settings: Any, **options: Any) -> AsyncIterator[FastAPI]:
    """The service's real app on ``settings`` (``options``: its neighbours' transports), running."""
    app: FastAPI = import_module(f"{service}.main").create_app(settings, **options)
    async with running(app):
        yield app


@asynccontextmanager
async def job_worker(service: str, settings: Any, **resources: Any) -> AsyncIterator[None]:
    """A real worker of ``service``'s jobs in this event loop; ``resources``: keywords for the service's
    ``jobs.resources`` (its clients' transports)."""
    hooks = import_module(f"{service}.jobs")
    original = getattr(hooks, "resources", None)
    if original is not None and resources:
        setattr(hooks, "resources", functools.partial(original, **resources))  # noqa: B010 (a module's hook)
    try:
        async with worker(service, database_url=settings.database_url, settings=settings):
            yield
    finally:
        if original is not None:
            setattr(hooks, "resources", original)  # noqa: B010


async def ended(app: FastAPI, location: str, seconds: float = 60) -> Any:
    """The job at ``location`` (``/api/v1/<service>/jobs/<id>``) once it has ended."""
    job_id = uuid.UUID(location.rstrip("/").split("/")[-1])
    async with app.state.sessionmaker() as session:
        row = await store.read_job(session, job_id)
    assert row is not None, location
    row = await wait_for(app, row, seconds)
    assert row.state not in ("queued", "running"), f"job {job_id} is still {row.state}"
    return row
