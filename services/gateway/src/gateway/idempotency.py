"""``Idempotency-Key`` on creating requests: a client that lost a response retries safely.

The first POST with a key is forwarded and its answer kept (24 hours); a retry with the same
key, caller, route and body gets that answer again, marked ``Idempotent-Replayed: true``, and
nothing is created twice. The answer's headers a client acts on are kept and replayed with it
(:data:`REPLAYED_HEADERS`: the ``Location`` of a 202's job or a 201's object, ``Retry-After`` ...).
The same key with another body is a 422; a retry while the first is still running is a 409. A 5xx
answer is not kept, so the retry really runs again.

A key is "in flight" only for its lease (``GATEWAY_IDEMPOTENCY_LEASE_SECONDS``, a little longer
than the upstream timeout, so a live request has been answered or given up by then): a gateway
that died mid-request leaves its key claimed, and the first retry after the lease takes it over
and sends the request again. The key goes to the service with it, and the service keeps the keys
of the writes it committed (``shared.idempotency``): if the dead gateway's write went through,
the service answers the retry with that write's answer instead of writing again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import Response

from gateway.models import IdempotencyKey
from shared.errors import Conflict, DatabaseUnavailable, Unprocessable, database_down
from shared.idempotency import REPLAYED_HEADERS as SERVICE_REPLAYED_HEADERS

KEEP = timedelta(hours=24)
#: the headers of a kept answer that its replay carries too: the services' own list
REPLAYED_HEADERS = tuple(name.decode() for name in SERVICE_REPLAYED_HEADERS)
logger = logging.getLogger("gateway.idempotency")


class KeyReused(Unprocessable):
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was used for a different request"


class KeyInFlight(Conflict):
    code = "idempotency_key_in_flight"
    title = "A request with this Idempotency-Key is still being handled"


@asynccontextmanager
async def _database(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose lost database is a 503 problem (this runs outside the app's error handlers)."""
    try:
        async with sessionmaker() as session:
            yield session
    except Exception as exc:
        if database_down(exc):
            raise DatabaseUnavailable("the gateway's database is unavailable; retry shortly") from exc
        raise


PATH_CHARS = 512  # the column's width


def stored_path(path: str) -> str:
    """The path as kept beside a key: as it is, or a longer one cut and ended by its digest (still one a path)."""
    if len(path) <= PATH_CHARS:
        return path
    return path[:PATH_CHARS - 65] + "#" + hashlib.sha256(path.encode()).hexdigest()


async def once(sessionmaker: async_sessionmaker[AsyncSession], *, key: str, subject: str, method: str, path: str,
               body: bytes, send: Callable[[], Awaitable[Response]], lease: timedelta) -> Response:
    digest = hashlib.sha256(body).hexdigest()
    path = stored_path(path)
    now = datetime.now(UTC)
    async with _database(sessionmaker) as session:
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
            if first.status is not None:
                return Response(first.body or b"", status_code=first.status, media_type=first.content_type,
                                headers={**(first.headers or {}), "idempotent-replayed": "true"})
            if not await _take_over(session, key, subject, lease):
                raise KeyInFlight("the first request with this key has not finished; retry in a moment")
    return await _send_once(sessionmaker, key, subject, send)


async def _take_over(session: AsyncSession, key: str, subject: str, lease: timedelta) -> bool:
    """An in-flight key whose lease ran out (its gateway died) passes to this request, and to one only."""
    taken = await session.scalar(
        update(IdempotencyKey).where(IdempotencyKey.key == key, IdempotencyKey.subject == subject,
                                     IdempotencyKey.status.is_(None), IdempotencyKey.created_at < func.now() - lease)
        .values(created_at=func.now()).returning(IdempotencyKey.key))
    await session.commit()
    return taken is not None


async def _send_once(sessionmaker: async_sessionmaker[AsyncSession], key: str, subject: str,
                     send: Callable[[], Awaitable[Response]]) -> Response:
    """Send, then keep the answer; a 5xx or a failure is forgotten so that a retry runs again. Should the
    database be lost meanwhile, the answer is still given and the key stays in flight until its lease
    runs out (the service keeps the write's answer, if there was a write)."""
    try:
        response = await send()
    except BaseException:
        await _forget(sessionmaker, key, subject)
        raise
    if response.status_code >= 500:
        await _forget(sessionmaker, key, subject)
        return response
    try:
        async with _database(sessionmaker) as session:
            await session.execute(update(IdempotencyKey).where(IdempotencyKey.key == key,
                                                               IdempotencyKey.subject == subject)
                                  .values(status=response.status_code,
                                          content_type=response.headers.get("content-type"),
                                          body=bytes(response.body), headers=kept_headers(response)))
            await session.commit()
    except DatabaseUnavailable:
        logger.warning("the answer to a keyed request could not be kept; its key is released after its lease")
    return response


def kept_headers(response: Response) -> dict[str, str]:
    return {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}


async def _forget(sessionmaker: async_sessionmaker[AsyncSession], key: str, subject: str) -> None:
    try:
        async with _database(sessionmaker) as session:
            await session.execute(delete(IdempotencyKey).where(IdempotencyKey.key == key,
                                                               IdempotencyKey.subject == subject))
            await session.commit()
    except DatabaseUnavailable:
        logger.warning("a failed keyed request could not be forgotten; its key is released after its lease")
