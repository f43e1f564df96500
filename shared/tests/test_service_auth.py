"""Services answer only the gateway: a signed, short-lived token on every call."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi import FastAPI

from shared.errors import install_error_handlers
from shared.service_auth import (
    ISSUER,
    Caller,
    CallerDep,
    ServiceAuthMiddleware,
    mint_service_token,
    verify_service_token,
)
from shared.testing import asgi_client

SECRET = "s3cret-for-this-test-only-0123456789-padded-to-sixty-four-bytes!!"


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(ServiceAuthMiddleware, secret=SECRET)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/whoami")
    async def whoami(caller: CallerDep) -> dict[str, object]:
        return {"subject": caller.subject, "units": list(caller.unit_ids)}

    return app


CALLER = Caller(subject="user:7", roles=("unit_admin",), unit_ids=("u-1",))


class TestServiceToken:
    def test_round_trip_keeps_the_caller(self) -> None:
        assert verify_service_token(SECRET, mint_service_token(SECRET, CALLER)) == CALLER

    def test_another_secret_is_rejected(self) -> None:
        with pytest.raises(jwt.InvalidSignatureError):
            verify_service_token(SECRET, mint_service_token("another-secret-0123456789abcdefghijk", CALLER))

    def test_expired_token_is_rejected(self) -> None:
        with pytest.raises(jwt.ExpiredSignatureError):
            verify_service_token(SECRET, mint_service_token(SECRET, CALLER, ttl=-5))


class TestServiceAuthMiddleware:
    async def test_health_needs_no_token(self) -> None:
        async with asgi_client(make_app()) as client:
            assert (await client.get("/healthz")).status_code == 200

    async def test_missing_token_is_401(self) -> None:
        async with asgi_client(make_app()) as client:
            response = await client.get("/whoami")
        assert response.status_code == 401
        assert response.json()["code"] == "service_token_missing"
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize("token", [
        "not-a-jwt",
        jwt.encode({"iss": ISSUER, "sub": "x", "iat": 0, "exp": int(time.time()) + 60},
                   "wrong-secret-0123456789abcdefghijklmn", algorithm="HS256"),
        jwt.encode({"iss": "someone-else", "sub": "x", "iat": 0, "exp": int(time.time()) + 60},
                   SECRET, algorithm="HS256"),
        jwt.encode({"iss": ISSUER, "sub": "x", "iat": 0, "exp": int(time.time()) - 1},
                   SECRET, algorithm="HS256"),
        jwt.encode({"iss": ISSUER, "sub": "x", "iat": 0, "exp": int(time.time()) + 60},
                   SECRET, algorithm="HS512"),
    ], ids=["garbage", "other-key", "other-issuer", "expired", "other-algorithm"])
    async def test_bad_token_is_401(self, token: str) -> None:
        async with asgi_client(make_app()) as client:
            response = await client.get("/whoami", headers={"x-service-token": token})
        assert response.status_code == 401
        assert response.json()["code"] == "service_token_invalid"

    async def test_valid_token_reaches_the_route_with_the_caller(self) -> None:
        token = mint_service_token(SECRET, CALLER)
        async with asgi_client(make_app()) as client:
            response = await client.get("/whoami", headers={"x-service-token": token})
        assert response.status_code == 200
        assert response.json() == {"subject": "user:7", "units": ["u-1"]}

    def test_a_verified_token_is_kept_until_it_expires(self) -> None:
        middleware = ServiceAuthMiddleware(make_app(), secret=SECRET, size=2)
        token = mint_service_token(SECRET, CALLER)
        assert middleware.caller_of(token) == CALLER
        assert middleware.caller_of(token) is middleware.caller_of(token)  # the one kept
        expired = jwt.encode({"iss": ISSUER, "sub": "x", "iat": 0, "exp": int(time.time()) - 1}, SECRET,
                             algorithm="HS256")
        middleware.verified.entries[expired] = (time.time() - 1, CALLER)  # kept past its end: checked again
        with pytest.raises(jwt.ExpiredSignatureError):
            middleware.caller_of(expired)
        for ttl in (30, 40, 50):  # past its size the cache keeps the live ones, else starts afresh
            middleware.caller_of(mint_service_token(SECRET, Caller(subject=f"user:{ttl}"), ttl=ttl))
        assert len(middleware.verified) <= 2
