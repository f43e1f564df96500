"""What changed since a cursor: ``?updated_after=`` on the lists a province pulls, deletions as
tombstones.

(A version's results, written once and never changed, are fed from the version itself, without this
log: ``scoring.results.listing.results_changed``.)

Each tracked table has three statement triggers (insert, update, delete) that append one row per
changed row to the schema's ``row_changes`` log: the table, the row's id, the columns a caller's
scope is decided by (a unit, a region...), whether it was a delete, the time, and the writing
transaction's id (``pg_current_xact_id()``, 64 bits, never wraps). A feed reads the log in
``(xid, seq)`` order and hands out each row once, at its latest change, as it is now (or as a
tombstone: ``{"id", "deleted": true, "deleted_at"}``).

Why the transaction id and not the sequence alone: sequence values are taken when a row is written,
not when its transaction commits, so a reader past position N can later see a smaller N commit and
would skip it. Instead a feed only hands out changes of transactions older than its snapshot's
``xmin`` (``pg_snapshot_xmin(pg_current_snapshot())``, read in the same statement): every
transaction below ``xmin`` has finished, so no change can still appear behind the cursor, and a
transaction that starts writing later gets a larger id. The cost is that a long transaction holds
the feed back (its changes and later ones wait until it ends); none is lost or repeated. The feed
must read the primary (a replica's snapshot is the replica's).

The cursor is opaque (base64url of ``[xid, seq]``, see :mod:`shared.pagination`); ``0`` starts from
the beginning. A page that is full has a ``next`` link; every answer has ``updated_after``, the
cursor to poll with next time, which gives nothing new until something else commits.

A row's scope is the one it had when it changed: a row moved out of a caller's scope is not
announced to them (its next change inside it is).

Retention (:func:`prune`, run by the service's workers): a change that a later change of the same row
replaced is never handed out again, so once older than ``KAOHE_CHANGE_KEEP_DAYS`` it is dropped; the
latest change of every row that still exists is kept for good, so ``0`` always lists every row. A
deleted row's tombstone is dropped once older than ``KAOHE_CHANGE_KEEP_DAYS``, and the position of the
last one dropped is kept (``row_changes_pruned``): a cursor from before it could have missed that
deletion, so it is answered 410 ``change_cursor_expired`` and the consumer starts again from ``0``.
A consumer that polls at least once within that window never sees it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    String,
    Table,
    and_,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from shared.errors import AppError
from shared.openapi import examples_of
from shared.pagination import P, PageQuery, decode, encode, invalid_cursor

A = TypeVar("A")
B = TypeVar("B")

START = "0"

UpdatedAfter = Annotated[str | None, Query(
    max_length=400, description="rows changed since this cursor, in change order, deletions as tombstones "
                                "(`0`: from the beginning); poll again with the answer's `updated_after`. A cursor "
                                "older than the feed keeps deletions (KAOHE_CHANGE_KEEP_DAYS, 30 days by default) "
                                "answers 410 `change_cursor_expired`: start again from `0`")]


def change_table(metadata: MetaData) -> Table:
    """The ``row_changes`` log of a service's schema (:func:`install_sql` creates the same), and beside it
    ``row_changes_pruned`` (:func:`pruned_install_sql`)."""
    Table("row_changes_pruned", metadata,
          Column("tbl", String(63), primary_key=True),
          Column("xid", BigInteger, nullable=False),
          Column("seq", BigInteger, nullable=False))
    return Table(
        "row_changes", metadata,
        Column("seq", BigInteger, Identity(always=True), primary_key=True),
        Column("xid", BigInteger, nullable=False),
        Column("tbl", String(63), nullable=False),
        Column("row_id", UUID(as_uuid=True), nullable=False),
        Column("scope", JSONB, nullable=False),
        Column("deleted", Boolean, nullable=False),
        Column("at", DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()),
        Index("row_changes_tbl_xid_idx", "tbl", "xid", "seq"),
        Index("row_changes_tbl_row_idx", "tbl", "row_id"),
    )


# ------------------------------------------------------------------ migrations


def install_sql(schema: str) -> list[str]:
    """The log and the trigger function a tracked table's triggers call (arguments: the id column,
    the scope columns comma-separated, and the table name to log under)."""
    return [
        f"""CREATE TABLE {schema}.row_changes (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            xid bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
            tbl varchar(63) NOT NULL,
            row_id uuid NOT NULL,
            scope jsonb NOT NULL,
            deleted boolean NOT NULL,
            at timestamptz NOT NULL DEFAULT clock_timestamp()
        )""",
        f"CREATE INDEX row_changes_tbl_xid_idx ON {schema}.row_changes (tbl, xid, seq)",
        f"CREATE INDEX row_changes_tbl_row_idx ON {schema}.row_changes (tbl, row_id)",
        f"""CREATE FUNCTION {schema}.log_row_changes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            EXECUTE format(
                'INSERT INTO %I.row_changes (tbl, row_id, scope, deleted) '
                'SELECT $1, (j ->> $2)::uuid, '
                '       COALESCE((SELECT jsonb_object_agg(k, j -> k) FROM unnest($3) k), ''{{}}''), $4 '
                'FROM (SELECT to_jsonb(t) AS j FROM %I t) changed',
                TG_TABLE_SCHEMA, CASE WHEN TG_OP = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END)
            USING COALESCE(TG_ARGV[2], TG_TABLE_NAME), TG_ARGV[0],
                  string_to_array(NULLIF(TG_ARGV[1], ''), ','), TG_OP = 'DELETE';
            RETURN NULL;
        END $$""",  # noqa: S608 (the schema is the service's own constant)
    ]


def named_columns_sql(schema: str) -> str:
    """:func:`install_sql`'s trigger function again, reading only the id and scope columns of the
    changed rows instead of turning each whole row into JSON first: the same log rows in the same
    order. A close of 100,000 people stores a row each with a detail of about 500 bytes; logging
    them took 3.6 s of a 4.4 s COPY so, 1.2 s this way (a busy machine, one run each)."""
    return f"""CREATE OR REPLACE FUNCTION {schema}.log_row_changes() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            scope text;
        BEGIN
            SELECT COALESCE('jsonb_build_object(' || string_agg(format('%L, t.%I', k, k), ', ') || ')',
                            '''{{}}''::jsonb')
              INTO scope FROM unnest(string_to_array(NULLIF(TG_ARGV[1], ''), ',')) AS k;
            EXECUTE format(
                'INSERT INTO %I.row_changes (tbl, row_id, scope, deleted) '
                'SELECT $1, t.%I::uuid, %s, $2 FROM %I t',
                TG_TABLE_SCHEMA, TG_ARGV[0], scope,
                CASE WHEN TG_OP = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END)
            USING COALESCE(TG_ARGV[2], TG_TABLE_NAME), TG_OP = 'DELETE';
            RETURN NULL;
        END $$"""  # noqa: S608 (the schema is the service's own constant)


def pruned_install_sql(schema: str) -> list[str]:
    """Where the position of the last tombstone dropped is kept, per table (:func:`prune`)."""
    return [f"""CREATE TABLE {schema}.row_changes_pruned (
            tbl varchar(63) PRIMARY KEY,
            xid bigint NOT NULL,
            seq bigint NOT NULL
        )"""]


def pruned_uninstall_sql(schema: str) -> list[str]:
    return [f"DROP TABLE {schema}.row_changes_pruned"]


def uninstall_sql(schema: str) -> list[str]:
    return [f"DROP FUNCTION {schema}.log_row_changes()", f"DROP TABLE {schema}.row_changes"]


def track_sql(schema: str, table: str, *, row_id: str = "id", scope: Sequence[str] = (),
              logged_as: str | None = None) -> list[str]:
    """Log every insert, update and delete of ``table`` (under ``logged_as``: a change of a row of
    another table, e.g. a publication changes its run)."""
    args = ", ".join(f"'{a}'" for a in (row_id, ",".join(scope), logged_as or table))
    return [f"CREATE TRIGGER {table}_logged_{op.lower()} AFTER {op} ON {schema}.{table} "
            f"REFERENCING {'OLD' if op == 'DELETE' else 'NEW'} TABLE AS {'old' if op == 'DELETE' else 'new'}_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.log_row_changes({args})"
            for op in ("INSERT", "UPDATE", "DELETE")]


def untrack_sql(schema: str, table: str) -> list[str]:
    return [f"DROP TRIGGER {table}_logged_{op} ON {schema}.{table}" for op in ("insert", "update", "delete")]


# ------------------------------------------------------------------ reading


class Tombstone(BaseModel):
    """A row that is gone from the list (deleted, or no longer in it)."""

    id: uuid.UUID
    deleted: bool = Field(default=True, description="always true: the row is gone")
    deleted_at: datetime


class CursorExpired(AppError, status=410, code="change_cursor_expired",
                    title="The cursor is older than the change feed keeps"):
    """A cursor from before the last tombstone dropped (``KAOHE_CHANGE_KEEP_DAYS``): it may have missed a deletion."""


@dataclass(frozen=True)
class Change:
    row_id: uuid.UUID
    deleted: bool
    at: datetime


@dataclass(frozen=True)
class Changes:
    changes: list[Change]
    cursor: str        # where to resume: now (the page was full) or at the next poll
    full: bool         # the page was full: there may be more at once


def _position(cursor: str) -> tuple[int, int]:
    if cursor == START:
        return 0, 0
    values = decode(cursor, "query.updated_after")
    if len(values) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
        raise invalid_cursor("query.updated_after")
    return values[0], values[1]


async def changes(session: AsyncSession, log: Table, *, table: str, cursor: str, limit: int,
                  scope: ColumnElement[bool] | None = None) -> Changes:
    """The rows of ``table`` changed after ``cursor`` by transactions that have all finished, each
    once at its latest change, at most ``limit``, in change order; ``scope`` narrows the log by the
    row's scope columns (``log.c.scope["unit_id"].astext.in_(...)``)."""
    xid, seq = _position(cursor)
    if cursor != START:
        pruned = f"{log.schema}.row_changes_pruned" if log.schema else "row_changes_pruned"
        last = (await session.execute(text(f"SELECT xid, seq FROM {pruned} WHERE tbl = :t"),  # noqa: S608 (a schema name)
                                      {"t": table})).one_or_none()
        if last is not None and (xid, seq) < (last.xid, last.seq):
            raise CursorExpired("the feed no longer keeps the deletions since this cursor; start again from 0")
    # Read first: every transaction below it has finished, so the query after sees all their changes.
    horizon = int(await session.scalar(select(
        func.pg_snapshot_xmin(func.pg_current_snapshot()).cast(String).cast(BigInteger))) or 0)
    later = log.alias("later")
    where = [log.c.tbl == table, tuple_(log.c.xid, log.c.seq) > tuple_(literal(xid), literal(seq)),
             log.c.xid < horizon,
             ~select(later.c.seq).where(later.c.tbl == log.c.tbl, later.c.row_id == log.c.row_id,
                                        tuple_(later.c.xid, later.c.seq) > tuple_(log.c.xid, log.c.seq),
                                        later.c.xid < horizon).exists()]
    if scope is not None:
        where.append(scope)
    rows = (await session.execute(select(log.c.xid, log.c.seq, log.c.row_id, log.c.deleted, log.c.at)
                                  .where(and_(*where)).order_by(log.c.xid, log.c.seq).limit(limit))).all()
    found = [Change(r.row_id, r.deleted, r.at) for r in rows]
    if len(rows) == limit and rows:
        return Changes(found, encode([rows[-1].xid, rows[-1].seq]), True)
    # Everything below the horizon is handed out: the next poll starts there.
    return Changes(found, encode(list(max((xid, seq), (horizon, 0)))), False)


SUPERSEDED = """
    DELETE FROM row_changes WHERE seq IN (
        SELECT o.seq FROM row_changes o
        WHERE o.at < now() - CAST(:keep AS interval) AND EXISTS (
            SELECT 1 FROM row_changes l
            WHERE l.tbl = o.tbl AND l.row_id = o.row_id AND (l.xid, l.seq) > (o.xid, o.seq)
              AND l.xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
        LIMIT :batch FOR UPDATE SKIP LOCKED)
    RETURNING seq"""

OLD_TOMBSTONES = """
    WITH gone AS (
        DELETE FROM row_changes WHERE seq IN (
            SELECT seq FROM row_changes WHERE deleted AND at < now() - CAST(:keep AS interval)
            LIMIT :batch FOR UPDATE SKIP LOCKED)
        RETURNING tbl, xid, seq
    ), marked AS (
        INSERT INTO row_changes_pruned AS p (tbl, xid, seq)
        SELECT DISTINCT ON (tbl) tbl, xid, seq FROM gone ORDER BY tbl, xid DESC, seq DESC
        ON CONFLICT (tbl) DO UPDATE SET xid = EXCLUDED.xid, seq = EXCLUDED.seq
        WHERE (p.xid, p.seq) < (EXCLUDED.xid, EXCLUDED.seq)
        RETURNING 1
    )
    SELECT seq FROM gone"""


async def prune(sessionmaker: async_sessionmaker[AsyncSession], *, keep: timedelta, batch: int = 500) -> int:
    """Drop the changes older than ``keep`` that no cursor needs (replaced ones) and the tombstones older than
    ``keep`` (noting where the last was); in batches, each its own transaction, with rows locked ``SKIP LOCKED`` so
    workers pruning at once share them out. How many were dropped. The session's search path is the schema."""
    dropped = 0
    for statement in (SUPERSEDED, OLD_TOMBSTONES):
        while True:
            async with sessionmaker() as session:
                count = len((await session.execute(text(statement), {"keep": keep, "batch": batch})).all())
                await session.commit()
            dropped += count
            if count < batch:
                break
    return dropped


class FeedCursor(BaseModel):
    """What a feed answer adds to a page: the cursor to poll with next."""

    updated_after: str = Field(description="poll again with this: the changes after this answer's")


def feed_examples(row: type[BaseModel], **extra: Any) -> dict[str, Any]:
    """``json_schema_extra`` of a feed answer: the row model's first example, a tombstone, the last page."""
    tombstone = {"id": "7d3f0b52-9c1e-4a6b-8e2d-5f4a1c9b3e70", "deleted": True,
                 "deleted_at": "2025-07-02T08:15:00Z"}
    return {"examples": [{"items": [*examples_of(row)[:1], tombstone], "next": None,
                          "updated_after": encode([7_421_106, 318_552]), **extra}]}


def answer(page: PageQuery, model: type[P], found: Changes, live: Mapping[uuid.UUID, Any], **extra: Any) -> P:
    """The changes as ``model`` (a :class:`Page` of rows and tombstones with :class:`FeedCursor`'s
    field): each the row as ``live`` has it now, or a tombstone if it is not there."""
    items = [live[c.row_id] if not c.deleted and c.row_id in live else Tombstone(id=c.row_id, deleted_at=c.at)
             for c in found.changes]
    link = page.next_url(found.cursor, "updated_after") if found.full else None
    return page.linked(model, items, link, updated_after=found.cursor, **extra)


async def listed_or_changed(updated_after: str | None, listed: Callable[..., Awaitable[A]],
                            changed: Callable[..., Awaitable[B]], *args: Any, **kwargs: Any) -> A | B:
    """A list route's answer: ``listed(*args, **kwargs)``, or with ``updated_after`` the changes since
    that cursor, ``changed(*args, updated_after=..., **kwargs)``. The session must be the primary's,
    not a replica's: the feed reads ``pg_current_snapshot()``, which a standby's lag would skew."""
    if updated_after is None:
        return await listed(*args, **kwargs)
    return await changed(*args, updated_after=updated_after, **kwargs)


def scope_in(log: Table, column: str, values: Sequence[Any]) -> ColumnElement[bool]:
    """Changes whose row had ``column`` among ``values`` when it changed."""
    clause: ColumnElement[bool] = log.c.scope[column].astext.in_([str(v) for v in values])
    return clause
