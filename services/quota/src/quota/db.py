from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import make_metadata
from shared.idempotency import key_table
from shared.jobs.files import job_files_table
from shared.jobs.table import job_table

SCHEMA = "quota"


class Base(DeclarativeBase):
    metadata = make_metadata(SCHEMA)


# The keys of the idempotent writes this service committed (see ``shared.idempotency``).
IDEMPOTENCY_KEYS = key_table(Base.metadata)

# The jobs run by this service's workers (see ``shared.jobs``).
JOBS = job_table(Base.metadata)

# The files of the export jobs (see ``shared.jobs.files``).
JOB_FILES = job_files_table(Base.metadata)
