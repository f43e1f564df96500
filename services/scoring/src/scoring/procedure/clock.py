"""Today, in the regions' time zone (``KAOHE_TIME_ZONE``), as a dependency: the procedure's dates (stage
deadlines, the publicity window) are days. It is the business day of the service's clock
(``scoring.clock.now``), so a test standing the service at a moment gets that moment's day; a test walking
a period through its stages over weeks overrides this one dependency (``app.dependency_overrides[today]``)
instead of waiting for the calendar."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from scoring.clock import NowDep
from shared.settings import BaseServiceSettings


def today(request: Request, now: NowDep) -> date:
    settings: BaseServiceSettings = request.app.state.settings
    return settings.today(now)


TodayDep = Annotated[date, Depends(today)]
