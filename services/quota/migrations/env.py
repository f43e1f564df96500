"""Migrations of the quota schema only; see shared.migrations."""

import os

from quota.db import SCHEMA, Base
from shared.migrations import run_env

run_env(
    schema=SCHEMA,
    target_metadata=Base.metadata,
    default_url=os.environ.get("QUOTA_DATABASE_URL") or os.environ.get("KAOHE_DATABASE_URL"),
)
