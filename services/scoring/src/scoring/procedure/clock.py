"""Today, in China's time zone, as a dependency: the procedure's dates (stage deadlines, the publicity
window) are days, and a test walking a period through its stages over weeks overrides this one
dependency (``app.dependency_overrides[today]``) instead of waiting for the calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends

CHINA = ZoneInfo("Asia/Shanghai")


def china_today() -> date:
    return datetime.now(CHINA).date()


async def today() -> date:  # async: FastAPI runs a plain function on a thread
    return china_today()


TodayDep = Annotated[date, Depends(today)]
