"""Which region and unit a request touched, told back to the gateway for its audit trail.

A service's scope module calls :func:`touch` as soon as it has loaded the object a caller
named, before deciding whether the caller may see or change it. The middleware sends what was
touched back in two response headers that the gateway reads into the audit event and never
passes on to the client, so a region's auditor also sees the attempts of outsiders who were
turned away.
"""

from __future__ import annotations

from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REGION_HEADER = "x-kaohe-object-region"
UNIT_HEADER = "x-kaohe-object-unit"

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


def touched() -> dict[str, str]:
    return dict(_touched.get() or {})


class TouchedMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        holder: dict[str, str] = {}
        token = _touched.set(holder)

        async def send_with_object(message: Message) -> None:
            if message["type"] == "http.response.start" and holder:
                headers = list(message.get("headers", []))
                if "region" in holder:
                    headers.append((REGION_HEADER.encode(), holder["region"].encode()))
                if "unit" in holder:
                    headers.append((UNIT_HEADER.encode(), holder["unit"].encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_object)
        finally:
            _touched.reset(token)
