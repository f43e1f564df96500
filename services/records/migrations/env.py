"""Migrations of the records schema only; see shared.migrations."""

import os

from records.attendance import models as _attendance  # noqa: F401  (register the tables)
from records.db import SCHEMA, Base
from records.honours import models as _honours  # noqa: F401
from records.reports import models as _reports  # noqa: F401
from records.roster import models as _roster  # noqa: F401
from records.tasks import models as _tasks  # noqa: F401
from records.work_logs import models as _work_logs  # noqa: F401
from shared.migrations import run_env

run_env(
    schema=SCHEMA,
    target_metadata=Base.metadata,
    default_url=os.environ.get("RECORDS_DATABASE_URL") or os.environ.get("KAOHE_DATABASE_URL"),
)
