"""Settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def database_url_field(prefix: str) -> object:
    """``<PREFIX>DATABASE_URL`` for the service's own login, else the common ``KAOHE_DATABASE_URL``."""
    return Field(validation_alias=AliasChoices(f"{prefix}DATABASE_URL", "KAOHE_DATABASE_URL"))


def database_read_url_field(prefix: str) -> object:
    """``<PREFIX>DATABASE_READ_URL``: where lists and exports read (a streaming replica), else the
    common ``KAOHE_DATABASE_READ_URL``; unset, they read from the primary."""
    return Field(default=None, validation_alias=AliasChoices(f"{prefix}DATABASE_READ_URL", "KAOHE_DATABASE_READ_URL"))


class BaseServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    service_secret: SecretStr = Field(validation_alias="KAOHE_SERVICE_SECRET")
    log_level: str = Field(default="INFO", validation_alias="KAOHE_LOG_LEVEL")
    db_pool_size: int = Field(default=10, validation_alias="KAOHE_DB_POOL_SIZE")
    db_max_overflow: int = Field(default=10, validation_alias="KAOHE_DB_MAX_OVERFLOW")
    database_read_url: str | None = None  # each service declares it with its prefix (database_read_url_field)


MIN_SECRET_BYTES = 32
KNOWN_DEFAULT_SECRETS = frozenset({
    "secret", "changeme", "change-me", "change_me", "changethis", "default", "password", "jwt-secret",
    "service-secret", "your-secret-key", "supersecret", "dev", "development", "test", "kaohe",
})


class WeakSecret(RuntimeError):
    """A signing secret too short or a known default: the process refuses to start."""


def require_strong_secret(name: str, secret: SecretStr) -> None:
    """Refuse a signing secret shorter than 32 bytes or a well-known placeholder; ``make run``
    generates strong ones, so only a hand-set value can fail this."""
    value = secret.get_secret_value()
    if value.strip().lower() in KNOWN_DEFAULT_SECRETS or len(set(value)) <= 2:
        raise WeakSecret(f"{name} is a well-known default; set a random value of at least {MIN_SECRET_BYTES} bytes "
                         "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise WeakSecret(f"{name} is {len(value.encode())} bytes; it must be at least {MIN_SECRET_BYTES} "
                         "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
