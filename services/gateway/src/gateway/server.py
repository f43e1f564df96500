"""The gateway's HTTP protocol for uvicorn (``--http gateway.server:GuardedHttpToolsProtocol``): uvicorn's
own httptools protocol, plus a deadline for headers, which uvicorn does not have (its keep-alive
timeout only runs between requests, so a client could open a connection and send a header line
every few seconds for ever).

The headers of each request must be complete within ``GATEWAY_HEADER_TIMEOUT_SECONDS`` of the
connection's opening (for its first request) or of the request's first byte (for the next ones on
the connection); otherwise the answer is a 408 problem and the connection is closed. Headers still
incomplete past four times ``GATEWAY_MAX_HEADER_BYTES`` get a 431 and the connection closed at once
(below that, the app's guard counts them exactly: :mod:`gateway.guard`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.config import ConnectionSettings
from shared.errors import PROBLEM_JSON, TYPE_BASE

REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


def raw_problem(status: int, code: str, title: str, detail: str) -> bytes:
    body = orjson.dumps({"type": TYPE_BASE + code, "title": title, "status": status, "code": code,
                         "detail": detail})
    head = (f"HTTP/1.1 {status} ".encode() + REASONS[status] + b"\r\ncontent-type: " + PROBLEM_JSON.encode()
            + f"\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n".encode())
    return head + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    settings: ConnectionSettings | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if GuardedHttpToolsProtocol.settings is None:
            GuardedHttpToolsProtocol.settings = ConnectionSettings()
        self.limits = GuardedHttpToolsProtocol.settings
        self.header_deadline: asyncio.TimerHandle | None = None
        self.header_bytes = 0
        self.in_headers = True

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if self.in_headers:
            self.header_bytes += len(data)
        super().data_received(data)
        if self.in_headers and self.header_bytes > 4 * self.limits.max_header_bytes:
            self._refuse(431, "headers_too_large", "Request header fields too large",
                         f"the request's headers are larger than the limit of {self.limits.max_header_bytes} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_headers = True
        if self.header_deadline is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self.in_headers = False
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # idle until the next request starts: uvicorn's keep-alive timeout; then the header deadline
        self.in_headers = True
        self.header_bytes = 0

    def _arm(self) -> None:
        self._disarm()
        self.header_deadline = self.loop.call_later(self.limits.header_timeout_seconds, self._headers_too_slow)

    def _disarm(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_too_slow(self) -> None:
        self.header_deadline = None
        if self.in_headers and (self.cycle is None or self.cycle.response_complete):
            seconds = self.limits.header_timeout_seconds
            self._refuse(408, "request_timeout", "Request timeout",
                         f"the request's headers did not arrive within {seconds:g} s")

    def _refuse(self, status: int, code: str, title: str, detail: str) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(raw_problem(status, code, title, detail))
            self.transport.close()
