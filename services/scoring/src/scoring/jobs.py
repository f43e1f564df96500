"""The scoring service's job handlers: its worker (``python -m shared.jobs.worker scoring``) imports this
module, and with it every ``@task("scoring.…")`` of the modules below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

import scoring.events
import scoring.results.exports  # noqa: F401  (large results workbooks)
from scoring.clients import Neighbours
from scoring.config import ScoringSettings
from scoring.results import jobs as result_jobs


@asynccontextmanager
async def resources(settings: ScoringSettings, records_transport: httpx.AsyncBaseTransport | None = None,
                    quota_transport: httpx.AsyncBaseTransport | None = None) -> AsyncIterator[dict[str, Any]]:
    """What the handlers share in a worker, as the web process has them: the settings, the clients of records
    and quota (``neighbours``) and how a close uses the machine (``close_tuning``)."""
    neighbours = Neighbours(records_url=settings.records_url, quota_url=settings.quota_url,
                            secret=settings.service_secret.get_secret_value(),
                            timeout=settings.upstream_timeout_seconds, records_transport=records_transport,
                            quota_transport=quota_transport)
    try:
        yield {"settings": settings, "neighbours": neighbours, "close_tuning": settings.close_tuning}
    finally:
        await neighbours.aclose()


__all__ = ["resources", "result_jobs"]
