"""The tables every service keeps beside its own, in its own schema."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import MetaData, Table

from shared.idempotency import key_table
from shared.jobs.files import job_files_table
from shared.jobs.table import job_table


class ServiceTables(NamedTuple):
    # the keys of the idempotent writes the service committed (see ``shared.idempotency``)
    idempotency_keys: Table
    # the jobs run by the service's workers (see ``shared.jobs``)
    jobs: Table
    # the files of the export jobs (see ``shared.jobs.files``)
    job_files: Table


def service_tables(metadata: MetaData) -> ServiceTables:
    return ServiceTables(key_table(metadata), job_table(metadata), job_files_table(metadata))
