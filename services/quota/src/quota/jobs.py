"""The quota service's job handlers: its worker (``python -m shared.jobs.worker quota``) imports this
module, and with it every ``@task("quota.…")`` of the modules below."""

from __future__ import annotations

import quota.events  # noqa: F401  (a job's end is announced: job_finished)
