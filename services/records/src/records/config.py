from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Request
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.periods import DEFAULT_MIN_SHARE
from shared.settings import BaseServiceSettings, database_url_field


class RecordsSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", env_file=".env", extra="ignore")

    database_url: str = database_url_field("RECORDS_")  # type: ignore[assignment]
    time_zone: str = Field(
        default="Asia/Shanghai",
        description="the regions' time zone (an IANA name): what 'today' is when a record dated in the future "
                    "is refused, and the local day a weekly record or monthly report was submitted on")
    min_share_of_period: Decimal = Field(
        default=Decimal(DEFAULT_MIN_SHARE.numerator) / DEFAULT_MIN_SHARE.denominator, ge=0, le=1,
        description="the share of a period a person must be on the roster to be in its scope: graded in the "
                    "summary and counted in the period's headcount (shared.periods.in_scope_of)")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def today(self) -> date:
        """Today in the regions' time zone: a record dated after it is in the future."""
        return datetime.now(self.zone).date()


@lru_cache
def get_settings() -> RecordsSettings:
    return RecordsSettings()


async def app_settings(request: Request) -> RecordsSettings:  # async: no thread hop for a lookup
    """The settings the running app was made with (tests build it with their own)."""
    settings: RecordsSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[RecordsSettings, Depends(app_settings)]
