"""Security headers on every gateway answer (proxied, the gateway's own, errors), HSTS only over https,
and no-store on token answers and a person's own results."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN
from shared.testing import asgi_client

from .conftest import World

SAFE = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY",
        "content-security-policy": "frame-ancestors 'none'"}


def hardened(response: httpx.Response, *, status: int, private: bool) -> None:
    assert response.status_code == status, response.text
    assert {name: response.headers.get(name) for name in SAFE} == SAFE
    assert "strict-transport-security" not in response.headers
    assert (response.headers.get("cache-control") == "no-store") is private, response.headers


async def test_every_answer_carries_the_headers(gateway_app: FastAPI, world: World) -> None:
    async with asgi_client(gateway_app) as client:
        token = await client.post("/api/v1/auth/token", data={"username": TEST_ADMIN[0], "password": TEST_ADMIN[1]})
        hardened(token, status=200, private=True)
        hardened(await client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x" * 12}),
                 status=401, private=True)
        hardened(await client.get("/healthz"), status=200, private=False)
        hardened(await client.get(f"/api/v1/records/units/{world.unit['a']}", headers=world.headers["P"]),
                 status=200, private=False)
        hardened(await client.get("/api/v1/records/units/not-a-uuid", headers=world.headers["P"]),
                 status=422, private=False)
        hardened(await client.get("/api/v1/records/regions"), status=401, private=False)
        hardened(await client.get("/api/v1/me", headers=world.headers["M"]), status=200, private=True)
        hardened(await client.get("/api/v1/me/mine", headers=world.headers["M"]), status=200, private=True)
        scheme = world.scheme["a"]
        hardened(await client.get(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q1/results",
                                  headers=world.headers["P"]), status=200, private=True)
        person = world.person["a"]
        hardened(await client.get(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q1/people/{person}/explanation",
                                  headers=world.headers["M"]), status=200, private=True)


async def test_hsts_only_over_https(gateway_app: FastAPI) -> None:
    async with asgi_client(gateway_app, base_url="https://kaohe.example") as client:
        response = await client.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["x-frame-options"] == "DENY"
