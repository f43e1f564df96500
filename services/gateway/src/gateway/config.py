from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import BaseServiceSettings

LEASE_MARGIN_SECONDS = 5.0  # an unset Idempotency-Key lease: this much longer than the upstream timeout


class ConnectionSettings(BaseSettings):
    """What the gateway's HTTP server needs before there is an app (gateway.server): the headers
    of a request must arrive within ``header_timeout_seconds`` of its first byte (or of the
    connection's opening), in at most ``max_header_bytes`` and ``max_header_count`` fields."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    header_timeout_seconds: float = Field(default=10.0, gt=0)
    max_header_count: int = Field(default=100, gt=0)
    max_header_bytes: int = Field(default=16 * 1024, gt=0)


class GatewaySettings(BaseServiceSettings, ConnectionSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    database_url: str = Field(validation_alias=AliasChoices("GATEWAY_DATABASE_URL", "KAOHE_DATABASE_URL"))
    # the audit trail reads from a replica when one is named (CloudNativePG's kaohe-db-ro)
    database_read_url: str | None = Field(
        default=None, validation_alias=AliasChoices("GATEWAY_DATABASE_READ_URL", "KAOHE_DATABASE_READ_URL"))
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
    # per user and per API key, each counted on its own (limits syntax; several joined by ";")
    rate_limit: str = Field(default="20/second;1200/minute", description="per user or API key")
    sign_in_rate_limit: str = Field(default="30/minute", description="per client address")

    records_url: str = "http://127.0.0.1:8001"
    scoring_url: str = "http://127.0.0.1:8002"
    quota_url: str = "http://127.0.0.1:8003"
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    # how long an Idempotency-Key stays "in flight" before a retry may take it over (its gateway died);
    # unset: 5 s more than the upstream timeout, so a live request has been answered or given up by then
    idempotency_lease_seconds: float | None = Field(default=None, gt=0)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    # Request limits (gateway.guard): bodies of the import routes (…/import, …/stream) and of every
    # other request (headers: ConnectionSettings); a body must arrive within body_timeout_seconds and, after
    # body_grace_seconds, at body_min_bytes_per_second on average
    import_body_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    write_body_bytes: int = Field(default=1024 * 1024, gt=0)
    body_timeout_seconds: float = Field(default=120.0, gt=0)
    body_grace_seconds: float = Field(default=10.0, ge=0)
    body_min_bytes_per_second: int = Field(default=1024, ge=0)
    # a bearer token Prometheus sends to the gateway's /metrics; unset, /metrics is 404 at the gateway
    metrics_token: SecretStr | None = None

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value
    # proxies whose X-Forwarded-For is believed (JSON list of CIDRs); from any other peer it is ignored
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    cors_origins: list[str] = Field(default_factory=list)
    # a long poll of /me/events (?wait=) asks the services again this often until something arrives
    events_poll_seconds: float = Field(default=2.0, gt=0, le=30)
    # Webhooks (gateway.webhooks.worker): each process reads new events and sends due deliveries this
    # often (0: this process sends none); a failed attempt waits backoff · 2^(attempts-1), at most
    # backoff_max, and a delivery is given up retry_seconds (a day) after it was written or redelivered
    webhook_poll_seconds: float = Field(default=5.0, ge=0, le=3600)
    webhook_backoff_seconds: float = Field(default=30.0, ge=0)
    webhook_backoff_max_seconds: float = Field(default=3600.0, ge=0)
    webhook_retry_seconds: float = Field(default=86400.0, ge=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_batch: int = Field(default=50, gt=0, le=1000)

    @property
    def idempotency_lease(self) -> float:
        return self.idempotency_lease_seconds or self.upstream_timeout_seconds + LEASE_MARGIN_SECONDS

    @model_validator(mode="after")
    def _lease_outlasts_a_request(self) -> GatewaySettings:
        lease = self.idempotency_lease_seconds
        if lease is not None and lease <= self.upstream_timeout_seconds:
            raise ValueError("GATEWAY_IDEMPOTENCY_LEASE_SECONDS must be longer than GATEWAY_UPSTREAM_TIMEOUT_SECONDS, "
                             "or a retry could take over a request that is still running")
        return self


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
