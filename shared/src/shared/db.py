"""Database plumbing: naming convention, engine per service schema, request sessions.

Writes and the reads that must see them go to the primary (``SessionDep``). Lists and exports,
where a read may be a little stale, take ``ReadSessionDep``: a read-only session on the replica
URL (``<SERVICE>_DATABASE_READ_URL``, e.g. CloudNativePG's ``-ro`` Service) when one is set, the
primary's session otherwise, and the primary's too while no replica answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared import idempotency

NAMING_CONVENTION = {
    "ix": "%(column_0_label)s_idx",
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


# A replica that does not answer a connection within this is skipped for the primary.
READ_CONNECT_TIMEOUT_SECONDS = 5


def make_metadata(schema: str) -> MetaData:
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """Accept the plain ``postgresql://`` form operators write and use the asyncpg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    if parsed.drivername != "postgresql+asyncpg":
        raise ValueError(f"only PostgreSQL is supported, got driver {parsed.drivername!r}")
    return parsed.render_as_string(hide_password=False)


def create_engine(
    url: str, *, schema: str, application_name: str, pool_size: int = 10, max_overflow: int = 10,
    read_only: bool = False,
) -> AsyncEngine:
    """An engine whose connections see only the service's own schema first on the search path;
    ``read_only``: every transaction is read-only, so a write sent to a replica's engine by mistake
    fails on the primary's database too, not only on a replica."""
    server_settings = {"search_path": schema, "application_name": application_name}
    connect_args: dict[str, Any] = {"server_settings": server_settings}
    if read_only:
        server_settings["default_transaction_read_only"] = "on"
        connect_args["timeout"] = READ_CONNECT_TIMEOUT_SECONDS  # then the primary serves the read
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


async def raw_connection(session: AsyncSession) -> Any:
    """The session's asyncpg connection, inside the session's transaction. SQLAlchemy begins a
    transaction on the database only with the first statement it sends itself, so a statement sent
    first on the raw connection would run on its own, in autocommit: its locks gone at once, its
    writes committed whatever the session does next. One is sent here if none has been."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        await connection.exec_driver_sql("SELECT 1")
    return driver


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def attach_read_engine(state: Any, read_url: str | None, write_url: str, *, schema: str, application_name: str,
                       pool_size: int, max_overflow: int) -> AsyncEngine | None:
    """A read-only engine on the replica URL in ``state.read_engine`` and its sessions in
    ``state.read_sessionmaker`` (both None without a replica URL); the caller disposes of it."""
    engine = None
    if read_url and read_url != write_url:
        engine = create_engine(read_url, schema=schema, application_name=application_name, pool_size=pool_size,
                               max_overflow=max_overflow, read_only=True)
    state.read_engine = engine
    state.read_sessionmaker = None if engine is None else make_sessionmaker(engine)
    return engine


@asynccontextmanager
async def committed(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """The session around a block: committed when the block succeeds, rolled back otherwise."""
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    else:
        await session.commit()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: committed when the handler succeeds, rolled back otherwise."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session, committed(session):
        await idempotency.claim(session)  # a keyed write: the key first, in the write's own transaction
        yield session


# "function": commit before the response is sent, so an acknowledged write is a committed one.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
# "request": open until the answer is sent, for a read whose answer streams from its statement
# (nothing to commit before it is sent).
StreamingSessionDep = Annotated[AsyncSession, Depends(get_session, scope="request")]


async def get_read_session(request: Request, primary: SessionDep) -> AsyncIterator[AsyncSession]:
    """A session on the replicas for a list or an export; the primary's (opened only if used) when
    the service has no replica URL or no replica answers."""
    replicas: async_sessionmaker[AsyncSession] | None = request.app.state.read_sessionmaker
    if replicas is None:
        yield primary
        return
    async with replicas() as session:
        try:
            await session.connection()
        except (OSError, DBAPIError):
            yield primary
            return
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]


def pool_stats(engine: AsyncEngine) -> dict[str, int]:
    """Checked-out, idle and overflow connections of an engine's pool, for the metrics."""
    pool: Any = engine.sync_engine.pool
    return {"checked_out": int(pool.checkedout()), "idle": int(pool.checkedin()),
            "overflow": max(0, int(pool.overflow()))}
