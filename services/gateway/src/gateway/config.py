from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field, IPvAnyNetwork, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class GatewaySettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    database_url: str = Field(validation_alias=AliasChoices("GATEWAY_DATABASE_URL", "KAOHE_DATABASE_URL"))
    jwt_secret: SecretStr = Field(validation_alias=AliasChoices("GATEWAY_JWT_SECRET", "KAOHE_JWT_SECRET"))
    access_token_minutes: int = Field(default=15, gt=0, le=24 * 60)
    refresh_token_days: int = Field(default=14, gt=0, le=90)
    admin_username: str | None = Field(default=None, validation_alias="KAOHE_ADMIN_USERNAME")
    admin_password: SecretStr | None = Field(default=None, validation_alias="KAOHE_ADMIN_PASSWORD")
    # the first administrator must change the password at first sign-in (the embedded default's printed one)
    admin_must_change_password: bool = Field(default=False, validation_alias="KAOHE_ADMIN_MUST_CHANGE_PASSWORD")
    # how long a process trusts what it knows of a session; ended sessions are announced at once (LISTEN/NOTIFY),
    # this bounds the delay when that connection is down
    session_check_seconds: float = Field(default=30.0, gt=0, le=600)
    # Sign-in: each failure on an account slows its next failed answer (growing, at most 5 s); this many
    # failures in a row from one client address lock that address (only) out of the account.
    lockout_failures: int = Field(default=5, gt=0)
    lockout_minutes: int = Field(default=15, gt=0)
    failure_delay_seconds: float = Field(default=0.5, ge=0)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_time_cost: int = Field(default=3, ge=1)
    rate_limit: str = Field(default="1200/minute", description="per user or API key (limits syntax)")
    sign_in_rate_limit: str = Field(default="30/minute", description="per client address")

    records_url: str = "http://127.0.0.1:8001"
    scoring_url: str = "http://127.0.0.1:8002"
    quota_url: str = "http://127.0.0.1:8003"
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    max_body_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    # proxies whose X-Forwarded-For is believed (JSON list of CIDRs); from any other peer it is ignored
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    cors_origins: list[str] = Field(default_factory=list)
    # a long poll of /me/events (?wait=) asks the services again this often until something arrives
    events_poll_seconds: float = Field(default=2.0, gt=0, le=30)


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
