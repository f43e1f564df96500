"""Migrations of the gateway schema only; see shared.migrations."""

import os

from gateway.db import SCHEMA, Base
from gateway.models import *  # noqa: F403  (register every table on the metadata)
from shared.migrations import run_env

run_env(
    schema=SCHEMA,
    target_metadata=Base.metadata,
    default_url=os.environ.get("GATEWAY_DATABASE_URL") or os.environ.get("KAOHE_DATABASE_URL"),
)
