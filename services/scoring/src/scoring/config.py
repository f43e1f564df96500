from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings, database_url_field


class ScoringSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCORING_", env_file=".env", extra="ignore")

    database_url: str = database_url_field("SCORING_")  # type: ignore[assignment]


@lru_cache
def get_settings() -> ScoringSettings:
    return ScoringSettings()
