"""The tasks a worker can run: ``@task("scoring.close")`` on an async handler of a :class:`JobContext`.

A kind is ``<service>.<name>``; the worker of a service runs the kinds that start with its name. A
service lists the modules holding its handlers in ``<service>/jobs.py`` (the worker imports it), so
the web process never needs to import a handler to start a job by its kind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.jobs.context import JobContext

#: What a handler returns: the body the synchronous call would have answered (JSON), or None.
Handler = Callable[["JobContext"], Awaitable[Any]]


@dataclass(frozen=True)
class Task:
    kind: str
    handler: Handler
    #: the status the synchronous call answers with this body (200, 201 ...)
    status: int = 200


TASKS: dict[str, Task] = {}


def task(kind: str, *, status: int = 200) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the task ``kind`` (``<service>.<name>``); ``status``: the status the
    synchronous call answers with the handler's result."""
    if "." not in kind:
        raise ValueError(f"a task's kind is <service>.<name>, not {kind!r}")

    def register(handler: Handler) -> Handler:
        existing = TASKS.get(kind)
        if existing is not None and existing.handler is not handler:
            raise RuntimeError(f"the task {kind!r} is registered twice")
        TASKS[kind] = Task(kind, handler, status)
        return handler

    return register


def service_of(kind: str) -> str:
    return kind.split(".", 1)[0]


def tasks_of(service: str) -> dict[str, Task]:
    return {kind: t for kind, t in TASKS.items() if service_of(kind) == service}
