"""Whether an access token's session is still open, without a database round trip per request.

Every access token names its session (``sid``). A gateway process keeps, per session, whether it
is open (not revoked, its user active) for ``ttl`` seconds. Whatever ends a session (logout, a
password change or reset, a deactivation, a reused refresh token) sends ``NOTIFY`` on
:data:`CHANNEL` in the same transaction; every gateway process LISTENs (asyncpg ``add_listener``)
and forgets what it knew as soon as the transaction commits. The time-to-live is the fallback for a
notification missed while the listening connection was down (it is remade, and the cache emptied).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.errors import DatabaseUnavailable, database_down
from shared.expiring import ExpiringCache

CHANNEL = "kaohe_gateway_sessions"
logger = logging.getLogger("gateway.sessions")


async def announce(session: AsyncSession, *, sessions: Iterable[uuid.UUID] = (),
                   user_id: uuid.UUID | None = None) -> None:
    """Tell every gateway process, when this transaction commits, to forget these sessions (or all of a user's)."""
    payloads = [f"s:{sid}" for sid in sessions] + ([f"u:{user_id}"] if user_id is not None else [])
    for payload in payloads:
        await session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})


class SessionCache:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], ttl: float, size: int = 50_000) -> None:
        self.sessionmaker, self.ttl = sessionmaker, ttl
        self._seen: ExpiringCache[str, tuple[bool, str]] = ExpiringCache(size)   # sid → (open, user id)
        self._generation = 0

    async def is_open(self, sid: str) -> bool:
        now = time.monotonic()
        hit = self._seen.get(sid, now)
        if hit is not None:
            return hit[0]
        generation = self._generation
        try:
            key = uuid.UUID(sid)
        except ValueError:
            return False
        try:
            async with self.sessionmaker() as session:
                row = (await session.execute(text(
                    "SELECT s.user_id, s.revoked_at IS NULL AND u.is_active FROM sessions s "
                    "JOIN users u ON u.id = s.user_id WHERE s.id = :sid"), {"sid": key})).first()
        except Exception as exc:  # unknown while the database is away: refuse with a 503, never a 500
            if database_down(exc):
                raise DatabaseUnavailable("the gateway's database is unavailable; retry shortly") from exc
            raise
        is_open = bool(row is not None and row[1])
        if generation == self._generation:  # nothing was revoked while we looked
            self._seen.put(sid, (is_open, str(row[0]) if row is not None else ""), until=now + self.ttl, now=now)
        return is_open

    def forget(self, payload: str) -> None:
        """``s:<session id>``, ``u:<user id>`` or ``*`` (everything)."""
        self._generation += 1
        kind, _, key = payload.partition(":")
        if kind == "s":
            self._seen.pop(key)
        elif kind == "u":
            self._seen.drop_where(lambda hit: hit[1] == key)
        else:
            self._seen.clear()


class Listener:
    """One connection LISTENing on :data:`CHANNEL` for the process, remade when it drops."""

    def __init__(self, database_url: str, cache: SessionCache, retry_seconds: float = 1.0) -> None:
        self.dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.cache, self.retry_seconds = cache, retry_seconds
        self.listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-session-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _notified(self, connection: object, pid: int, channel: str, payload: str) -> None:
        self.cache.forget(payload)

    async def _run(self) -> None:
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(self.dsn, server_settings={
                    "application_name": "kaohe-gateway-sessions"})
                closed = asyncio.Event()
                connection.add_termination_listener(lambda _, done=closed: done.set())
                await connection.add_listener(CHANNEL, self._notified)
                self.cache.forget("*")  # whatever was missed while not listening
                self.listening.set()
                await closed.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: the time-to-live covers until it is back
                logger.warning("not listening for ended sessions (%s); retrying", exc)
            finally:
                self.listening.clear()
                if connection is not None and not connection.is_closed():
                    await asyncio.shield(connection.close(timeout=2))
            await asyncio.sleep(self.retry_seconds)
