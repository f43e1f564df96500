from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings, database_read_url_field, database_url_field


class QuotaSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUOTA_", env_file=".env", extra="ignore")

    database_url: str = database_url_field("QUOTA_")  # type: ignore[assignment]
    database_read_url: str | None = database_read_url_field("QUOTA_")  # type: ignore[assignment]
    max_units: int = 200_000
    records_url: str = "http://127.0.0.1:8001"
    upstream_timeout_seconds: float = 10.0


@lru_cache
def get_settings() -> QuotaSettings:
    return QuotaSettings()
