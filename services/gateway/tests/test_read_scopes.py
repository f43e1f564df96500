"""API keys scoped to read schemes, units and persons: a province's system pulls its region's
roster and schemes with them, and nothing else."""

from __future__ import annotations

import uuid
from typing import Any, get_args

import httpx
import pytest
from fastapi import FastAPI

from gateway import policy
from gateway.auth.schemas import Scope
from shared.testing import asgi_client, ok

from .conftest import World

READS = {
    "schemes:read": ["/api/v1/scoring/schemes", "/api/v1/scoring/schemes/{scheme}"],
    "units:read": ["/api/v1/records/units", "/api/v1/records/units/{unit}"],
    "persons:read": ["/api/v1/records/persons/{person}", "/api/v1/records/persons/search?q=人",
                     "/api/v1/records/units/{unit}/members?period=2025"],
}


def filled(path: str, world: World, side: str) -> str:
    return path.format(scheme=world.scheme[side], unit=world.unit[side], person=world.person[side])


async def key(gateway: httpx.AsyncClient, world: World, *scopes: str) -> dict[str, str]:
    made = await ok(await gateway.post("/api/v1/admin/api-keys", json={
        "name": f"read-{uuid.uuid4().hex[:6]}", "scopes": list(scopes), "region_id": world.region["a"]}))
    return {"x-api-key": made["key"]}


@pytest.mark.parametrize("scope", sorted(READS))
async def test_a_read_key_reads_its_regions_and_nothing_else(gateway_app: FastAPI, gateway: httpx.AsyncClient,
                                                             world: World, scope: str) -> None:
    headers = await key(gateway, world, scope)
    async with asgi_client(gateway_app) as system:  # signed in as nobody: the key alone
        await reads_only(system, world, scope, headers)


async def reads_only(gateway: httpx.AsyncClient, world: World, scope: str, headers: dict[str, str]) -> None:
    for path in READS[scope]:
        own = await gateway.get(filled(path, world, "a"), headers=headers)
        assert own.status_code == 200, (path, own.text)
        body: Any = own.json()
        assert world.region["b"] not in own.text and world.unit["b"] not in own.text
        if "{" not in path and isinstance(body, list):
            assert body, path  # its region's units or schemes are there
        if "{" in path:
            other = await gateway.get(filled(path, world, "b"), headers=headers)
            assert other.status_code == 404, (path, other.text)
    for other_scope, paths in READS.items():
        if other_scope != scope:
            for path in paths:
                assert (await gateway.get(filled(path, world, "a"), headers=headers)).status_code == 403, path
    for path, method in ((f"/api/v1/scoring/schemes/{world.scheme['a']}/periods/2025Q1/results", "GET"),
                         ("/api/v1/records/regions", "GET"), ("/api/v1/records/persons", "POST"),
                         (f"/api/v1/records/units/{world.unit['a']}", "PATCH")):
        assert (await gateway.request(method, path, headers=headers, json={})).status_code == 403, path


async def test_a_read_key_acts_for_one_region(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/api/v1/admin/api-keys", json={"name": "no-region", "scopes": ["units:read"]})
    assert response.status_code == 422 and "region_id" in response.text


def test_every_scope_a_key_may_hold_opens_whoami_and_the_catalogue() -> None:
    assert set(get_args(Scope)) == set(policy.KEY_SCOPES)
