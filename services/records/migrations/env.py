"""Migrations of the records schema only; see shared.migrations."""

import os

from records.db import SCHEMA, Base
from shared.migrations import run_env

run_env(
    schema=SCHEMA,
    target_metadata=Base.metadata,
    default_url=os.environ.get("RECORDS_DATABASE_URL") or os.environ.get("KAOHE_DATABASE_URL"),
)
