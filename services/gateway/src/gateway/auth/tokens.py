"""Access tokens (short-lived JWT, HS256) and opaque refresh tokens (kept as SHA-256 digests)."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt

from gateway.models import User
from shared.service_auth import Caller

ISSUER = "kaohe"
AUDIENCE = "kaohe-api"


def caller_for_user(user: User) -> Caller:
    return Caller(
        subject=f"user:{user.id}",
        kind="user",
        roles=(user.role,),
        region_ids=(str(user.region_id),) if user.region_id and user.role == "region_admin" else (),
        unit_ids=(str(user.unit_id),) if user.unit_id and user.role in ("unit_admin", "leader") else (),
        person_id=str(user.person_id) if user.person_id else None,
    )


@dataclass(frozen=True)
class AccessClaims:
    caller: Caller
    name: str
    session_id: str
    password_change_only: bool
    expires: float


def issue_access_token(secret: str, user: User, *, minutes: int, session_id: uuid.UUID,
                       password_change_only: bool = False) -> str:
    """A token of one session (``sid``, checked against revocation on each request); a session that
    may only change the password says so (``pwc``)."""
    now = int(time.time())
    caller = caller_for_user(user)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": str(user.id), "iat": now, "exp": now + minutes * 60,
              "jti": uuid.uuid4().hex, "sid": str(session_id), "name": user.username, "rol": list(caller.roles),
              "reg": list(caller.region_ids), "uni": list(caller.unit_ids), "per": caller.person_id}
    if password_change_only:
        claims["pwc"] = True
    return jwt.encode(claims, secret, algorithm="HS256")


def read_access_token(secret: str, token: str) -> AccessClaims:
    """The caller, their username and session; raises ``jwt.PyJWTError`` for anything not ours and current."""
    claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE,
                        options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    if not isinstance(claims.get("sid"), str):  # made before sessions were checked, or not by us
        raise jwt.MissingRequiredClaimError("sid")
    caller = Caller(subject=f"user:{claims['sub']}", kind="user", roles=tuple(claims.get("rol", ())),
                    region_ids=tuple(claims.get("reg", ())), unit_ids=tuple(claims.get("uni", ())),
                    person_id=claims.get("per"))
    return AccessClaims(caller, str(claims.get("name", "")), str(claims["sid"]), bool(claims.get("pwc", False)),
                        float(claims["exp"]))


def new_opaque_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
