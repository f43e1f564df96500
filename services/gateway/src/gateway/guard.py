"""Limits on what a client may send, checked before anything else reads the request.

- Headers: at most ``max_header_count`` fields and ``max_header_bytes`` in all (the request line's
  target included) → 431.
- Bodies, by route class: the import routes (a path ending in ``/import`` or ``/stream``: multipart
  sheets and JSON lines) take up to ``import_body_bytes``, every other request ``write_body_bytes``.
  A ``Content-Length`` beyond the limit is refused before a byte is read; a chunked body is counted as
  it arrives and refused as soon as it passes the limit → 413, naming the limit (``limit_bytes``).
- Slow bodies: the whole body must arrive within ``body_timeout_seconds``, and after
  ``body_grace_seconds`` at ``body_min_bytes_per_second`` on average → 408.

Each refusal is problem+json and closes the connection (``Connection: close``), so a client cannot
keep a refused upload or a trickle going; once the body was refused, that refusal is the answer
whatever a handler made of the error. Slow headers are the server's to cut: see :mod:`gateway.server`.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import AppError, HeadersTooLarge, PayloadTooLarge, RequestTimeout, problem

IMPORT_ROUTE = re.compile(r"^/api/v1/[a-z]+/(?:.+/)?(?:import|stream)$")


@dataclass(frozen=True)
class Limits:
    import_body_bytes: int
    write_body_bytes: int
    max_header_count: int
    max_header_bytes: int
    body_timeout_seconds: float
    body_grace_seconds: float
    body_min_bytes_per_second: int

    def body_bytes(self, path: str) -> int:
        return self.import_body_bytes if IMPORT_ROUTE.match(path) else self.write_body_bytes


def header_problem(scope: Scope, limits: Limits) -> HeadersTooLarge | None:
    headers = scope["headers"]
    if len(headers) > limits.max_header_count:
        return HeadersTooLarge(f"a request may carry at most {limits.max_header_count} header fields, "
                               f"this one has {len(headers)}", extra={"limit_count": limits.max_header_count})
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + sum(
        len(name) + len(value) + 4 for name, value in headers)
    if size > limits.max_header_bytes:
        return HeadersTooLarge(f"the request's headers are larger than the limit of {limits.max_header_bytes} "
                               "bytes", extra={"limit_bytes": limits.max_header_bytes})
    return None


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"request body is larger than the limit of {limit} bytes for this route",
                           extra={"limit_bytes": limit})


class BodyReader:
    """``receive`` that counts the body and times it, raising the 413 or 408 for whoever reads it."""

    def __init__(self, receive: Receive, limit: int, limits: Limits) -> None:
        self.receive, self.limit, self.limits = receive, limit, limits
        self.size = 0
        self.started: float | None = None
        self.done = False
        self.refused: AppError | None = None

    def wait(self, now: float) -> float:
        """Seconds the next chunk may take: to the overall deadline, or to the moment the average
        rate, counting from the start, would fall below the minimum."""
        assert self.started is not None
        limits = self.limits
        deadline = self.started + limits.body_timeout_seconds
        if limits.body_min_bytes_per_second > 0:
            deadline = min(deadline, self.started + limits.body_grace_seconds
                           + self.size / limits.body_min_bytes_per_second)
        return deadline - now

    async def __call__(self) -> Message:
        if self.refused is not None:
            raise self.refused
        if self.done:
            return await self.receive()
        now = time.monotonic()
        if self.started is None:
            self.started = now
        try:
            async with asyncio.timeout(max(self.wait(now), 0.0)):
                message = await self.receive()
        except TimeoutError:
            limits, elapsed = self.limits, time.monotonic() - self.started
            self.refused = RequestTimeout(
                f"the body arrived too slowly: {self.size} bytes in {elapsed:.0f} s (a body must arrive "
                f"within {limits.body_timeout_seconds:g} s, and after {limits.body_grace_seconds:g} s at "
                f"{limits.body_min_bytes_per_second} bytes per second at least)")
            raise self.refused from None
        if message["type"] != "http.request":
            return message
        self.size += len(message.get("body", b""))
        if self.size > self.limit:
            self.refused = too_large(self.limit)
            raise self.refused
        self.done = not message.get("more_body", False)
        return message


class RequestGuardMiddleware:
    def __init__(self, app: ASGIApp, *, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.body_bytes(scope["path"])
        refusal: AppError | None = header_problem(scope, self.limits)
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), b"")
        if refusal is None and declared.isdigit() and int(declared) > limit:
            refusal = too_large(limit)
        if refusal is not None:
            await _refuse(refusal, scope, receive, send)
            return
        if not declared.strip(b"0") and not any(name == b"transfer-encoding" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)  # no body to count or time
            return
        reader = BodyReader(receive, limit, self.limits)
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if reader.refused is not None and not started:
                return  # whatever the app made of the refusal (FastAPI: a 400), the refusal is the answer
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, reader, guarded_send)
        except Exception:
            if reader.refused is None or started:
                raise
        if reader.refused is not None and not started:
            await _refuse(reader.refused, scope, receive, send)


async def _refuse(exc: AppError, scope: Scope, receive: Receive, send: Send) -> None:
    response = problem(exc.status_code, code=exc.code, title=exc.title, detail=exc.detail,
                       instance=scope["path"], extra=exc.extra, headers={"connection": "close"})
    await response(scope, receive, send)
