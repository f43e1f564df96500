"""The time a request is decided at, as a dependency.

A round's deadline (``closes_at``) is compared with this clock rather than with the database's
``now()``, so that a test can stand the service just after a deadline (overriding ``now`` in the
app's ``dependency_overrides``) without waiting for one to pass. Every other timestamp the service
writes still comes from the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends


def utc_now() -> datetime:
    return datetime.now(UTC)


async def now() -> datetime:  # async: FastAPI runs a plain function on a thread
    return utc_now()


NowDep = Annotated[datetime, Depends(now)]
