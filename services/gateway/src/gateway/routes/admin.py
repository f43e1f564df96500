"""Administration: users, API keys and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from gateway import audit, policy, scope
from gateway.auth import accounts, service
from gateway.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    ApiKeyRead,
    PasswordReset,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from gateway.identity import Principal, authenticate
from shared.db import ReadSessionDep, SessionDep
from shared.errors import Forbidden, NotFound, Unprocessable
from shared.pagination import PageDep

router = APIRouter(prefix="/api/v1", tags=["administration"])


def require(*roles: str):  # type: ignore[no-untyped-def]
    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.caller.kind != "user" or not set(principal.caller.roles) & set(roles):
            raise Forbidden(f"this needs one of: {', '.join(roles)}")
        return principal

    return Depends(check)


Admin = Annotated[Principal, require("province_admin", "region_admin")]
_RESET_RULE = next(r for r in policy.RULES if r.template == "/api/v1/admin/users/{user_id}/password-reset")
ProvinceAdmin = Annotated[Principal, require("province_admin")]


@router.post("/admin/users", response_model=UserRead, status_code=201, summary="Create a user with a role",
             responses={409: {"description": "the username is taken"}})
async def create_user(body: UserCreate, principal: Admin, request: Request, session: SessionDep) -> UserRead:
    """A region administrator makes accounts only for their region, its units and the people placed in
    them; a member's or leader's person must be placed in the named unit today.

    Returns the account created, which must change its password at first sign-in. 409 when the username is
    taken; 422 when the password fails the policy or the binding does not fit the role (a unit for a unit
    administrator, a person for a member ...). **Who may call:** province_admin (省级管理员) for any account;
    region_admin (县区管理员) within their region.
    """
    binding = await scope.check_binding(request.app.state.downstreams, principal.caller,
                                        scope.Binding(body.role, body.region_id, body.unit_id, body.person_id))
    _audit_object(request, binding)
    user = await service.create_user(session, request.app.state.passwords, body, binding)
    return UserRead.model_validate(user)


@router.patch("/admin/users/{user_id}", response_model=UserRead, summary="Change a user's role or binding, or "
              "deactivate them", description="A deactivated user's tokens stop working at once (401 "
              "`session_revoked`); so do those of a user whose role or binding changes (their tokens carry the old). "
              "Returns the account as changed. **Who may call:** province_admin (省级管理员); region_admin "
              "(县区管理员) for their region's accounts.",
              responses={404: {"description": "no such user in the caller's region"}})
async def update_user(user_id: uuid.UUID, body: UserUpdate, principal: Admin, request: Request,
                      session: SessionDep) -> UserRead:
    """The account must be the caller's to administer and the new binding inside the caller's scope,
    checked as for a new account."""
    user = await service.get_user(session, user_id)
    if user is None or not scope.may_administer_accounts_of(principal.caller, user):
        raise NotFound(f"no user {user_id}", code="user_not_found")
    _audit_object(request, scope.Binding(user.role, user.region_id, user.unit_id, user.person_id))
    changes = body.model_dump(exclude_unset=True)
    role = changes.get("role", user.role)
    keeps = role == user.role and not ({"region_id", "unit_id", "person_id"} & changes.keys())
    wanted = scope.Binding(role, changes.get("region_id", user.region_id if keeps or role == "region_admin" else None),
                           changes.get("unit_id", user.unit_id), changes.get("person_id", user.person_id))
    if role == "member" and wanted.person_id is None:
        raise Unprocessable("a member needs person_id", code="binding_invalid",
                            errors=[{"loc": "body.person_id", "msg": "a member needs person_id"}])
    if role in ("unit_admin", "leader") and wanted.unit_id is None and wanted.person_id is None:
        raise Unprocessable(f"a {role} needs unit_id", code="binding_invalid",
                            errors=[{"loc": "body.unit_id", "msg": f"a {role} needs unit_id"}])
    binding = await scope.check_binding(request.app.state.downstreams, principal.caller, wanted)
    changed = await service.rebind_user(session, user, binding, is_active=changes.get("is_active"))
    request.app.state.sessions.forget(f"u:{user.id}")
    return UserRead.model_validate(changed)


@router.post("/admin/users/{user_id}/password-reset", response_model=PasswordReset,
             summary="Reset a user's password: a one-time code, shown this once",
             description="The user's sign-ins end at once; signing in with the code (once) gives a sign-in that "
                         "may only change the password (`POST /api/v1/auth/password`, with the code as the current "
                         "password); anything else answers 403 `password_change_required`. Only the code's hash is "
                         "kept. The account must be the caller's to administer, as for PATCH.",
             responses={404: {"description": "no such user in the caller's region"}})
async def reset_password(user_id: uuid.UUID, principal: Admin, request: Request, session: SessionDep) -> PasswordReset:
    caller = principal.caller
    if not policy.allowed(_RESET_RULE, kind=caller.kind, roles=caller.roles, scopes=caller.scopes):
        raise Forbidden("only province and region administrators reset passwords")
    user = await service.get_user(session, user_id)
    if user is None or not scope.may_administer_accounts_of(caller, user):
        raise NotFound(f"no user {user_id}", code="user_not_found")
    _audit_object(request, scope.Binding(user.role, user.region_id, user.unit_id, user.person_id))
    code = await accounts.reset_password(session, request.app.state.passwords, user)
    request.app.state.sessions.forget(f"u:{user.id}")
    return PasswordReset(user_id=user.id, one_time_code=code)


def _audit_object(request: Request, binding: scope.Binding) -> None:
    request.state.audit_object = {"region_id": binding.region_id and str(binding.region_id),
                                  "unit_id": binding.unit_id and str(binding.unit_id)}


@router.get("/admin/users", response_model=UserPage, summary="Users the caller administers",
            description="With each: whether active, whether they must change their password, their last sign-in. "
                        "**Who may call:** province_admin (省级管理员) for every account; region_admin (县区管理员) "
                        "for their region's.")
async def list_users(principal: Admin, session: SessionDep, page: PageDep) -> UserPage:
    users, last = await service.list_users(session, principal.caller, page)
    return page.page(UserPage, [UserRead.model_validate(u) for u in users], last)


@router.post("/admin/api-keys", response_model=ApiKeyCreated, status_code=201,
             summary="Create an API key for a provincial system; the key is shown this once")
async def create_api_key(body: ApiKeyCreate, principal: ProvinceAdmin, session: SessionDep) -> ApiKeyCreated:
    """Creates an API key for a provincial system, scoped (`results:read`, `inputs:write`, `apportion` ...)
    and, for reading results or writing inputs, bound to one region. Returns the key itself this once: only
    its digest is kept, so an Idempotency-Key is not honoured. 422 for a results:read or inputs:write key
    without a region. **Who may call:** province_admin (省级管理员).
    """
    return await service.create_api_key(session, principal.caller, body)


@router.get("/admin/api-keys", response_model=ApiKeyPage, summary="API keys (never the keys themselves)")
async def list_api_keys(principal: ProvinceAdmin, session: SessionDep, page: PageDep) -> ApiKeyPage:
    """The API keys of provincial systems, oldest first, with their scopes, region and whether revoked; never
    the keys themselves (only their digests are kept); a page of the shared form (`limit`/`after`, `next`).
    **Who may call:** province_admin (省级管理员).
    """
    keys, last = await service.list_api_keys(session, page)
    return page.page(ApiKeyPage, [ApiKeyRead.model_validate(k) for k in keys], last)


@router.delete("/admin/api-keys/{key_id}", response_model=ApiKeyRead, summary="Revoke an API key")
async def revoke_api_key(key_id: uuid.UUID, principal: ProvinceAdmin, session: SessionDep) -> ApiKeyRead:
    """Revokes an API key: it stops working at once, in every gateway process. Returns the key as revoked. 404
    for an unknown key. **Who may call:** province_admin (省级管理员).
    """
    return ApiKeyRead.model_validate(await service.revoke_api_key(session, key_id))


@router.get("/audit", response_model=audit.AuditEventPage,
            summary="The audit trail, newest first; a region administrator sees their region's")
async def audit_trail(principal: Admin, session: ReadSessionDep, page: PageDep,
                      kind: Annotated[audit.Kind | None, Query(
                          description="write: changes; read: other people's results read; export: downloads")] = None,
                      actor_id: str | None = None, unit_id: uuid.UUID | None = None,
                      region_id: uuid.UUID | None = None, since: datetime | None = None,
                      until: datetime | None = None) -> audit.AuditEventPage:
    """The audit trail (审计日志), newest first: every write, every read of other people's results and every
    export, with who, when, from where, the route and the objects touched; filtered by kind, actor, unit,
    region and time; a page of the shared form (`limit`/`after`, `next`). **Who may call:** province_admin
    (省级管理员) for all; region_admin (县区管理员) for their region's.
    """
    events, last = await audit.query(session, principal.caller, page, actor_id=actor_id, unit_id=unit_id,
                                     region_id=region_id, since=since, until=until, kind=kind)
    return page.page(audit.AuditEventPage, [audit.AuditEventRead.model_validate(e) for e in events], last)
