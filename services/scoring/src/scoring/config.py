from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings, database_url_field


class ScoringSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCORING_", env_file=".env", extra="ignore")

    database_url: str = database_url_field("SCORING_")  # type: ignore[assignment]
    records_url: str = "http://127.0.0.1:8001"
    quota_url: str = "http://127.0.0.1:8003"
    upstream_timeout_seconds: float = 60.0


@lru_cache
def get_settings() -> ScoringSettings:
    return ScoringSettings()
