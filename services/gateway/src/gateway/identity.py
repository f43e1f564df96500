"""Who is calling: a user's bearer token or a system's API key, checked on every request."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request
from limits import RateLimitItem, parse_many

from gateway.auth.service import caller_for_key
from gateway.auth.sessions import SessionCache
from gateway.auth.tokens import read_access_token
from shared.errors import AppError, Forbidden, Unauthorized
from shared.expiring import ExpiringCache
from shared.service_auth import Caller

BEARER = {"WWW-Authenticate": "Bearer"}
# The one route a session that must change its password may call.
PASSWORD_CHANGE_PATH = "/api/v1/auth/password"  # noqa: S105 (a path, not a password)


@dataclass(frozen=True)
class Principal:
    caller: Caller
    name: str
    session_id: str | None = None  # a user's sign-in; None for an API key
    password_change_only: bool = False

    @property
    def user_id(self) -> str | None:
        return self.caller.subject.removeprefix("user:") if self.caller.kind == "user" else None


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    title = "Too many requests"


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"
    title = "Change the password before anything else"


class RateLimits:
    """Fixed-window limits per caller (each user and each API key on its own) and per address for
    sign-in, in this process's memory: with several gateways each counts its own callers. A window
    opens at a caller's first request and lasts the limit's period.

    A refused request is not counted, and its 429 carries ``Retry-After``: the whole seconds, rounded
    up, until every limit it broke admits a request again (at least 1).

    The counters are a plain dict, not ``limits``' memory storage: that one starts a thread to expire
    its keys on nearly every request, a tenth of the gateway's time on a cheap route."""

    def __init__(self, per_caller: str, sign_in: str, size: int = 100_000) -> None:
        self.per_caller = parse_many(per_caller)
        self.sign_in = parse_many(sign_in)
        self.size = size
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}  # (limit, key) → (window ends, hits)

    def _hits(self, item: RateLimitItem, key: str, now: float) -> tuple[float, int]:
        ends, hits = self._windows.get((str(item), key), (0.0, 0))
        return (ends, hits) if ends > now else (now + item.get_expiry(), 0)

    def check(self, key: str, *, sign_in: bool = False) -> None:
        items = self.sign_in if sign_in else self.per_caller
        now = time.time()
        windows = [(item, *self._hits(item, key, now)) for item in items]
        broken = [(item, ends) for item, ends, hits in windows if hits >= item.amount]
        if broken:
            retry = max(1, *(math.ceil(ends - now) for _, ends in broken))
            raise RateLimited(f"limit {'; '.join(str(item) for item, _ in broken)} reached; retry in {retry} s",
                              extra={"retry_after": retry}, headers={"retry-after": str(retry)})
        if len(self._windows) >= self.size:
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        for item, ends, hits in windows:
            self._windows[(str(item), key)] = (ends, hits + 1)


class SignInThrottle:
    """Failed sign-ins counted per (account, client address): ``failures`` in a row from one address
    lock that address out of that account for ``minutes``; other addresses still get in."""

    def __init__(self, failures: int, minutes: int, size: int = 100_000) -> None:
        self.failures, self.seconds, self.size = failures, minutes * 60, size
        self._seen: dict[tuple[str, str], tuple[int, float]] = {}

    def locked_until(self, username: str, address: str) -> float | None:
        count, until = self._seen.get((username, address), (0, 0.0))
        return until if count >= self.failures and until > time.time() else None

    def failed(self, username: str, address: str) -> None:
        now = time.time()
        if len(self._seen) >= self.size:
            self._seen = {k: v for k, v in self._seen.items() if v[1] > now}
        count, until = self._seen.get((username, address), (0, 0.0))
        count = 1 if count >= self.failures and until <= now else count + 1
        self._seen[(username, address)] = (count, now + self.seconds)

    def succeeded(self, username: str, address: str) -> None:
        self._seen.pop((username, address), None)


def client_address(request: Request) -> str:
    """The peer's address, or, when the peer is a trusted proxy, the nearest untrusted address in
    ``X-Forwarded-For`` (read right to left), so a client cannot choose its own address."""
    peer = request.client.host if request.client else "?"
    trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network] = request.app.state.trusted_proxies
    if not trusted or not _within(peer, trusted):
        return peer
    hops = [hop.strip() for hop in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop if _within(hop, ()) is not None else peer
        peer = hop
    return peer


def _within(address: str, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool | None:
    """Whether ``address`` lies in one of ``networks``; None when it is not an IP address at all."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return any(ip in network for network in networks)


def _unauthorized(detail: str, code: str) -> Unauthorized:
    return Unauthorized(detail, code=code)


class TokenCache:
    """Verified access tokens, kept until shortly before they expire: a client sends the same
    token many times, and verifying it again each time is the gateway's largest fixed cost."""

    def __init__(self, secret: str, size: int = 10_000) -> None:
        self.secret = secret
        self._seen: ExpiringCache[str, Principal] = ExpiringCache(size)

    def principal(self, token: str) -> Principal:
        now = time.time()
        hit = self._seen.get(token, now)
        if hit is not None:
            return hit
        try:
            claims = read_access_token(self.secret, token)
        except jwt.ExpiredSignatureError as exc:
            raise _unauthorized("the access token has expired; refresh it", "token_expired") from exc
        except jwt.PyJWTError as exc:
            raise _unauthorized("the access token is not valid", "token_invalid") from exc
        principal = Principal(claims.caller, claims.name, claims.session_id, claims.password_change_only)
        self._seen.put(token, principal, until=min(claims.expires, now + 300) - 1, now=now)
        return principal


async def authenticate(request: Request) -> Principal:
    state = request.app.state
    authorization = request.headers.get("authorization")
    api_key = request.headers.get("x-api-key")
    if authorization and authorization[:7].lower() == "bearer ":
        tokens: TokenCache = state.tokens
        principal = tokens.principal(authorization[7:].strip())
        sessions: SessionCache = state.sessions
        if principal.session_id is None or not await sessions.is_open(principal.session_id):
            raise _unauthorized("this sign-in has ended (signed out, password changed or reset, or the account "
                                "disabled); sign in again", "session_revoked")
        if principal.password_change_only and request.url.path != PASSWORD_CHANGE_PATH:
            raise PasswordChangeRequired(f"this sign-in may only change the password: POST {PASSWORD_CHANGE_PATH}")
    elif api_key:
        async with state.sessionmaker() as session:
            found = await caller_for_key(session, api_key.strip())
        if found is None:
            raise _unauthorized("the API key is unknown or revoked", "api_key_invalid")
        principal = Principal(*found)
    else:
        raise _unauthorized("sign in (Authorization: Bearer …) or send an API key (X-API-Key)", "unauthenticated")
    state.rate_limits.check(principal.caller.subject)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(authenticate)]
