"""How an import run by a job tells it how far it is: the rows written so far, every :data:`PROGRESS_ROWS` rows
(each report is a commit of the job's row, and a chance to stop when the job is cancelled)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

#: rows done so far → the job's ``done`` (and a check for a cancel)
Progress = Callable[[int], Awaitable[None]]

PROGRESS_ROWS = 200


async def tick(progress: Progress | None, done: int) -> None:
    """Report ``done`` when it is a whole number of batches."""
    if progress is not None and done and done % PROGRESS_ROWS == 0:
        await progress(done)
