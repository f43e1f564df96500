"""The audit trail: every write through the gateway, whoever made it and however it ended, and
every export and read of other people's results, with how many rows it handed out.

A read or an export is recorded when the service that produced the rows says so (see
:func:`shared.touched.disclose`): it knows the rows and the objects they were about, and whether
the reader was reading their own (never recorded). The gateway reads those headers, never passes
them to the client, and writes the event here, the one trail for all.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.identity import Principal, client_address
from gateway.models import AuditEvent
from shared.logging import request_id_var
from shared.openapi import page_examples
from shared.pagination import Page, PageQuery
from shared.service_auth import Caller
from shared.touched import DISCLOSED_HEADER, OBJECT_HEADER, ROWS_HEADER

logger = logging.getLogger("gateway.audit")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Kind = Literal["write", "read", "export"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": 1,
         "at": "2025-07-01T09:30:00Z",
         "actor_kind": "user",
         "actor_id": "u:6b1f",
         "actor_name": "admin",
         "actor_role": "region_admin",
         "kind": "write",
         "region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
         "method": "POST",
         "path": "/api/v1/scoring/schemes",
         "route": "/api/v1/scoring/schemes",
         "target_ids": {},
         "status": 1,
         "row_count": 1,
         "client_ip": "10.0.0.7",
         "request_id": "4bf92f3577b34da6a3ce929d0e0e4736"}]})
    id: int
    at: datetime
    actor_kind: str
    actor_id: str
    actor_name: str
    actor_role: str | None
    kind: Kind
    region_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    method: str
    path: str
    route: str
    target_ids: dict[str, Any]
    status: int
    row_count: int | None
    client_ip: str | None
    request_id: str | None


class AuditEventPage(Page[AuditEventRead]):
    """Audit events, newest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(AuditEventRead))


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def storable(value: Any) -> Any:
    """``value`` with each control character in its text written as the URL escape a client sends
    (``%00``): PostgreSQL keeps no NUL in a text or JSON column, and the attempt is worth recording."""
    if isinstance(value, str):
        return _CONTROL.sub(lambda found: f"%{ord(found.group()):02X}", value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


def created_id(body: bytes, content_type: str | None) -> str | None:
    if not content_type or "json" not in content_type or not body.startswith(b"{"):
        return None
    try:
        value = json.loads(body).get("id")
    except (ValueError, AttributeError):
        return None
    return str(value) if value else None


async def record(
    sessionmaker: async_sessionmaker[AsyncSession],
    request: Request,
    *,
    principal: Principal | None,
    actor_name: str | None = None,
    route: str,
    status: int,
    targets: dict[str, Any],
    touched: dict[str, Any] | None = None,
    kind: Kind = "write",
    row_count: int | None = None,
) -> None:
    """Write one event in its own transaction, so it stays whatever happens to the request.

    The event is filed under the region and unit of the object touched, as the service that
    loaded it reported (also when it refused the caller), else those named in the path, else
    the caller's own: so a region's auditor sees everything done to their region, including
    what outsiders tried."""
    caller: Caller | None = principal.caller if principal else None
    touched = touched or {}
    region = (touched.get("region_id") or targets.get("region_id")
              or (caller.region_ids[0] if caller and caller.region_ids else None))
    unit = touched.get("unit_id") or targets.get("unit_id") or (
        None if touched.get("region_id") else (caller.unit_ids[0] if caller and caller.unit_ids else None))
    event = AuditEvent(
        actor_kind=caller.kind if caller else "anonymous",
        actor_id=caller.subject if caller else "anonymous",
        actor_name=storable((principal.name if principal else actor_name) or ""),
        actor_role=",".join(caller.roles)[:64] or None if caller else None, kind=kind, row_count=row_count,
        region_id=_uuid(region), unit_id=_uuid(unit), method=request.method, path=storable(request.url.path)[:512],
        route=storable(route), target_ids=storable(targets), status=status,
        client_ip=client_address(request) if request.client else None, request_id=request_id_var.get(),
    )
    async with sessionmaker() as session:
        session.add(event)
        await session.commit()


async def query(session: AsyncSession, caller: Caller, page: PageQuery, *, actor_id: str | None,
                unit_id: uuid.UUID | None, region_id: uuid.UUID | None, since: datetime | None, until: datetime | None,
                kind: Kind | None = None) -> tuple[list[AuditEvent], Sequence[Any] | None]:
    """Newest first: a page, and the key after it."""
    statement = select(AuditEvent)
    if not caller.is_province_wide:
        statement = statement.where(AuditEvent.region_id.in_([uuid.UUID(r) for r in caller.region_ids]))
    if kind:
        statement = statement.where(AuditEvent.kind == kind)
    if actor_id:
        statement = statement.where(AuditEvent.actor_id == actor_id)
    if unit_id:
        statement = statement.where(AuditEvent.unit_id == unit_id)
    if region_id:
        statement = statement.where(AuditEvent.region_id == region_id)
    if since:
        statement = statement.where(AuditEvent.at >= since)
    if until:
        statement = statement.where(AuditEvent.at < until)
    return await page.fetch(session, statement, [AuditEvent.id], lambda e: (e.id,), descending=True, scalars=True)


def disclosure(headers: Any) -> dict[str, Any] | None:
    """What a service said its answer handed out (kind, rows, objects), or None."""
    kind = headers.get(DISCLOSED_HEADER)
    if kind not in ("read", "export"):
        return None
    rows = headers.get(ROWS_HEADER) or ""
    try:
        objects = json.loads(headers.get(OBJECT_HEADER) or "{}")
    except ValueError:
        objects = {}
    return {"kind": kind, "rows": int(rows) if rows.isdigit() else None,
            "objects": objects if isinstance(objects, dict) else {}}


class AuditMiddleware:
    """Records every write (POST, PUT, PATCH, DELETE) once its response has gone out, and every
    read or export a service (or a gateway route) marked as handing out people's results.

    Sign-in records itself (it knows the username and the outcome); every other write is
    attributed to the principal the request authenticated as, or to "anonymous". A read is
    recorded only when it succeeded (a refused read handed nothing out).
    """

    SELF_RECORDED = frozenset({"/api/v1/auth/token"})

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in self.SELF_RECORDED:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in WRITES:
            await self._read(scope, receive, send)
            return
        seen: dict[str, Any] = {"status": 500, "body": b"", "content_type": None}

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                for key, value in message.get("headers", []):
                    if key == b"content-type":
                        seen["content_type"] = value.decode("latin-1")
            elif message["type"] == "http.response.body" and len(seen["body"]) < 65536:
                seen["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            await self._record(scope, seen)

    async def _read(self, scope: Any, receive: Any, send: Any) -> None:
        status = [500]

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        await self.app(scope, receive, capture)
        disclosed = scope.get("state", {}).get("audit_disclosure")
        if disclosed is not None and 200 <= status[0] < 300:
            await self._record(scope, {"status": status[0]}, disclosed)

    async def _record(self, scope: Any, seen: dict[str, Any], disclosed: dict[str, Any] | None = None) -> None:
        state = scope.get("state", {})
        app = scope["app"]
        route = state.get("audit_route") or getattr(scope.get("route"), "path", None) or scope["path"]
        targets: dict[str, Any] = dict(state.get("audit_targets") or scope.get("path_params") or {})
        if 200 <= seen["status"] < 300 and "body" in seen:
            new_id = created_id(seen["body"], seen["content_type"])
            if new_id:
                targets["created_id"] = new_id
        if disclosed is not None:
            targets.update(disclosed["objects"])
        try:
            await record(app.state.sessionmaker, Request(scope), principal=state.get("principal"), route=route,
                         status=seen["status"], targets=targets, touched=state.get("audit_object"),
                         kind=disclosed["kind"] if disclosed else "write",
                         row_count=disclosed["rows"] if disclosed else None)
        except Exception:  # the answer went out; a lost audit line must be loud, not a client error
            logger.exception("could not write the audit event for %s %s", scope["method"], scope["path"])
