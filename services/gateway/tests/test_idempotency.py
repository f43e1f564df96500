"""A lost response, retried with an Idempotency-Key: one unit created, the same answer twice."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fastapi import FastAPI

from shared.testing import asgi_client

from .conftest import World


def unit_body(world: World, code: str) -> dict[str, str]:
    return {"region_id": world.region["a"], "code": code, "name": "重试", "kind": "street"}


async def count_units(client: httpx.AsyncClient, world: World, code: str) -> int:
    units = (await client.get("/api/v1/records/units", params={"region_id": world.region["a"]},
                              headers=world.headers["P"])).json()
    return sum(1 for u in units if u["code"] == code)


async def test_a_retry_returns_the_first_response_and_creates_nothing(gateway_app: FastAPI, world: World) -> None:
    code, key = uuid.uuid4().hex[:8], f"k-{uuid.uuid4()}"
    async with asgi_client(gateway_app) as client:
        headers = {**world.headers["R"], "idempotency-key": key}
        first = await client.post("/api/v1/records/units", json=unit_body(world, code), headers=headers)
        second = await client.post("/api/v1/records/units", json=unit_body(world, code), headers=headers)
        assert first.status_code == second.status_code == 201
        assert second.json() == first.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert await count_units(client, world, code) == 1
        # Without the key the same request really runs again: a duplicate code is a 409.
        third = await client.post("/api/v1/records/units", json=unit_body(world, code), headers=world.headers["R"])
        assert third.status_code == 409


async def test_the_same_key_for_another_body_is_422(gateway_app: FastAPI, world: World) -> None:
    key = f"k-{uuid.uuid4()}"
    async with asgi_client(gateway_app) as client:
        headers = {**world.headers["R"], "idempotency-key": key}
        await client.post("/api/v1/records/units", json=unit_body(world, uuid.uuid4().hex[:8]), headers=headers)
        other = await client.post("/api/v1/records/units", json=unit_body(world, uuid.uuid4().hex[:8]),
                                  headers=headers)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


async def test_keys_belong_to_their_caller(gateway_app: FastAPI, world: World) -> None:
    key, code = f"k-{uuid.uuid4()}", uuid.uuid4().hex[:8]
    async with asgi_client(gateway_app) as client:
        mine = await client.post("/api/v1/records/units", json=unit_body(world, code),
                                 headers={**world.headers["R"], "idempotency-key": key})
        theirs = await client.post("/api/v1/records/units", json=unit_body(world, code),
                                   headers={**world.headers["P"], "idempotency-key": key})
    assert mine.status_code == 201 and theirs.status_code == 409  # P's request runs: the code is taken


async def test_two_at_once_create_one(gateway_app: FastAPI, world: World) -> None:
    code, key = uuid.uuid4().hex[:8], f"k-{uuid.uuid4()}"
    async with asgi_client(gateway_app) as client:
        headers = {**world.headers["R"], "idempotency-key": key}
        responses = await asyncio.gather(*(client.post("/api/v1/records/units", json=unit_body(world, code),
                                                       headers=headers) for _ in range(2)))
        assert sorted(r.status_code for r in responses) in ([201, 201], [201, 409])
        assert await count_units(client, world, code) == 1
