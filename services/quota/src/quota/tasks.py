"""The quota service's job handlers: its worker (``python -m shared.jobs.worker quota``) imports this
module, and with it every ``@task("quota.…")`` of the modules below."""

from __future__ import annotations
