"""A small province behind the real gateway: two regions, a unit in each, people, users of
every role, API keys, and quota runs, all made through the public API."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN, TEST_JWT_SECRET, gateway_app_fixture, gateway_fixture  # noqa: F401  (the fixtures, for this suite)
from records.config import RecordsSettings
from shared.jobs.worker import worker
from shared.testing import TEST_SECRET, asgi_client, ok, sign_in

PASSWORD = "correct-horse-battery"
SCHEME = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}]}
POLICY = {"ratio_by_grade": {"first": "0.22"}, "unit_cap_ratio": "0.40", "township_uplift": "0.20"}


@dataclass
class World:
    region: dict[str, str]
    unit: dict[str, str]
    person: dict[str, str]
    run: dict[str, str]
    scheme: dict[str, str] = field(default_factory=dict)
    close: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)


@pytest.fixture
async def client(gateway_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The real gateway, signed in as no one."""
    async with asgi_client(gateway_app) as c:
        yield c


@pytest.fixture
async def records_worker(database_urls: dict[str, str]) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Starts a records worker (in this event loop, on the real database) when the test says: the jobs
    queued before then wait for it."""
    settings = RecordsSettings(RECORDS_DATABASE_URL=database_urls["records"], KAOHE_SERVICE_SECRET=TEST_SECRET)
    async with AsyncExitStack() as stack:
        async def start() -> None:
            await stack.enter_async_context(worker("records", database_url=database_urls["records"],
                                                   settings=settings))
        yield start


def forged_token(secret: str, *, expired: bool = False) -> str:
    now = int(time.time())
    claims = {"iss": "kaohe", "aud": "kaohe-api", "sub": str(uuid.uuid4()), "iat": now - 3600,
              "exp": now - 60 if expired else now + 600, "rol": ["province_admin"], "name": "mallory"}
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.fixture(scope="session")
async def world(gateway_app: FastAPI) -> AsyncIterator[World]:
    tag = uuid.uuid4().hex[:6]
    async with asgi_client(gateway_app) as client:
        admin = await sign_in(client, *TEST_ADMIN)
        region, unit, person, run = {}, {}, {}, {}
        for side in ("a", "b"):
            region[side] = (await ok(await client.post("/api/v1/records/regions", headers=admin,
                                                       json={"code": f"{tag}{side}", "name": f"区{side}"})))["id"]
            unit[side] = (await ok(await client.post("/api/v1/records/units", headers=admin, json={
                "region_id": region[side], "code": "T1", "name": "镇", "kind": "township"})))["id"]
            person[side] = (await ok(await client.post("/api/v1/records/persons", headers=admin, json={
                "unit_id": unit[side], "staff_no": f"{tag}-{side}", "name": f"人{side}", "staff_category": "staff",
                "active_from": "2024-01-01"})))["id"]
            await ok(await client.put(f"/api/v1/quota/regions/{region[side]}/years/2025/units", headers=admin,
                                      json={"units": [{"id": unit[side], "kind": "township", "grade": "first"}]}), 200)
            await ok(await client.put(f"/api/v1/quota/regions/{region[side]}/years/2025/policy", headers=admin,
                                      json=POLICY), 200)
            run[side] = (await ok(await client.post(f"/api/v1/quota/regions/{region[side]}/years/2025/allocations",
                                                    headers=admin)))["id"]
        world = World(region=region, unit=unit, person=person, run=run)
        for side in ("a", "b"):  # a published first quarter under each unit's scheme
            world.scheme[side] = (await ok(await client.post("/api/v1/scoring/schemes", headers=admin, json={
                "region_id": region[side], "unit_id": unit[side], "name": "机关", "definition": SCHEME})))["id"]
            await ok(await client.put(f"/api/v1/scoring/schemes/{world.scheme[side]}/periods/2025Q1/marks",
                                      headers=admin, json={"marks": [
                                          {"person_id": person[side], "indicator": "ji", "mark": 80}]}), 200)
            world.close[side] = (await ok(await client.post(
                f"/api/v1/scoring/schemes/{world.scheme[side]}/periods/2025Q1/close", headers=admin)))["id"]
            await ok(await client.post(f"/api/v1/scoring/results/{world.close[side]}/publish", headers=admin), 200)
        world.headers["P"] = admin
        for role, name, scope in (("region_admin", "R", {"region_id": region["a"]}),
                                  ("unit_admin", "U", {"unit_id": unit["a"]}),
                                  ("leader", "L", {"unit_id": unit["a"]}),
                                  ("member", "M", {"person_id": person["a"]})):
            username = f"{name.lower()}-{tag}"
            world.users[name] = await ok(await client.post("/api/v1/admin/users", headers=admin, json={
                "username": username, "password": PASSWORD, "role": role, **scope}))
            world.headers[name] = await sign_in(client, username, PASSWORD)
        for name, scopes, region_id in (("key_read", ["results:read"], region["a"]),
                                        ("key_apportion", ["apportion"], None),
                                        ("key_revoked", ["results:read"], region["a"])):
            body: dict[str, Any] = {"name": f"{name}-{tag}", "scopes": scopes}
            if region_id:
                body["region_id"] = region_id
            world.keys[name] = await ok(await client.post("/api/v1/admin/api-keys", headers=admin, json=body))
            world.headers[name] = {"x-api-key": world.keys[name]["key"]}
        await ok(await client.delete(f"/api/v1/admin/api-keys/{world.keys['key_revoked']['id']}",
                                     headers=admin), 200)
        world.headers["anonymous"] = {}
        world.headers["expired"] = {"authorization": f"Bearer {forged_token(TEST_JWT_SECRET, expired=True)}"}
        world.headers["forged"] = {"authorization": f"Bearer {forged_token('another-signing-key-' + tag * 8)}"}
    yield world
