from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.periods import DEFAULT_MIN_SHARE
from shared.settings import JobSettings, database_read_url_field, database_url_field


class RecordsSettings(JobSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", env_file=".env", extra="ignore")

    database_url: str = database_url_field("RECORDS_")  # type: ignore[assignment]
    database_read_url: str | None = database_read_url_field("RECORDS_")  # type: ignore[assignment]
    min_share_of_period: Decimal = Field(
        default=Decimal(DEFAULT_MIN_SHARE.numerator) / DEFAULT_MIN_SHARE.denominator, ge=0, le=1,
        description="the share of a period a person must be on the roster to be in its scope: graded in the "
                    "summary and counted in the period's headcount (shared.periods.in_scope_of)")
    # Writing an XLSX of 5,000 roster rows takes about 3.6 s here (a CSV of 20,000 about 0.2 s).
    export_job_rows: int = Field(
        default=2_000, ge=0,
        description="an export (a roster, a unit's attendance or tasks) of this many rows or more is written by a "
                    "job in a worker (answered at once if done within KAOHE_JOB_WAIT_SECONDS, else 202 with the "
                    "job); 0: every one")
    import_job_bytes: int = Field(
        default=1_000_000, ge=0,
        description="an import (a sheet, or a stream with a Content-Length) of at least this many bytes is run by a "
                    "records worker as a job: answered as always when done within KAOHE_JOB_WAIT_SECONDS, else 202 "
                    "with the job to follow; smaller ones are imported in the request")


@lru_cache
def get_settings() -> RecordsSettings:
    return RecordsSettings()


async def app_settings(request: Request) -> RecordsSettings:  # async: no thread hop for a lookup
    """The settings the running app was made with (tests build it with their own)."""
    settings: RecordsSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[RecordsSettings, Depends(app_settings)]
