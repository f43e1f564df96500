from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import make_metadata
from shared.service_tables import service_tables

SCHEMA = "quota"


class Base(DeclarativeBase):
    metadata = make_metadata(SCHEMA)


# This service's idempotency keys, jobs and export jobs' files (see ``shared.service_tables``).
IDEMPOTENCY_KEYS, JOBS, JOB_FILES = service_tables(Base.metadata)
