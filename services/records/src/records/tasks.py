"""The records service's job handlers: its worker (``python -m shared.jobs.worker records``) imports this
module, and with it every ``@task("records.…")`` of the modules below."""

from __future__ import annotations
