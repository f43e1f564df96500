"""Settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def database_url_field(prefix: str) -> object:
    """``<PREFIX>DATABASE_URL`` for the service's own login, else the common ``KAOHE_DATABASE_URL``."""
    return Field(validation_alias=AliasChoices(f"{prefix}DATABASE_URL", "KAOHE_DATABASE_URL"))


class BaseServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    service_secret: SecretStr = Field(validation_alias="KAOHE_SERVICE_SECRET")
    log_level: str = Field(default="INFO", validation_alias="KAOHE_LOG_LEVEL")
    db_pool_size: int = Field(default=10, validation_alias="KAOHE_DB_POOL_SIZE")
    db_max_overflow: int = Field(default=10, validation_alias="KAOHE_DB_MAX_OVERFLOW")
