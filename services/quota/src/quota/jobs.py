"""The quota service's job handlers: its worker (``python -m shared.jobs.worker quota``) imports this
module, and with it every ``@task("quota.…")`` of the modules below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

import quota.allocations.jobs  # allocations, simulations and reports of many units
import quota.apportionment.router  # apportionments of many units
import quota.events  # noqa: F401  (a job's end is announced: job_finished)
from quota.clients.records import RecordsClient
from quota.config import QuotaSettings


@asynccontextmanager
async def resources(settings: QuotaSettings,
                    records_transport: httpx.AsyncBaseTransport | None = None) -> AsyncIterator[dict[str, Any]]:
    """What the handlers share in a worker, as the web process has them: the settings and the records client
    (``records``)."""
    records = RecordsClient(base_url=settings.records_url, secret=settings.service_secret.get_secret_value(),
                            timeout=settings.upstream_timeout_seconds, transport=records_transport)
    try:
        yield {"settings": settings, "records": records}
    finally:
        await records.aclose()
