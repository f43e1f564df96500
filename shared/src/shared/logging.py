"""Structured JSON logs with a request id that follows a request across services.

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


def configure_logging(service: str, level: str = "INFO") -> None:
    """JSON lines on stdout: time, level, service, logger, message, request_id, extras."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(
        "{asctime}{levelname}{service}{name}{message}{request_id}{trace_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    ))
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
