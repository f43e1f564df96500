"""Which region and unit a request touched, told back to the gateway for its audit trail.

A service's scope module calls :func:`touch` as soon as it has loaded the object a caller
named, before deciding whether the caller may see or change it. The middleware sends what was
touched back in two response headers that the gateway reads into the audit event and never
passes on to the client, so a region's auditor also sees the attempts of outsiders who were
turned away.

A route that hands out people's results (or any export) also calls :func:`disclose` with what
it answered: an export or a read, how many rows, and the objects it was about (scheme, period,
unit, person...). The gateway files that as a read or export event in the same audit trail.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Literal

from starlette.types import Message, Receive, Scope, Send

from shared.asgi import HttpMiddleware

REGION_HEADER = "x-kaohe-object-region"
UNIT_HEADER = "x-kaohe-object-unit"
DISCLOSED_HEADER = "x-kaohe-disclosed"  # "export" or "read"
ROWS_HEADER = "x-kaohe-disclosed-rows"
OBJECT_HEADER = "x-kaohe-disclosed-object"  # JSON: the ids and period the answer was about

# A mutable holder per request: a dependency run in a thread (its own copy of the context)
# still fills the request's holder.
_touched: ContextVar[dict[str, str] | None] = ContextVar("touched", default=None)


def touch(*, region_id: object = None, unit_id: object = None) -> None:
    """Note the region and unit of the object this request reads or writes (the first one named wins)."""
    holder = _touched.get()
    if holder is None:
        return
    if region_id is not None and "region" not in holder:
        holder["region"] = str(region_id)
    if unit_id is not None and "unit" not in holder:
        holder["unit"] = str(unit_id)


def disclose(kind: Literal["export", "read"], rows: int, **objects: object) -> None:
    """Note that this answer hands out ``rows`` rows of people's results (or an export), about ``objects``."""
    holder = _touched.get()
    if holder is None:
        return
    holder["disclosed"] = kind
    holder["rows"] = str(rows)
    holder["object"] = json.dumps({k: str(v) for k, v in objects.items() if v is not None}, sort_keys=True)


def touched() -> dict[str, str]:
    return dict(_touched.get() or {})


class TouchedMiddleware(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        holder: dict[str, str] = {}
        token = _touched.set(holder)

        async def send_with_object(message: Message) -> None:
            if message["type"] == "http.response.start" and holder:
                headers = list(message.get("headers", []))
                if "region" in holder:
                    headers.append((REGION_HEADER.encode(), holder["region"].encode()))
                if "unit" in holder:
                    headers.append((UNIT_HEADER.encode(), holder["unit"].encode()))
                if "disclosed" in holder:
                    headers += [(DISCLOSED_HEADER.encode(), holder["disclosed"].encode()),
                                (ROWS_HEADER.encode(), holder["rows"].encode()),
                                (OBJECT_HEADER.encode(), holder["object"].encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_object)
        finally:
            _touched.reset(token)
