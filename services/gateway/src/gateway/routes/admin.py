"""Administration: users, API keys and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from gateway import audit
from gateway.auth import service
from gateway.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, UserCreate, UserRead
from gateway.identity import Principal, authenticate
from shared.db import SessionDep
from shared.errors import Forbidden, NotFound

router = APIRouter(prefix="/api/v1", tags=["administration"])


def require(*roles: str):  # type: ignore[no-untyped-def]
    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.caller.kind != "user" or not set(principal.caller.roles) & set(roles):
            raise Forbidden(f"this needs one of: {', '.join(roles)}")
        return principal

    return Depends(check)


Admin = Annotated[Principal, require("province_admin", "region_admin")]
ProvinceAdmin = Annotated[Principal, require("province_admin")]


@router.post("/admin/users", response_model=UserRead, status_code=201, summary="Create a user with a role",
             responses={409: {"description": "the username is taken"}})
async def create_user(body: UserCreate, principal: Admin, request: Request, session: SessionDep) -> UserRead:
    if not service.may_manage_user(principal.caller, body):
        raise NotFound("no such region", code="region_not_found")
    user = await service.create_user(session, request.app.state.passwords, body)
    return UserRead.model_validate(user)


@router.get("/admin/users", response_model=list[UserRead], summary="Users the caller administers")
async def list_users(principal: Admin, session: SessionDep) -> list[UserRead]:
    return [UserRead.model_validate(u) for u in await service.list_users(session, principal.caller)]


@router.post("/admin/api-keys", response_model=ApiKeyCreated, status_code=201,
             summary="Create an API key for a provincial system; the key is shown this once")
async def create_api_key(body: ApiKeyCreate, principal: ProvinceAdmin, session: SessionDep) -> ApiKeyCreated:
    return await service.create_api_key(session, principal.caller, body)


@router.get("/admin/api-keys", response_model=list[ApiKeyRead], summary="API keys (never the keys themselves)")
async def list_api_keys(principal: ProvinceAdmin, session: SessionDep) -> list[ApiKeyRead]:
    return [ApiKeyRead.model_validate(k) for k in await service.list_api_keys(session)]


@router.delete("/admin/api-keys/{key_id}", response_model=ApiKeyRead, summary="Revoke an API key")
async def revoke_api_key(key_id: uuid.UUID, principal: ProvinceAdmin, session: SessionDep) -> ApiKeyRead:
    return ApiKeyRead.model_validate(await service.revoke_api_key(session, key_id))


@router.get("/audit", response_model=list[audit.AuditEventRead],
            summary="The audit trail, newest first; a region administrator sees their region's")
async def audit_trail(principal: Admin, session: SessionDep,
                      actor_id: str | None = None, unit_id: uuid.UUID | None = None,
                      region_id: uuid.UUID | None = None, since: datetime | None = None,
                      until: datetime | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                      offset: Annotated[int, Query(ge=0)] = 0) -> list[audit.AuditEventRead]:
    events = await audit.query(session, principal.caller, actor_id=actor_id, unit_id=unit_id, region_id=region_id,
                               since=since, until=until, limit=limit, offset=offset)
    return [audit.AuditEventRead.model_validate(e) for e in events]
