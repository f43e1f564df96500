"""Long work as jobs: a queue in each service's schema (pgqueuer), worker processes apart from the web
processes, and a ``jobs`` table callers follow.

What other code uses:

- ``@task("<service>.<name>", status=200)`` on ``async def handler(ctx: JobContext) -> body``, in a module
  the service's ``jobs.py`` imports;
- ``await start_job(request, kind, params=..., payload=..., region_id=..., unit_id=..., total=...)`` in a
  route (with ``responses=ACCEPTED``): the synchronous answer when done within a second, else 202;
- ``JobContext``: ``job_id``, ``params``, ``await payload()``, ``session()``, ``await progress(done, total,
  phase)``, ``await advance(n)``, ``await check_cancelled(session)``, ``await commit(session, result)``,
  ``await fan_out(parts, then=...)`` / ``await enqueue(kind, params)`` (parts run by several workers at once);
- ``job_table(metadata)`` in the service's ``db.py``, ``upgrade_sql(schema)`` / ``downgrade_sql`` in its
  migration; ``on_finished(schema, hook)`` for what a job's end writes (the ``job_finished`` event, a close's run
  dropped).
"""

from shared.jobs.context import JobContext
from shared.jobs.errors import JobCancelled, JobFinished
from shared.jobs.registry import TASKS, Task, task, tasks_of
from shared.jobs.schemas import JobRead, job_path, job_read
from shared.jobs.start import ACCEPTED, answer, start_job, wait_for
from shared.jobs.store import announce_to_region, on_finished
from shared.jobs.table import downgrade_sql, job_table, upgrade_sql

__all__ = ["ACCEPTED", "TASKS", "JobCancelled", "JobContext", "JobFinished", "JobRead", "Task", "announce_to_region",
           "answer", "downgrade_sql", "job_path", "job_read", "job_table", "on_finished", "start_job", "task",
           "tasks_of", "upgrade_sql", "wait_for"]
