"""One way to page a list: ``?limit=&after=``, answered as ``{"items": [...], "next": ...}`` with a
``Link: <...>; rel="next"`` header.

Keyset, not OFFSET: a list is ordered by a unique key (one column, or several ending in a unique
one) and the next page starts strictly after the last key handed out (``WHERE key > cursor``), so
rows inserted or removed meanwhile neither repeat nor skip a row of the pages still to come, and a
deep page costs what the first one does. The cursor (``after``) is opaque to the caller: the
base64url of the last row's key, as JSON. It only says where to resume; the route's scope ``WHERE``
stays on every page, so no cursor shows a caller a row it could not list from the start.

``next`` is the next page's URL relative to the host (``/api/v1/...?limit=..&after=..``), the same
query with ``after`` replaced; it is null on the last page. A service's path is the gateway's public
path (the gateway forwards ``/api/v1/<service>/...`` unchanged), so a link a service writes is the
public one, and the gateway passes the ``Link`` header on.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import orjson
from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from shared.errors import Unprocessable
from shared.http import ServiceClient
from shared.service_auth import Caller

MAX_LIMIT = 500
DEFAULT_LIMIT = 50

T = TypeVar("T")
Row = TypeVar("Row")
P = TypeVar("P", bound="Page[Any]")
#: A column (or expression) a list is ordered by.
KeyColumn = ColumnElement[Any] | InstrumentedAttribute[Any]
#: The key of the last row handed out, to resume after; None on the last page.
Key = Sequence[Any] | None


class Page(BaseModel, Generic[T]):
    """A page of a list: its rows, and the URL of the page after it (null on the last).

    A route names its own page (``class SchemePage(Page[SchemeRead])``): one schema name per shape."""

    items: list[T]
    next: str | None = Field(default=None, description="the next page's URL (also in the `Link` header); "
                                                       "null: this is the last page")


def invalid_cursor(field: str = "query.after") -> Unprocessable:
    message = "not a cursor this list gave: send back the `after` of a `next` as it was"
    return Unprocessable(message, code="cursor_invalid", errors=[{"field": field, "message": message}])


def encode(key: Sequence[Any]) -> str:
    """The cursor of a row's key: base64url of its JSON (UUIDs, dates and decimals as text)."""
    data = orjson.dumps([str(v) if isinstance(v, uuid.UUID | Decimal) else v for v in key])
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decode(cursor: str, field: str = "query.after") -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise invalid_cursor(field) from exc
    if not isinstance(values, list) or not values:
        raise invalid_cursor(field)
    return values


def _typed(value: Any, column: KeyColumn) -> Any:
    """A cursor's JSON value as the Python value the column binds (a UUID, a datetime...)."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return value
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TypeError(value)  # a key is text or a whole number; a cursor holding anything else is not ours
    if kind is str:
        return str(value)
    if kind is datetime:
        return datetime.fromisoformat(str(value))
    if kind is date:
        return date.fromisoformat(str(value))
    if kind is int:
        number = int(value)
        if not -2**63 <= number < 2**63:
            raise ValueError(value)
        return number
    if kind in (uuid.UUID, Decimal):
        return kind(value)
    raise TypeError(value)


def after_key(keys: Sequence[KeyColumn], values: Sequence[Any], *,
              descending: bool = False) -> ColumnElement[bool]:
    """``(k1, k2, ...) > (v1, v2, ...)`` (``<`` descending), written out so it works with any
    column types: ``k1 > v1 OR (k1 = v1 AND k2 > v2) ...``."""
    if len(values) != len(keys):
        raise invalid_cursor()
    try:
        typed = [_typed(v, k) for v, k in zip(values, keys, strict=True)]
    except (TypeError, ValueError) as exc:
        raise invalid_cursor() from exc
    clauses = []
    for i, (key, value) in enumerate(zip(keys, typed, strict=True)):
        beyond = key < value if descending else key > value
        clauses.append(and_(*[k == v for k, v in zip(keys[:i], typed[:i], strict=True)], beyond))
    return or_(*clauses)


@dataclass(frozen=True)
class PageQuery:
    """``limit`` and ``after`` as asked, and where to write the next page's link."""

    limit: int
    after: str | None
    request: Request | None = None    # None: not a route's (``ALL``), no link to write
    response: Response | None = None

    def values(self) -> list[Any] | None:
        return decode(self.after) if self.after else None  # `after=` (empty): the first page

    def next_url(self, cursor: str, param: str = "after") -> str:
        """This URL with ``param`` set to ``cursor``: the path is the public one (see the module doc)."""
        assert self.request is not None, "a page of a route's own"
        query = [(k, v) for k, v in self.request.query_params.multi_items() if k != param]
        query.append((param, cursor))
        return f"{self.request.url.path}?{urlencode(query)}"

    def linked(self, model: type[P], items: Sequence[Any], link: str | None, **extra: Any) -> P:
        """The page, its ``next`` also in the ``Link`` header."""
        if link is not None and self.response is not None:
            self.response.headers["link"] = f'<{link}>; rel="next"'
        return model(items=items, next=link, **extra)

    def page(self, model: type[P], items: Sequence[Any], last_key: Key, **extra: Any) -> P:
        """``items`` (at most ``limit``), with a link to the rows after ``last_key`` (None: no more)."""
        return self.linked(model, items, None if last_key is None else self.next_url(encode(last_key)), **extra)

    async def fetch(self, session: AsyncSession, statement: Select[*tuple[Any, ...]], keys: Sequence[KeyColumn],
                    key_of: Callable[[Any], Sequence[Any]], *, descending: bool = False,
                    scalars: bool = False) -> tuple[list[Any], Sequence[Any] | None]:
        """Run ``statement`` (already narrowed to the caller's scope) from the cursor on, ordered by
        ``keys``: at most ``limit`` rows, and the key to resume after (None: the last page)."""
        values = self.values()
        if values is not None:
            statement = statement.where(after_key(keys, values, descending=descending))
        order = [k.desc() for k in keys] if descending else list(keys)
        statement = statement.order_by(None).order_by(*order).limit(self.limit + 1)
        result = await session.execute(statement)
        rows = list(result.scalars() if scalars else result)
        more = len(rows) > self.limit
        rows = rows[:self.limit]
        return rows, (key_of(rows[-1]) if more and rows else None)

    def slice(self, rows: Sequence[Row], key_of: Callable[[Row], Sequence[Any]]) -> tuple[list[Row],
                                                                                        Sequence[Any] | None]:
        """The same over a list already in memory, sorted by ``key_of`` (a short list put together
        from several sources)."""
        values = self.values()
        ordered = sorted(rows, key=lambda r: _comparable(key_of(r)))
        if values is not None and ordered:
            start = _comparable(values)
            try:
                if len(start) != len(key_of(ordered[0])):
                    raise TypeError(start)
                ordered = [r for r in ordered if _comparable(key_of(r)) > start]
            except TypeError as exc:  # a key of other types than this list's
                raise invalid_cursor() from exc
        chosen = ordered[:self.limit]
        return chosen, (key_of(chosen[-1]) if len(ordered) > self.limit else None)


#: Every row at once, for an export that reads a whole list.
ALL = PageQuery(limit=1_000_000_000, after=None)


def _comparable(key: Sequence[Any]) -> tuple[Any, ...]:
    """A key as its cursor holds it (UUIDs as text, numbers as numbers), to compare with one."""
    return tuple(orjson.loads(orjson.dumps([str(v) if isinstance(v, uuid.UUID | Decimal) else v for v in key])))


async def every_item(client: ServiceClient, path: str, *, caller: Caller,
                     params: dict[str, str] | None = None) -> list[dict[str, Any]] | None:
    """Every item of another service's paged list, following ``next``; None if it does not answer 200."""
    found: list[dict[str, Any]] = []
    query: dict[str, str] = {**(params or {}), "limit": str(MAX_LIMIT)}
    while True:
        response = await client.request("GET", path, caller=caller, params=query)
        if response.status_code != 200:
            return None
        page = orjson.loads(response.content)
        found.extend(page["items"])
        if not page.get("next"):
            return found
        query = {**query, "after": parse_qs(urlsplit(page["next"]).query)["after"][0]}


def page_query(request: Request, response: Response,
               limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")] = DEFAULT_LIMIT,
               after: Annotated[str | None, Query(max_length=400, description="the `after` of a `next` link: "
                                                  "the page after it")] = None) -> PageQuery:
    return PageQuery(limit=limit, after=after, request=request, response=response)


PageDep = Annotated[PageQuery, Depends(page_query)]
