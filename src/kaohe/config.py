from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class StackSettings(BaseSettings):
    """How ``kaohe run`` lays out the local stack. Every field reads ``KAOHE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="KAOHE_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None, description="a PostgreSQL to use instead of the embedded one (a superuser's URL: roles and "
                                  "schemas are created in it); also every service's, unless its own is set")
    records_database_url: str | None = Field(default=None, validation_alias="RECORDS_DATABASE_URL",
                                             description="the records service's own database URL")
    scoring_database_url: str | None = Field(default=None, validation_alias="SCORING_DATABASE_URL",
                                             description="the scoring service's own database URL")
    quota_database_url: str | None = Field(default=None, validation_alias="QUOTA_DATABASE_URL",
                                           description="the quota service's own database URL")
    gateway_database_url: str | None = Field(default=None, validation_alias="GATEWAY_DATABASE_URL",
                                             description="the gateway's own database URL")
    service_secret: SecretStr | None = Field(default=None, description="see the services; unset: made once and kept "
                                                                       "in KAOHE_HOME/service-secret")
    jwt_secret: SecretStr | None = Field(default=None, description="see GATEWAY_JWT_SECRET; unset: made once and kept "
                                                                   "in KAOHE_HOME/jwt-secret")
    admin_username: str | None = Field(default=None, description="see the gateway; unset with the embedded database: "
                                                                 "the demo's admin")
    admin_password: SecretStr | None = Field(default=None, description="see the gateway")
    home: Path = Field(default=Path(".kaohe"),
                       description="the local stack's folder: embedded database, kept secrets, access log")
    database_name: str = Field(default="kaohe", description="the database created in the server")
    host: str = Field(default="127.0.0.1", description="the address the services and the embedded database listen on")
    gateway_port: int = Field(default=8000, description="the gateway's port, the only public door")
    records_port: int = Field(default=8001, description="the records service's port")
    scoring_port: int = Field(default=8002, description="the scoring service's port")
    quota_port: int = Field(default=8003, description="the quota service's port")
    pg_port: int = Field(default=54329, description="the embedded PostgreSQL's port")
    log_level: str = Field(default="INFO", description="passed to every service")
    log_format: Literal["text", "json"] = Field(
        default="text", description="the services' log lines on the terminal: text (readable) or json")
    access_log: str | None = Field(
        default=None, description="where the services write one line per request: a file path, console, or off; "
                                  "unset: logs/access.log in KAOHE_HOME (`kaohe run --access-log`: console)")
    workers: int = Field(default=1, ge=1, le=32, description=(
        "processes per service (uvicorn --workers on one port), as replicas behind a load balancer would be: "
        "each its own memory, caches and database pool"))
    job_workers: int = Field(default=1, ge=0, le=32, description=(
        "job worker processes per service (the Procfile's <service>-worker lines), each taking one job at a time: "
        "closes, imports and other long work; 0: none here (workers run on other machines)"))
    demo: bool = Field(default=True, description="load the demo county on the embedded default's first start")
    demo_scale: float = Field(default=1.0, gt=0, le=1, description="people per unit, as a share of the full demo")
    procfile: Path = Field(default=Path(__file__).resolve().parents[2] / "Procfile",
                           description="the processes to run, one a line (honcho's Procfile)")

    @property
    def access_log_target(self) -> str:
        """``console``, ``off`` or the file the services append their access lines to."""
        return self.access_log or str((self.home / "logs" / "access.log").resolve())
