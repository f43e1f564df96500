"""The scoring service's job handlers: its worker (``python -m shared.jobs.worker scoring``) imports this
module, and with it every ``@task("scoring.…")`` of the modules below."""

from __future__ import annotations

import scoring.events  # noqa: F401  (a job's end is announced: job_finished)
from scoring.results import jobs as result_jobs
from scoring.results.jobs import resources

__all__ = ["resources", "result_jobs"]
