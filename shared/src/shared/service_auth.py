"""Service-to-service trust: only the gateway may call a service.

The gateway signs a short-lived token (HS256 JWT over the shared ``KAOHE_SERVICE_SECRET``)
carrying who the end caller is and what they may reach; every service checks it on every
route except its health probes, so a service reached directly is no way around the
gateway. The caller's identity travels with the token so services can re-check scope.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import problem
from shared.expiring import ExpiringCache

SERVICE_TOKEN_HEADER = "x-service-token"  # noqa: S105 (a header name)
ISSUER = "kaohe-gateway"
TOKEN_TTL_SECONDS = 60
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass(frozen=True)
class Caller:
    """The end caller as the gateway established it."""

    subject: str
    kind: str = "user"  # "user", "api_key" or "system"
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    region_ids: tuple[str, ...] = ()
    unit_ids: tuple[str, ...] = ()
    person_id: str | None = None

    @property
    def is_province_wide(self) -> bool:
        """Sees every region: a province administrator, or another service of ours."""
        return "province_admin" in self.roles or "system" in self.roles

    def administers_region(self, region_id: object) -> bool:
        """May manage the whole region (组织部): its units, people and allocations."""
        return self.is_province_wide or str(region_id) in self.region_ids

    def sees_unit(self, unit_id: object, region_id: object) -> bool:
        return self.administers_region(region_id) or str(unit_id) in self.unit_ids

    def is_person(self, person_id: object) -> bool:
        return self.person_id is not None and self.person_id == str(person_id)


SYSTEM_CALLER = Caller(subject="system", kind="system", roles=("system",))


def mint_service_token(secret: str, caller: Caller, *, ttl: int = TOKEN_TTL_SECONDS) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "iat": now,
        "exp": now + ttl,
        "sub": caller.subject,
        "knd": caller.kind,
        "rol": list(caller.roles),
        "scp": list(caller.scopes),
        "reg": list(caller.region_ids),
        "uni": list(caller.unit_ids),
        "per": caller.person_id,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_service_token(secret: str, token: str) -> Caller:
    return _caller(_claims(secret, token))


def _claims(secret: str, token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER,
                                        options={"require": ["exp", "iat", "iss", "sub"]})
    return claims


def _caller(claims: dict[str, Any]) -> Caller:
    return Caller(
        subject=claims["sub"],
        kind=claims.get("knd", "user"),
        roles=tuple(claims.get("rol", ())),
        scopes=tuple(claims.get("scp", ())),
        region_ids=tuple(claims.get("reg", ())),
        unit_ids=tuple(claims.get("uni", ())),
        person_id=claims.get("per"),
    )


class ServiceAuthMiddleware:
    """Reject any request without a valid gateway token before routing touches it."""

    def __init__(self, app: ASGIApp, *, secret: str, size: int = 10_000) -> None:
        self.app = app
        self.secret = secret
        # verified tokens until they expire: the gateway sends one token per caller for half its life
        self.verified: ExpiringCache[str, Caller] = ExpiringCache(size)

    def caller_of(self, token: str) -> Caller:
        """The token's caller, checked once and kept until the token expires (PyJWTError if invalid)."""
        now = time.time()
        kept = self.verified.get(token, now)
        if kept is not None:
            return kept
        claims = _claims(self.secret, token)
        caller = _caller(claims)
        self.verified.put(token, caller, until=float(claims["exp"]), now=now)
        return caller

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        token = None
        for key, value in scope["headers"]:
            if key == b"x-service-token":
                token = value.decode("latin-1")
                break
        if token is None:
            response = problem(401, code="service_token_missing", title="Authentication required",
                               detail="This service accepts calls from the gateway only.")
            await response(scope, receive, send)
            return
        try:
            caller = self.caller_of(token)
        except jwt.PyJWTError as exc:
            response = problem(401, code="service_token_invalid", title="Authentication required",
                               detail=f"Service token rejected: {exc}.")
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)


async def get_caller(request: Request) -> Caller:  # async: no thread hop for a lookup
    caller: Caller = request.state.caller
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
