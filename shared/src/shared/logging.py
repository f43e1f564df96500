"""Logs with a request id and a trace id that follow a request across services: JSON lines in
containers (``KAOHE_LOG_FORMAT=json``), readable lines on a terminal (``text``, what ``kaohe run``
uses), and the one line per request (access log) on the console, in a file, or nowhere
(``KAOHE_ACCESS_LOG``).

The gateway creates the id (or takes a well-formed ``X-Request-ID`` from the caller);
every service reads it from the same header, keeps it in a context variable for its
logs and problem bodies, and passes it on to any service it calls.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.i18n import lang_var
from shared.labels import negotiate

REQUEST_ID_HEADER = "x-request-id"
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
trace_id_var: ContextVar[str | None] = ContextVar("trace_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


def traceparent() -> str | None:
    """The W3C trace context to send downstream: this request's trace, a new span."""
    trace_id = trace_id_var.get()
    return f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01" if trace_id else None

access_logger = logging.getLogger("kaohe.access")


class _RequestIdFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = request_id_var.get()
        record.trace_id = trace_id_var.get()
        return True


_EXTRAS_SKIPPED = frozenset({*RESERVED_ATTRS, "color_message", "service", "request_id", "trace_id"})


class TextFormatter(logging.Formatter):
    """One readable line for a terminal: ``LEVEL logger: message key=value ...`` with the request id
    when there is one (the supervisor in front adds the time and the process)."""

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{key}={value}" for key, value in record.__dict__.items() if key not in _EXTRAS_SKIPPED)
        request_id = getattr(record, "request_id", None)
        name = "uvicorn" if record.name == "uvicorn.error" else record.name  # its start lines are no errors
        line = f"{record.levelname} {name}: {record.getMessage()}"
        line += f" {extras}" if extras else ""
        line += f" [{request_id}]" if request_id else ""
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class _UtcIsoJsonFormatter(JsonFormatter):
    """``time`` as UTC ISO 8601 with milliseconds (``2026-12-06T17:30:00.123Z``), whatever the host's zone."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = datetime.fromtimestamp(record.created, tz=UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}Z"


def _formatter(fmt: str) -> logging.Formatter:
    if fmt == "text":
        return TextFormatter()
    return _UtcIsoJsonFormatter(
        "{asctime}{levelname}{name}{message}{service}{request_id}{trace_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


def configure_logging(service: str, level: str = "INFO", *, fmt: str = "json", access_log: str = "console") -> None:
    """Logs on stdout, ``fmt`` json (one object a line: time in UTC, level, logger, message, service,
    request_id, trace_id, extras) or text (one readable line). ``access_log``: where the one line per
    request goes: ``console`` (stdout with the rest), ``off``, or a file path (JSON lines, appended)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_formatter(fmt))
    handler.addFilter(_RequestIdFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our middleware writes one access line per request, with the request id.
    logging.getLogger("uvicorn.access").disabled = True
    for chatty in ("httpx", "httpcore", "alembic"):
        logging.getLogger(chatty).setLevel(max(root.level, logging.WARNING))
    logging.captureWarnings(True)  # a Python warning is a log line like any other
    _route_access_log(service, access_log)


def _route_access_log(service: str, target: str) -> None:
    for old in access_logger.handlers[:]:
        access_logger.removeHandler(old)
        old.close()
    access_logger.disabled = target == "off"
    access_logger.propagate = target == "console"
    access_logger.setLevel(logging.NOTSET if target == "console" else logging.INFO)  # a file: whatever the level
    if target not in ("console", "off"):
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, mode="a", encoding="utf-8")  # O_APPEND: whole lines from every process
        handler.setFormatter(_formatter("json"))
        handler.addFilter(_RequestIdFilter(service))
        access_logger.addHandler(handler)


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Pure ASGI middleware: request id in and out, the answer's language (``Accept-Language``), one
    structured access line."""

    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = parent = language = None
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                incoming = value.decode("latin-1")
            elif key == b"traceparent":
                parent = value.decode("latin-1")
            elif key == b"accept-language":
                language = value.decode("latin-1")
        lang_token = lang_var.set(negotiate(language))
        request_id = incoming if incoming and _VALID_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request_id)
        traced = _TRACEPARENT.match(parent.strip().lower()) if parent else None
        trace_token = trace_id_var.set(traced.group(1) if traced and traced.group(1) != "0" * 32
                                       else uuid.uuid4().hex)
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}
        raw_id = request_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", raw_id))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.access_log and scope["path"] not in ("/healthz", "/readyz"):
                access_logger.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status["code"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)
            trace_id_var.reset(trace_token)
            lang_var.reset(lang_token)
