"""Settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.business_time import DEFAULT_TIME_ZONE, business_today, time_zone


def database_url_field(prefix: str) -> object:
    """``<PREFIX>DATABASE_URL`` for the service's own login, else the common ``KAOHE_DATABASE_URL``."""
    return Field(validation_alias=AliasChoices(f"{prefix}DATABASE_URL", "KAOHE_DATABASE_URL"),
                 description="the service's PostgreSQL (postgresql://…), logged in as its own role")


def database_read_url_field(prefix: str) -> object:
    """``<PREFIX>DATABASE_READ_URL``: where lists and exports read (a streaming replica), else the
    common ``KAOHE_DATABASE_READ_URL``; unset, they read from the primary."""
    return Field(default=None, validation_alias=AliasChoices(f"{prefix}DATABASE_READ_URL", "KAOHE_DATABASE_READ_URL"),
                 description="where the service's lists and exports read (a streaming replica, e.g. CloudNativePG's "
                             "kaohe-db-ro); unset, or while no replica answers: the primary")


class BaseServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    service_secret: SecretStr = Field(
        validation_alias="KAOHE_SERVICE_SECRET",
        description="signs the tokens the gateway gives each request to the services; the same in every service, "
                    "at least 32 random bytes")
    log_level: str = Field(default="INFO", validation_alias="KAOHE_LOG_LEVEL",
                           description="the least level logged: DEBUG, INFO, WARNING, ERROR")
    log_format: Literal["json", "text"] = Field(
        default="json", validation_alias="KAOHE_LOG_FORMAT",
        description="json: one JSON object a line (time, level, logger, message, service, request_id, trace_id), "
                    "for containers and log collectors; text: one readable line, for a terminal (what `kaohe run` "
                    "passes unless set)")
    access_log: str = Field(
        default="console", validation_alias="KAOHE_ACCESS_LOG",
        description="where the one line per request goes: console (with the other logs), off, or a file path "
                    "(JSON lines, appended; several processes may share it); `kaohe run` passes "
                    "KAOHE_HOME/logs/access.log unless set (`kaohe run --access-log`: console)")
    time_zone: str = Field(
        default=DEFAULT_TIME_ZONE, validation_alias="KAOHE_TIME_ZONE",
        description="the regions' time zone (an IANA name): the day business dates fall on — weeks, months, "
                    "deadlines, 'today' (a record dated after it is refused), the local day a record was submitted "
                    "on; timestamps are stored in UTC")
    db_pool_size: int = Field(default=10, validation_alias="KAOHE_DB_POOL_SIZE",
                              description="database connections each process keeps open")
    db_max_overflow: int = Field(default=10, validation_alias="KAOHE_DB_MAX_OVERFLOW",
                                 description="connections a process may open beyond the pool at a busy moment")
    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        time_zone(value)
        return value

    @property
    def zone(self) -> ZoneInfo:
        return time_zone(self.time_zone)

    def today(self, now: datetime | None = None) -> date:
        """Today in the regions' time zone (at ``now`` when given)."""
        return business_today(self.zone, now=now)



class JobSettings(BaseServiceSettings):
    """The settings of a service that runs long work as jobs (``shared.jobs``): its web processes and its workers."""

    job_wait_seconds: float = Field(
        default=1.0, ge=0, le=30, validation_alias="KAOHE_JOB_WAIT_SECONDS",
        description="how long a call that starts a job waits for it to finish: done within it, the call answers "
                    "as it always has; still running, 202 Accepted with the job's Location")
    job_concurrency: int = Field(
        default=1, ge=1, le=64, validation_alias="KAOHE_JOB_CONCURRENCY",
        description="jobs one worker process runs at a time (a close's part keeps a core busy: 1 per core)")
    job_heartbeat_seconds: float = Field(
        default=30.0, ge=1, validation_alias="KAOHE_JOB_HEARTBEAT_SECONDS",
        description="a running job whose worker has not beaten its heartbeat for this long (the worker died) is "
                    "taken over by another worker and run again")
    job_keep_days: int = Field(
        default=30, ge=2, validation_alias="KAOHE_JOB_KEEP_DAYS",
        description="a job that ended (succeeded, failed or cancelled) this many days ago is deleted by the "
                    "service's workers (about hourly), with its file, its parts and the queue's log of it; a queued "
                    "or running job is never deleted, and one started with an Idempotency-Key is kept at least as "
                    "long as the key (a day)")
    change_keep_days: int = Field(
        default=30, ge=1, validation_alias="KAOHE_CHANGE_KEEP_DAYS",
        description="how far back an `updated_after` cursor of a change feed stays valid: a deleted row's "
                    "tombstone is kept this many days (and a change a later one of the same row replaced is "
                    "dropped); a cursor from before the oldest tombstone dropped answers 410 "
                    "`change_cursor_expired` (start again from `0`, which always lists every row)")


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
