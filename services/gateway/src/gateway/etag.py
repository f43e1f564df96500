"""``ETag`` on every successful ``GET`` through the gateway, and ``304 Not Modified`` for a client
that already holds it (``If-None-Match``): a province polling a list pays one hash here instead of
the whole body on the wire, and learns at once that nothing changed.

The tag is strong: a hash of the exact bytes of the body, so two answers share a tag only if they
are byte for byte the same. A route that sets its own ``ETag`` (the catalogue) keeps it. A body
larger than ``MAX_BUFFER`` (an export) is passed on as it comes, without a tag.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BUFFER = 8 * 1024 * 1024
# headers a 304 keeps (RFC 9110 §15.4.5): the others describe a body it does not have
KEPT_BY_304 = frozenset({"etag", "cache-control", "content-location", "date", "expires", "vary"})
ETAG_HEADER = {"ETag": {"description": "a strong tag of this body: send it as `If-None-Match` to get a 304 while "
                                      "nothing changed", "schema": {"type": "string"}}}


def tag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison, ``*`` matches any, a list of tags is comma-separated."""
    if not if_none_match:
        return False
    bare = etag.removeprefix("W/")
    return any(t == "*" or t.removeprefix("W/") == bare for t in (p.strip() for p in if_none_match.split(",")))


class _Exchange:
    """One GET's answer on its way out: held until its body is whole (or too large to hold)."""

    def __init__(self, send: Send, if_none_match: str | None, max_buffer: int) -> None:
        self.send, self.if_none_match, self.max_buffer = send, if_none_match, max_buffer
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.passing = False

    async def __call__(self, message: Message) -> None:
        if self.passing:
            await self.send(message)
        elif message["type"] == "http.response.start":
            if message["status"] == 200:
                self.start = message
            else:  # an error, a redirect, a 206: as it is
                self.passing = True
                await self.send(message)
        elif message["type"] != "http.response.body" or self.start is None:
            await self.send(message)
        else:
            self.chunks.append(message.get("body", b""))
            self.size += len(self.chunks[-1])
            if not message.get("more_body", False):
                await self._finish(b"".join(self.chunks))
            elif self.size > self.max_buffer:
                await self._pass_on()

    async def _pass_on(self) -> None:
        assert self.start is not None
        self.passing = True
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": b"".join(self.chunks), "more_body": True})

    async def _finish(self, body: bytes) -> None:
        assert self.start is not None
        headers = MutableHeaders(scope=self.start)
        etag = headers.get("etag") or tag_of(body)
        headers["etag"] = etag
        if matches(self.if_none_match, etag):
            kept = [(k, v) for k, v in self.start["headers"]
                    if k.decode("latin-1").lower() in KEPT_BY_304 or k.lower().startswith(b"x-")]
            await self.send({"type": "http.response.start", "status": 304, "headers": kept})
            await self.send({"type": "http.response.body", "body": b""})
            return
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": body})


class ETagMiddleware:
    def __init__(self, app: ASGIApp, *, max_buffer: int = MAX_BUFFER) -> None:
        self.app = app
        self.max_buffer = max_buffer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _Exchange(send, Headers(scope=scope).get("if-none-match"), self.max_buffer))
