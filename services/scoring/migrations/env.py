"""Migrations of the scoring schema only; see shared.migrations."""

import os

import scoring.bulletins.models  # the bulletin tables, for autogenerate
import scoring.models  # noqa: F401  (the tables, for autogenerate)
from scoring.db import SCHEMA, Base
from shared.migrations import run_env

run_env(
    schema=SCHEMA,
    target_metadata=Base.metadata,
    default_url=os.environ.get("SCORING_DATABASE_URL") or os.environ.get("KAOHE_DATABASE_URL"),
)
