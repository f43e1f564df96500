"""The gateway for tests: the real gateway app on its real schema, its downstream clients wired to
the in-process service apps of :mod:`shared.testing`, and a client signed in as the province
administrator. A suite that needs them imports ``gateway_app_fixture`` and ``gateway_fixture`` into its
``conftest.py``."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.config import GatewaySettings
from gateway.main import create_app
from shared.testing import TEST_SECRET, asgi_client, running, service_transports, sign_in

TEST_JWT_SECRET = "jwt-" + secrets.token_urlsafe(32)
TEST_ADMIN = ("province", "first-administrator-password")
TEST_METRICS_TOKEN = "metrics-" + secrets.token_urlsafe(32)


def build_gateway_app(transports: dict[str, httpx.AsyncBaseTransport], *, database_url: str,
                      **overrides: Any) -> FastAPI:
    """The real gateway on its real schema, its downstream clients wired to in-process service apps.

    Password hashing is cheap and failed sign-ins are not slowed here, to keep the suite fast;
    the rules themselves are the production ones.
    """
    values: dict[str, Any] = {
        "KAOHE_SERVICE_SECRET": TEST_SECRET, "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_JWT_SECRET": TEST_JWT_SECRET, "KAOHE_ADMIN_USERNAME": TEST_ADMIN[0],
        "KAOHE_ADMIN_PASSWORD": TEST_ADMIN[1], "argon2_memory_kib": 256, "argon2_time_cost": 1,
        "failure_delay_seconds": 0, "rate_limit": "100000/minute", "sign_in_rate_limit": "100000/minute",
        "metrics_token": TEST_METRICS_TOKEN,
        # no background webhook worker: a test that needs deliveries runs its rounds itself
        "webhook_poll_seconds": 0,
        # the tests' receivers listen on this machine, where no delivery goes by default
        "webhook_allowed_networks": ["127.0.0.0/8"],
    }
    values.update(overrides)
    settings = GatewaySettings(**values)
    return create_app(settings, transports=transports)


@pytest.fixture(scope="session", name="gateway_app")
async def gateway_app_fixture(records_app: FastAPI, scoring_app: FastAPI, quota_app: FastAPI,
                      database_urls: dict[str, str]) -> AsyncIterator[FastAPI]:
    transports = service_transports(("records", records_app), ("scoring", scoring_app), ("quota", quota_app))
    async with running(build_gateway_app(transports, database_url=database_urls["gateway"])) as app:
        yield app


@pytest.fixture(name="gateway")
async def gateway_fixture(gateway_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway signed in as the province administrator."""
    async with asgi_client(gateway_app) as client:
        client.headers.update(await sign_in(client, *TEST_ADMIN))
        yield client


async def followed_job(client: httpx.AsyncClient, location: str, *, polls: int = 600,
                       pause: float = 0.05) -> dict[str, Any]:
    """The job at ``location`` read through the gateway until it has ended (``polls`` reads, ``pause``
    seconds apart)."""
    for _ in range(polls):
        job = await client.get(location)
        assert job.status_code == 200, job.text
        if job.json()["state"] not in ("queued", "running"):
            return dict(job.json())
        await asyncio.sleep(pause)
    raise AssertionError(f"the job at {location} did not end")
