"""A write applied once per ``Idempotency-Key``, however often the gateway sends it.

The gateway keeps each key's answer, but a gateway that dies after the service committed and
before it kept the answer leaves the key in flight; once the key's lease runs out the client's
retry is sent again. So each service remembers the keys of the writes it committed: the request's
session inserts the key (with the caller) as the first statement of the write's own transaction,
and the answer is stored with it before it is sent. The same key again is answered from the store
(``Idempotent-Replayed: true``, with the headers a client acts on: ``Location`` ...) and writes
nothing; while the first is still running the second waits for its commit. A key whose write
committed but whose answer was lost (the service died in between) is a 409
``idempotency_key_applied``: the write is there, once. Keys are kept 24 hours, as at the gateway.
A request that writes nothing (a rollback, an error) keeps nothing.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, String, Table, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import Conflict

KEEP = timedelta(hours=24)
HEADER = b"idempotency-key"
#: the headers of a kept answer that its replay carries too (its type is kept apart, its length recounted)
REPLAYED_HEADERS = (b"location", b"content-location", b"retry-after", b"content-disposition", b"etag",
                    b"cache-control", b"link")
logger = logging.getLogger("shared.idempotency")

_pending: ContextVar[dict[str, Any] | None] = ContextVar("idempotency_pending", default=None)


def key_table(metadata: MetaData) -> Table:
    """The ``idempotency_keys`` table of a service's schema (its migration creates the same)."""
    return Table(
        "idempotency_keys", metadata,
        Column("subject", String(128), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("status", Integer),
        Column("content_type", String(128)),
        Column("body", LargeBinary),
        Column("headers", JSONB),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class KeyApplied(Conflict):
    code = "idempotency_key_applied"
    title = "The request with this Idempotency-Key was applied, but its answer was not kept"


class Replayed(Exception):
    def __init__(self, status: int, content_type: str | None, body: bytes,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.response = Response(body, status_code=status, media_type=content_type,
                                 headers={**(headers or {}), "idempotent-replayed": "true"})


async def claim(session: AsyncSession) -> None:
    """First statement of a keyed write's transaction: the key, committed with the write or not at all.

    A key already committed is answered from the store (:class:`Replayed`) or, its answer lost,
    refused (:class:`KeyApplied`); the handler does not run."""
    pending = _pending.get()
    if pending is None or pending["claimed"]:
        return
    names = {"s": pending["subject"], "k": pending["key"]}
    await session.execute(text("DELETE FROM idempotency_keys WHERE subject = :s AND key = :k AND created_at < :old"),
                          {**names, "old": datetime.now(UTC) - KEEP})
    claimed = await session.scalar(text("INSERT INTO idempotency_keys (subject, key) VALUES (:s, :k) "
                                        "ON CONFLICT DO NOTHING RETURNING key"), names)
    if claimed is not None:
        pending["claimed"] = True
        return
    await session.rollback()
    first = (await session.execute(text("SELECT status, content_type, body, headers FROM idempotency_keys "
                                        "WHERE subject = :s AND key = :k"), names)).one_or_none()
    await session.rollback()
    if first is not None and first.status is not None:
        raise Replayed(first.status, first.content_type, first.body or b"", first.headers)
    raise KeyApplied("the write with this key is stored; read it back instead of sending it again")


async def _replayed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replayed)
    return exc.response


async def _keep(sessionmaker: async_sessionmaker[AsyncSession], pending: dict[str, Any], status: int,
                content_type: str | None, body: bytes, headers: dict[str, str]) -> None:
    try:
        async with sessionmaker() as session:
            await session.execute(text("UPDATE idempotency_keys SET status = :status, content_type = :type, "
                                       "body = :body, headers = CAST(:headers AS jsonb) "
                                       "WHERE subject = :s AND key = :k"),
                                  {"s": pending["subject"], "k": pending["key"], "status": status,
                                   "type": content_type, "body": body, "headers": json.dumps(headers)})
            await session.commit()
    except Exception:  # the write is committed; a retry will get a 409 instead of this answer
        logger.exception("the answer to an idempotent write could not be kept")


class IdempotencyMiddleware:
    """Marks a gateway-forwarded ``POST`` with an ``Idempotency-Key`` for :func:`claim`, and keeps its answer
    (when the write committed) before sending it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = next((v for k, v in scope.get("headers", ()) if k == HEADER), None) \
            if scope["type"] == "http" and scope["method"] == "POST" else None
        caller = scope.get("state", {}).get("caller")
        if not key or caller is None:  # an empty key is no key (the gateway refuses one)
            token = _pending.set(None)  # not a keyed write, even when called from within one (in one process)
            try:
                await self.app(scope, receive, send)
            finally:
                _pending.reset(token)
            return
        pending = {"subject": caller.subject, "key": key.decode("latin-1")[:200], "claimed": False}
        token = _pending.set(pending)
        messages: list[Message] = []

        async def hold(message: Message) -> None:
            messages.append(message)

        try:
            await self.app(scope, receive, hold)
        finally:
            _pending.reset(token)
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        if pending["claimed"] and start is not None and start["status"] < 500:
            content_type = next((v.decode("latin-1") for k, v in start.get("headers", ()) if k == b"content-type"),
                                None)
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start.get("headers", ())
                       if k in REPLAYED_HEADERS}
            await _keep(scope["app"].state.sessionmaker, pending, start["status"], content_type, body, headers)
        for message in messages:
            await send(message)


def install(app: FastAPI) -> None:
    """Before the service's own middleware is added: it must run after the caller is known."""
    app.add_exception_handler(Replayed, _replayed)
    app.add_middleware(IdempotencyMiddleware)
