"""The records service's job handlers: its worker (``python -m shared.jobs.worker records``) imports this
module, and with it every ``@task("records.…")`` of the modules below."""

from __future__ import annotations

import records.events  # noqa: F401  (a job's end is announced: job_finished)
