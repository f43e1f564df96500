"""Business dates in the regions' time zone; timestamps in UTC.

A week, a month, a deadline and "today" are days where the people work: ``Asia/Shanghai`` unless
``KAOHE_TIME_ZONE`` names another IANA zone (one zone for the whole deployment; the regions have no
zone of their own). Timestamps are stored as ``timestamptz`` and written as UTC; a timestamp
becomes a business day only through ``business_day``. Each service sets the zone from its settings
when its app is made (``use_time_zone``), as it sets up logging, so code far from the settings
(an XLSX cell, a bulletin's date) reads the same zone as the routes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Shanghai"
_zone = ZoneInfo(DEFAULT_TIME_ZONE)


def time_zone(name: str) -> ZoneInfo:
    """The zone named ``name``; ``ValueError`` for a name the time zone database does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def use_time_zone(name: str) -> None:
    """The zone of this process's business dates (from the service's settings)."""
    global _zone  # one zone per process, like the logging set-up
    _zone = time_zone(name)


def business_zone() -> ZoneInfo:
    return _zone


def business_day(moment: datetime, zone: ZoneInfo | None = None) -> date:
    """The business day a timestamp falls on (a naive timestamp is refused: it has no day)."""
    if moment.tzinfo is None:
        raise ValueError("a timestamp without a time zone has no business day")
    return moment.astimezone(zone or _zone).date()


def business_today(zone: ZoneInfo | None = None, *, now: datetime | None = None) -> date:
    """Today in the business zone; ``now`` (a timestamp, UTC or not) stands for the clock when given."""
    return business_day(now or datetime.now(UTC), zone)
