from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class StackSettings(BaseSettings):
    """How ``kaohe run`` lays out the local stack. Every field reads ``KAOHE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="KAOHE_", env_file=".env", extra="ignore")

    database_url: str | None = None
    records_database_url: str | None = Field(default=None, validation_alias="RECORDS_DATABASE_URL")
    scoring_database_url: str | None = Field(default=None, validation_alias="SCORING_DATABASE_URL")
    quota_database_url: str | None = Field(default=None, validation_alias="QUOTA_DATABASE_URL")
    gateway_database_url: str | None = Field(default=None, validation_alias="GATEWAY_DATABASE_URL")
    service_secret: SecretStr | None = None
    jwt_secret: SecretStr | None = None
    admin_username: str | None = None
    admin_password: SecretStr | None = None
    home: Path = Path(".kaohe")
    database_name: str = "kaohe"
    host: str = "127.0.0.1"
    gateway_port: int = 8000
    records_port: int = 8001
    scoring_port: int = 8002
    quota_port: int = 8003
    pg_port: int = 54329
    log_level: str = "INFO"
    workers: int = Field(default=1, ge=1, le=32, description=(
        "processes per service (uvicorn --workers on one port), as replicas behind a load balancer would be: "
        "each its own memory, caches and database pool"))
    demo: bool = Field(default=True, description="load the demo county on the embedded default's first start")
    demo_scale: float = Field(default=1.0, gt=0, le=1, description="people per unit, as a share of the full demo")
    procfile: Path = Path(__file__).resolve().parents[2] / "Procfile"
