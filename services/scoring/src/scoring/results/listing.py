"""A version's results as a caller may see them: which version, which rows, a page of them, and
those changed since a cursor.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.errors import ResultNotFound
from scoring.models import Close, Result, Scheme
from scoring.results import groups as grouping
from scoring.results.schemas import ResultRead
from scoring.results.stored import latest_close, score_str
from scoring.scope import Scope, scheme_or_404
from shared import change_feed
from shared.pagination import Key, PageQuery, decode, encode, invalid_cursor
from shared.periods import Period


async def find_close(session: AsyncSession, scheme: Scheme, period: str, version: int | None, scope: Scope,
                     *, person_id: uuid.UUID | None = None) -> Close:
    """The version asked for; by default the latest, or for a person looking at themself the latest published."""
    manages = scope.manages(scheme)
    own = person_id is not None and scope.caller.is_person(person_id) and not manages
    if version is not None:
        close = await session.scalar(select(Close).where(Close.scheme_id == scheme.id, Close.period == period,
                                                         Close.version == version))
        if close is not None and own and close.published_at is None:
            close = None
    else:
        close = await latest_close(session, scheme.id, period, published=own or not manages)
    if close is None:
        raise ResultNotFound(f"no {'published ' if own else ''}result of {period} under scheme {scheme.id}")
    return close


def visible_units(scope: Scope, scheme: Scheme) -> set[str] | None:
    """None: every row; else only rows of these units (a unit's administrator or leader in a group scheme
    that their unit does not lead)."""
    if scope.manages(scheme) or scope.leads(scheme):
        return None
    return {u for u, region in scope.unit_regions.items() if region == str(scheme.region_id)}


# Unranked rows last: the keyset orders by the rank with NULL as the largest.
_RANK_KEY = func.coalesce(Result.rank, 2**31 - 1)


@dataclass(frozen=True)
class _Visible:
    """A version's results as the caller may see them: the version, the ``WHERE``, the units (None:
    all) and each row as it is read."""

    close: Close
    where: list[Any]
    units: set[str] | None
    statement: Select[*tuple[Any, ...]]
    read: Callable[[Any], ResultRead]


async def visible_rows(session: AsyncSession, scheme_id: uuid.UUID, period: Period, scope: Scope,
                       version: int | None) -> tuple[Scheme, Close, set[str] | None, list[Any]]:
    """The scheme, the version asked for, the units whose rows the caller may see (None: all) and the
    ``WHERE`` of those rows; 404 when the caller may see none."""
    scheme = await scheme_or_404(session, scheme_id, scope, manage=False)
    units = visible_units(scope, scheme)
    if not units and units is not None:
        raise ResultNotFound(f"no results of {period.code} under scheme {scheme_id} for you")
    close = await find_close(session, scheme, period.code, version, scope)
    where = [Result.close_id == close.id]
    if units is not None:
        where.append(Result.unit_id.in_([uuid.UUID(u) for u in units]))
    return scheme, close, units, where


async def _visible(session: AsyncSession, scheme_id: uuid.UUID, period: Period, scope: Scope,
                   version: int | None) -> _Visible:
    _, close, units, where = await visible_rows(session, scheme_id, period, scope, version)
    within = close.summary.get("compare_within")
    columns = [Result.person_id, Result.unit_id, Result.score, Result.rank, Result.grade]

    def read(row: Any) -> ResultRead:
        return ResultRead(person_id=row.person_id, unit_id=row.unit_id, score=score_str(row.score), rank=row.rank,
                          grade=row.grade,
                          group=grouping.label(within, grouping.key_of_inputs(row.detail["inputs"], within))
                          if within else None)

    return _Visible(close, where, None if units is None else set(units),
                    select(*columns, *([Result.detail] if within else [])).where(*where), read)


async def results_page(session: AsyncSession, scheme_id: uuid.UUID, period: Period, scope: Scope, page: PageQuery, *,
                       version: int | None) -> tuple[Close, list[ResultRead], int, Key]:
    """A page of a version's results the caller may see, best first, and the key after it."""
    seen = await _visible(session, scheme_id, period, scope, version)
    total = await session.scalar(select(func.count()).select_from(Result).where(*seen.where)) or 0
    rows, last = await page.fetch(session, seen.statement, [_RANK_KEY, Result.person_id],
                                  lambda row: (2**31 - 1 if row.rank is None else row.rank, row.person_id))
    return seen.close, [seen.read(row) for row in rows], total, last


async def results_changed(session: AsyncSession, scheme_id: uuid.UUID, period: Period, scope: Scope,
                          page: PageQuery, *, version: int | None,
                          updated_after: str) -> tuple[Close, list[ResultRead], str, bool]:
    """The version's results the caller may see that were not handed out before the cursor, in
    person order (at most a page), the cursor to go on from, and whether the page is full.

    A version's results are written once, all in the transaction that stores the version, and never
    changed or deleted (a trigger refuses it): so the feed reads them from the version itself, with
    no change log beside them. Its cursor is the version and the last person handed out of it: a
    later version is new from its first row on, an earlier one has nothing new. (Until results were
    read so, a cursor was a position in the row log: such a cursor is answered 410
    ``change_cursor_expired``, and the consumer starts again from ``0``.)"""
    seen = await _visible(session, scheme_id, period, scope, version)
    at, after = _results_position(updated_after)
    if seen.close.version < at:  # handed out before the version the cursor is at
        return seen.close, [], updated_after, False
    statement = seen.statement
    if seen.close.version == at and after is not None:
        statement = statement.where(Result.person_id > after)
    rows = (await session.execute(statement.order_by(Result.person_id).limit(page.limit))).all()
    last = rows[-1].person_id if rows else (after if seen.close.version == at else None)
    cursor = encode([seen.close.version, "" if last is None else str(last)])
    return seen.close, [seen.read(row) for row in rows], cursor, bool(rows) and len(rows) == page.limit


def _results_position(cursor: str) -> tuple[int, uuid.UUID | None]:
    """A results cursor's version and the last person handed out of it (None: none yet)."""
    if cursor == change_feed.START:
        return 0, None
    values = decode(cursor, "query.updated_after")
    if len(values) == 2 and all(type(v) is int for v in values):
        raise change_feed.CursorExpired("this cursor is a position in the change log results are no longer "
                                        "read from; start again from 0")
    if len(values) != 2 or type(values[0]) is not int or values[0] < 0 or not isinstance(values[1], str):
        raise invalid_cursor("query.updated_after")
    try:
        return values[0], uuid.UUID(values[1]) if values[1] else None
    except ValueError as exc:
        raise invalid_cursor("query.updated_after") from exc
