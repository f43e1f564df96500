"""How a job ends other than with a result."""

from __future__ import annotations

import json
from typing import Any

from shared.errors import AppError, Conflict, problem


class JobCancelled(Exception):
    """Raised by :meth:`JobContext.check_cancelled`: the job ends as cancelled, its work rolled back."""


class JobFinished(Conflict):
    code = "job_finished"
    title = "The job has already finished"


def problem_of(exc: BaseException) -> dict[str, Any]:
    """The problem+json body a job that raised ``exc`` shows, as the synchronous call would have answered it."""
    if isinstance(exc, AppError):
        response = problem(exc.status_code, code=exc.code, title=exc.title, detail=exc.detail, errors=exc.errors,
                           extra=exc.extra)
    else:
        response = problem(500, code="internal_error", title="Internal server error",
                           detail="the job failed unexpectedly; its log says why")
    body: dict[str, Any] = json.loads(bytes(response.body))
    return body
