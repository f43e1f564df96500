"""A lost response, retried with an Idempotency-Key: one unit created, the same answer twice; a key
left in flight by a dead gateway is taken over after its lease, and the service does not write twice."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from gateway.models import IdempotencyKey
from shared.service_auth import Caller
from shared.testing import asgi_client, service_headers

from .conftest import World


def unit_body(world: World, code: str) -> dict[str, str]:
    return {"region_id": world.region["a"], "code": code, "name": "重试", "kind": "street"}


async def count_units(client: httpx.AsyncClient, world: World, code: str) -> int:
    units = (await client.get("/api/v1/records/units", params={"region_id": world.region["a"]},
                              headers=world.headers["P"])).json()["items"]
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


async def test_an_empty_key_is_refused_not_shared_across_routes(gateway_app: FastAPI, world: World) -> None:
    """A blank key (HTTP strips one of spaces to nothing) would otherwise reach the service, which
    kept the first answer under it and gave it back for any other route."""
    async with asgi_client(gateway_app) as client:
        for key in ("", "   "):
            headers = {**world.headers["R"], "idempotency-key": key}
            refused = await client.post("/api/v1/records/units", json=unit_body(world, uuid.uuid4().hex[:8]),
                                        headers=headers)
            assert refused.status_code == 400, refused.text
            assert refused.json()["code"] == "idempotency_key_invalid"


async def test_a_key_on_a_path_longer_than_its_column_is_kept_and_told_apart(gateway_app: FastAPI,
                                                                              world: World) -> None:
    """A path longer than the 512 characters kept beside a key (a fuzzer's year of 600 letters) is the
    service's 422, not a 500 from the gateway's own table; two such paths sharing their start stay two."""
    key = f"k-{uuid.uuid4()}"
    base = f"/api/v1/quota/regions/{world.region['a']}/years/"
    async with asgi_client(gateway_app) as client:
        headers = {**world.headers["R"], "idempotency-key": key}
        first = await client.post(base + "y" * 600 + "/allocations", json={}, headers=headers)
        other = await client.post(base + "y" * 600 + "z/allocations", json={}, headers=headers)
    assert first.status_code == 422, first.text
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused", other.text


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


# ------------------------------------------------------------------ a gateway that died mid-request


async def leave_in_flight(gateway_app: FastAPI, key: str, subject: str, body: bytes, *, age: timedelta) -> None:
    """The row a gateway leaves when it dies after claiming a key and before keeping the answer."""
    async with gateway_app.state.sessionmaker() as session:
        session.add(IdempotencyKey(key=key, subject=subject, method="POST", path="/api/v1/records/units?",
                                   body_hash=hashlib.sha256(body).hexdigest(),
                                   created_at=datetime.now(UTC) - age))
        await session.commit()


async def whoami(client: httpx.AsyncClient, headers: dict[str, str]) -> Caller:
    me = (await client.get("/api/v1/records/whoami", headers=headers)).json()
    return Caller(subject=me["subject"], kind=me["kind"], roles=tuple(me["roles"]))


def keyed_post(world: World, code: str, key: str) -> tuple[bytes, dict[str, str]]:
    return (json.dumps(unit_body(world, code)).encode(),
            {**world.headers["P"], "idempotency-key": key, "content-type": "application/json"})


async def test_a_key_left_in_flight_is_taken_over_after_its_lease(gateway_app: FastAPI, world: World) -> None:
    lease = timedelta(seconds=gateway_app.state.settings.idempotency_lease)
    async with asgi_client(gateway_app) as client:
        me = await whoami(client, world.headers["P"])
        fresh, stale = f"k-{uuid.uuid4()}", f"k-{uuid.uuid4()}"
        code_fresh, code_stale = uuid.uuid4().hex[:8], uuid.uuid4().hex[:8]
        body, headers = keyed_post(world, code_fresh, fresh)
        await leave_in_flight(gateway_app, fresh, me.subject, body, age=lease - timedelta(seconds=5))
        refused = await client.post("/api/v1/records/units", content=body, headers=headers)
        assert refused.status_code == 409 and refused.json()["code"] == "idempotency_key_in_flight"

        body, headers = keyed_post(world, code_stale, stale)
        await leave_in_flight(gateway_app, stale, me.subject, body, age=lease + timedelta(seconds=1))
        taken = await client.post("/api/v1/records/units", content=body, headers=headers)
        assert taken.status_code == 201 and taken.json()["code"] == code_stale
        again = await client.post("/api/v1/records/units", content=body, headers=headers)
        assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
        assert again.json() == taken.json()
        assert await count_units(client, world, code_stale) == 1
        assert await count_units(client, world, code_fresh) == 0


async def test_a_write_the_dead_gateway_committed_is_not_written_again(gateway_app: FastAPI, records_app: FastAPI,
                                                                      world: World) -> None:
    key, code = f"k-{uuid.uuid4()}", uuid.uuid4().hex[:8]
    lease = timedelta(seconds=gateway_app.state.settings.idempotency_lease)
    async with asgi_client(gateway_app) as client:
        me = await whoami(client, world.headers["P"])
        body, headers = keyed_post(world, code, key)
        # The dead gateway had forwarded the write, and the service committed it; the answer never came back.
        async with asgi_client(records_app, headers=service_headers(me)) as service:
            committed = await service.post("/api/v1/records/units", content=body,
                                           headers={"idempotency-key": key, "content-type": "application/json"})
        assert committed.status_code == 201
        await leave_in_flight(gateway_app, key, me.subject, body, age=lease + timedelta(seconds=1))
        retried = await client.post("/api/v1/records/units", content=body, headers=headers)
        assert retried.status_code == 201
        assert retried.json() == committed.json()  # the first write's answer, the same id
        assert await count_units(client, world, code) == 1


async def test_a_write_whose_answer_the_service_lost_is_a_409_not_a_second_write(records_app: FastAPI,
                                                                              world: World) -> None:
    key, code = f"k-{uuid.uuid4()}", uuid.uuid4().hex[:8]
    caller = Caller(subject=f"lost-{uuid.uuid4()}", kind="user", roles=("province_admin",))
    async with records_app.state.sessionmaker() as session:  # committed with its write; then the service died
        await session.execute(text("INSERT INTO idempotency_keys (subject, key) VALUES (:s, :k)"),
                              {"s": caller.subject, "k": key})
        await session.commit()
    async with asgi_client(records_app, headers=service_headers(caller)) as service:
        response = await service.post("/api/v1/records/units", json=unit_body(world, code),
                                      headers={"idempotency-key": key})
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_applied"
    async with records_app.state.sessionmaker() as session:
        assert await session.scalar(text("SELECT count(*) FROM units WHERE code = :c"), {"c": code}) == 0
