"""The records service's job handlers: its worker (``python -m shared.jobs.worker records``) imports this
module, and with it every ``@task("records.…")`` of the modules below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import records.events  # a job's end is announced (job_finished)
import records.export_tables
import records.import_jobs  # noqa: F401  (large imports)
from records.config import RecordsSettings


@asynccontextmanager
async def resources(settings: RecordsSettings, **_: Any) -> AsyncIterator[dict[str, Any]]:
    """What the handlers share in a worker: the settings (the regions' today)."""
    yield {"settings": settings}
