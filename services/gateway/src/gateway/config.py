from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shared.settings import BaseServiceSettings


class GatewaySettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    records_url: str = "http://127.0.0.1:8001"
    scoring_url: str = "http://127.0.0.1:8002"
    quota_url: str = "http://127.0.0.1:8003"
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    max_body_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    cors_origins: list[str] = Field(default_factory=list)


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
