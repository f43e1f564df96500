"""``Idempotency-Key`` on creating requests: a client that lost a response retries safely.

The first POST with a key is forwarded and its answer kept (24 hours); a retry with the same
key, caller, route and body gets that answer again, marked ``Idempotent-Replayed: true``, and
nothing is created twice. The same key with another body is a 422; a retry while the first is
still running is a 409. A 5xx answer is not kept, so the retry really runs again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import Response

from gateway.models import IdempotencyKey
from shared.errors import Conflict, Unprocessable

KEEP = timedelta(hours=24)


class KeyReused(Unprocessable):
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was used for a different request"


class KeyInFlight(Conflict):
    code = "idempotency_key_in_flight"
    title = "A request with this Idempotency-Key is still being handled"


async def once(sessionmaker: async_sessionmaker[AsyncSession], *, key: str, subject: str, method: str, path: str,
               body: bytes, send: Callable[[], Awaitable[Response]]) -> Response:
    digest = hashlib.sha256(body).hexdigest()
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        await session.execute(delete(IdempotencyKey).where(IdempotencyKey.key == key,
                                                           IdempotencyKey.subject == subject,
                                                           IdempotencyKey.created_at < now - KEEP))
        claimed = await session.scalar(
            insert(IdempotencyKey).values(key=key, subject=subject, method=method, path=path, body_hash=digest)
            .on_conflict_do_nothing().returning(IdempotencyKey.key))
        await session.commit()
        if claimed is None:
            first = await session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key,
                                                                      IdempotencyKey.subject == subject))
            if first is None:  # expired and removed between the two statements: treat as in flight
                raise KeyInFlight("retry in a moment")
            if (first.method, first.path, first.body_hash) != (method, path, digest):
                raise KeyReused(f"the key was first used for {first.method} {first.path} with another body")
            if first.status is None:
                raise KeyInFlight("the first request with this key has not finished; retry in a moment")
            headers = {"idempotent-replayed": "true"}
            return Response(first.body or b"", status_code=first.status, media_type=first.content_type,
                            headers=headers)
    try:
        response = await send()
    except BaseException:
        await _forget(sessionmaker, key, subject)
        raise
    if response.status_code >= 500:
        await _forget(sessionmaker, key, subject)
        return response
    async with sessionmaker() as session:
        await session.execute(update(IdempotencyKey).where(IdempotencyKey.key == key,
                                                           IdempotencyKey.subject == subject)
                              .values(status=response.status_code, content_type=response.headers.get("content-type"),
                                      body=bytes(response.body)))
        await session.commit()
    return response


async def _forget(sessionmaker: async_sessionmaker[AsyncSession], key: str, subject: str) -> None:
    async with sessionmaker() as session:
        await session.execute(delete(IdempotencyKey).where(IdempotencyKey.key == key,
                                                           IdempotencyKey.subject == subject))
        await session.commit()
