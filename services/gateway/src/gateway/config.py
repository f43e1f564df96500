from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.webhooks.addresses import Destinations
from shared.settings import BaseServiceSettings

LEASE_MARGIN_SECONDS = 5.0  # an unset Idempotency-Key lease: this much longer than the upstream timeout


class ConnectionSettings(BaseSettings):
    """What the gateway's HTTP server needs before there is an app (gateway.server): the headers
    of a request must arrive within ``header_timeout_seconds`` of its first byte (or of the
    connection's opening), in at most ``max_header_bytes`` and ``max_header_count`` fields."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    header_timeout_seconds: float = Field(
        default=10.0, gt=0, description="a request's headers must arrive within this many seconds (408 beyond)")
    max_header_count: int = Field(default=100, gt=0, description="header fields a request may have (431 beyond)")
    max_header_bytes: int = Field(default=16 * 1024, gt=0,
                                  description="bytes a request's headers may take in all (431 beyond)")


class GatewaySettings(BaseServiceSettings, ConnectionSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    database_url: str = Field(validation_alias=AliasChoices("GATEWAY_DATABASE_URL", "KAOHE_DATABASE_URL"),
                              description="the gateway's PostgreSQL (users, sessions, API keys, audit), logged in "
                                          "as its own role")
    database_read_url: str | None = Field(
        default=None, validation_alias=AliasChoices("GATEWAY_DATABASE_READ_URL", "KAOHE_DATABASE_READ_URL"),
        description="where the audit trail is read (a streaming replica, e.g. CloudNativePG's kaohe-db-ro); unset: "
                    "the primary")
    jwt_secret: SecretStr = Field(validation_alias=AliasChoices("GATEWAY_JWT_SECRET", "KAOHE_JWT_SECRET"),
                                  description="signs the access tokens users get at sign-in; at least 32 random bytes")
    access_token_minutes: int = Field(default=15, gt=0, le=24 * 60, description="an access token's lifetime")
    refresh_token_days: int = Field(default=14, gt=0, le=90,
                                    description="a refresh token's lifetime: how long a sign-in lasts unused")
    admin_username: str | None = Field(
        default=None, validation_alias="KAOHE_ADMIN_USERNAME",
        description="the first administrator, created at start only while there is no user")
    admin_password: SecretStr | None = Field(default=None, validation_alias="KAOHE_ADMIN_PASSWORD",
                                             description="the first administrator's password")
    admin_must_change_password: bool = Field(
        default=False, validation_alias="KAOHE_ADMIN_MUST_CHANGE_PASSWORD",
        description="the first administrator must change the password at the first sign-in (the embedded "
                    "default's printed one)")
    session_check_seconds: float = Field(
        default=30.0, gt=0, le=600,
        description="how long a process trusts what it knows of a session; ended sessions are announced at once "
                    "(LISTEN/NOTIFY), this bounds the delay when that connection is down")
    lockout_failures: int = Field(
        default=5, gt=0, description="failed sign-ins in a row from one client address that lock that address (only) "
                                     "out of the account")
    lockout_minutes: int = Field(default=15, gt=0, description="how long such a lockout lasts")
    failure_delay_seconds: float = Field(
        default=0.5, ge=0, description="each failure on an account slows its next failed answer by this much more "
                                       "(at most 5 s)")
    argon2_memory_kib: int = Field(default=65536, ge=8, description="memory of one password hash (Argon2id)")
    argon2_time_cost: int = Field(default=3, ge=1, description="passes of one password hash (Argon2id)")
    rate_limit: str = Field(default="20/second;1200/minute",
                            description="requests per user and per API key in each gateway process, each counted on "
                                        "its own (limits syntax, several joined by ';'; 429 with Retry-After beyond)")
    sign_in_rate_limit: str = Field(default="30/minute",
                                    description="sign-ins and rating-code ballots per client address")

    records_url: str = Field(default="http://127.0.0.1:8001", description="the records service's base URL")
    scoring_url: str = Field(default="http://127.0.0.1:8002", description="the scoring service's base URL")
    quota_url: str = Field(default="http://127.0.0.1:8003", description="the quota service's base URL")
    upstream_timeout_seconds: float = Field(default=10.0, gt=0,
                                            description="how long a service may take to answer (504 beyond)")
    upstream_connect_timeout_seconds: float = Field(
        default=2.0, gt=0, description="how long connecting to a service may take (503 beyond)")
    idempotency_lease_seconds: float | None = Field(
        default=None, gt=0,
        description="how long an Idempotency-Key stays in flight before a retry may take it over (its gateway died); "
                    "unset: 5 s more than GATEWAY_UPSTREAM_TIMEOUT_SECONDS")
    readiness_timeout_seconds: float = Field(default=2.0, gt=0,
                                             description="how long /readyz waits for each service's own /readyz")
    import_body_bytes: int = Field(default=20 * 1024 * 1024, gt=0,
                                   description="bytes of an import's body (…/import, …/stream; 413 beyond)")
    write_body_bytes: int = Field(default=1024 * 1024, gt=0,
                                  description="bytes of any other request's body (413 beyond)")
    body_timeout_seconds: float = Field(default=120.0, gt=0,
                                        description="a body must arrive within this many seconds (408 beyond)")
    body_grace_seconds: float = Field(default=10.0, ge=0,
                                      description="after this many seconds a body must keep the minimum rate")
    body_min_bytes_per_second: int = Field(default=1024, ge=0,
                                           description="the least average rate of a body after the grace (408 below)")
    metrics_token: SecretStr | None = Field(
        default=None, description="the bearer token Prometheus sends to the gateway's /metrics (at least 32 random "
                                  "bytes); unset, /metrics is 404 at the gateway")

    @field_validator("metrics_token", "webhook_keys", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list, description="proxies whose X-Forwarded-For is believed (a JSON list of CIDRs); from any "
                                          "other peer it is ignored")
    cors_origins: list[str] = Field(default_factory=list,
                                    description="front-end origins allowed by CORS (a JSON list)")
    events_poll_seconds: float = Field(
        default=2.0, gt=0, le=30,
        description="a long poll of /me/events (?wait=) asks the services again this often until something arrives")
    # Webhooks (gateway.webhooks.worker): a failed attempt waits backoff · 2^(attempts-1), at most backoff_max,
    # and a delivery is given up retry_seconds (a day) after it was written or redelivered
    webhook_poll_seconds: float = Field(
        default=5.0, ge=0, le=3600,
        description="each gateway process reads new events and sends due webhook deliveries this often (0: none)")
    webhook_backoff_seconds: float = Field(
        default=30.0, ge=0, description="the wait after a webhook delivery's first failed attempt, doubled each time")
    webhook_backoff_max_seconds: float = Field(
        default=3600.0, ge=0, description="the longest wait between two attempts of a webhook delivery")
    webhook_retry_seconds: float = Field(
        default=86400.0, ge=0,
        description="a webhook delivery is given up (failed) this long after it was written or redelivered")
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="how long one webhook delivery attempt waits for the receiver's answer")
    webhook_batch: int = Field(
        default=50, gt=0, le=1000, description="at most this many webhook deliveries are claimed per round")
    webhook_keys: SecretStr | None = Field(
        default=None,
        description="keys sealing webhook secrets at rest, comma-separated, each random text of 32 bytes or more: the "
                    "first seals, any opens (to rotate, put the new one first and keep the old one a day); unset: "
                    "derived from GATEWAY_JWT_SECRET")
    webhook_allowed_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="networks webhooks may be delivered to although refused by default (loopback, link-local such as "
                    "169.254.169.254, multicast, unspecified, reserved); a JSON list of CIDRs")
    webhook_denied_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="networks no webhook is ever delivered to, over any allowance (e.g. the cluster's own service "
                    "and pod ranges); a JSON list of CIDRs")

    @property
    def webhook_key_list(self) -> list[str]:
        """The keys sealing webhook secrets, the sealing one first."""
        if self.webhook_keys is None:
            return [self.jwt_secret.get_secret_value()]
        return [key.strip() for key in self.webhook_keys.get_secret_value().split(",") if key.strip()]

    @property
    def webhook_destinations(self) -> Destinations:
        return Destinations(allowed=tuple(self.webhook_allowed_networks), denied=tuple(self.webhook_denied_networks))

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
