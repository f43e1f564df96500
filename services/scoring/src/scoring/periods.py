"""The period in a scoring path: a month ``2025-03``, a quarter ``2025Q1`` (平时考核), a half year
``2025H1`` or a year ``2025`` (年度考核)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi import Path as PathParam

from shared.errors import Unprocessable
from shared.periods import PERIOD_SCHEMA, Period, parse_period


def period_path(period: Annotated[str, PathParam(max_length=7, json_schema_extra=PERIOD_SCHEMA,
                                                 description="a month 2025-03, a quarter 2025Q1, "
                                                             "a half year 2025H1 or a year 2025",
                                                 examples=["2025Q1"])]) -> Period:
    return parsed(period, "path.period")


def parsed(period: str, field: str) -> Period:
    """The period, or a 422 naming ``field``."""
    try:
        return parse_period(period)
    except ValueError as exc:
        raise Unprocessable(str(exc), code="invalid_period",
                            errors=[{"field": field, "message": str(exc)}]) from exc


PeriodDep = Annotated[Period, Depends(period_path)]
QUARTER_PATTERN = r"^(20[0-9]{2}|2100)[Qq][1-4]$"


def quarter_path(period: Annotated[str, PathParam(max_length=7, json_schema_extra={"pattern": QUARTER_PATTERN},
                                                  description="a quarter 2025Q1", examples=["2025Q1"])]) -> Period:
    """A period that only a quarter makes sense for: the document says so; the handler still answers
    another period with its own 422."""
    return parsed(period, "path.period")


QuarterDep = Annotated[Period, Depends(quarter_path)]


def is_year(period: Period) -> bool:
    return period.kind == "year"
