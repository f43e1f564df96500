from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import JobSettings, database_read_url_field, database_url_field


class QuotaSettings(JobSettings):
    model_config = SettingsConfigDict(env_prefix="QUOTA_", env_file=".env", extra="ignore")

    database_url: str = database_url_field("QUOTA_")  # type: ignore[assignment]
    database_read_url: str | None = database_read_url_field("QUOTA_")  # type: ignore[assignment]
    max_units: int = Field(default=200_000, description="the most units one apportionment may share seats among")
    records_url: str = Field(default="http://127.0.0.1:8001", description="the records service's base URL")
    upstream_timeout_seconds: float = Field(default=10.0,
                                            description="how long a call to records may take (504 beyond)")
    # An allocation of 1,000 units takes about 0.4 s here, of 2,000 about 3 s (the tilt's search grows faster than
    # the units): from 1,000 the work goes to a worker.
    job_from_units: int = Field(
        default=1_000, ge=0,
        description="an apportionment, an allocation, a simulation or a report of this many units or more runs as a "
                    "job in a worker (answered at once if done within KAOHE_JOB_WAIT_SECONDS, else 202 with the "
                    "job); 0: every one")


@lru_cache
def get_settings() -> QuotaSettings:
    return QuotaSettings()
