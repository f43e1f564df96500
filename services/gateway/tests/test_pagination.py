"""One page form on every list, through the real gateway and services: ``?limit=&after=``, answered
``{"items", "next"}`` with the same ``next`` in a ``Link`` header, both the public URL; ``limit``
bounded; a cursor that is not one a list gave is a 422 problem; a cursor never widens the caller's
scope."""

from __future__ import annotations

import base64
import random
import uuid
from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from shared.testing import asgi_client, ok

from .conftest import World


async def walk(client: httpx.AsyncClient, path: str, headers: dict[str, str],
               params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every page of a list, following ``next``; each ``next`` checked against its ``Link``."""
    pages: list[list[dict[str, Any]]] = []
    response = await client.get(path, params=params, headers=headers)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        if body["next"] is None:
            assert "link" not in response.headers
            return pages
        assert body["next"].startswith(f"{path}?"), body["next"]
        assert response.headers["link"] == f'<{body["next"]}>; rel="next"'
        response = await client.get(body["next"], headers=headers)


async def new_region(client: httpx.AsyncClient, world: World, codes: list[str]) -> tuple[str, dict[str, str]]:
    admin = world.headers["P"]
    region = (await ok(await client.post("/api/v1/records/regions", headers=admin, json={
        "code": f"pg{uuid.uuid4().hex[:8]}", "name": "分页县"})))["id"]
    units = {}
    for code in codes:
        units[code] = (await ok(await client.post("/api/v1/records/units", headers=admin, json={
            "region_id": region, "code": code, "name": f"单位{code}", "kind": "township"})))["id"]
    return region, units


async def test_paging_yields_every_row_once_in_order(gateway_app: FastAPI, world: World) -> None:
    codes = [f"U{i:02d}" for i in range(8)]
    async with asgi_client(gateway_app) as client:
        region, units = await new_region(client, world, random.sample(codes, len(codes)))
        pages = await walk(client, "/api/v1/records/units", world.headers["P"], {"region_id": region, "limit": 3})
    assert [len(p) for p in pages] == [3, 3, 2]  # a last page that is full has no empty page after it
    assert [u["code"] for p in pages for u in p] == codes
    assert [u["id"] for p in pages for u in p] == [units[c] for c in codes]


async def test_limits_are_bounded_and_a_foreign_cursor_is_a_problem(gateway_app: FastAPI, world: World) -> None:
    wrong_shape = base64.urlsafe_b64encode(orjson.dumps(["x"])).decode().rstrip("=")
    not_a_list = base64.urlsafe_b64encode(orjson.dumps({"a": 1})).decode().rstrip("=")
    lists = {path: {} for path in (
        "/api/v1/records/units", "/api/v1/records/regions", f"/api/v1/records/units/{world.unit['a']}/sections",
        "/api/v1/audit", "/api/v1/admin/users", "/api/v1/admin/api-keys", "/api/v1/scoring/schemes",
        "/api/v1/scoring/objections", f"/api/v1/quota/regions/{world.region['a']}/years/2025/allocations",
        f"/api/v1/scoring/schemes/{world.scheme['a']}/periods/2025Q1/results")}
    lists[f"/api/v1/records/units/{world.unit['a']}/members"] = {"period": "2025"}
    async with asgi_client(gateway_app) as client:
        for path, query in lists.items():

            async def get(path: str, params: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
                return await client.get(path, params={**query, **params}, headers=headers)  # noqa: B023

            assert (await get(path, params={"limit": 500}, headers=world.headers["P"])).status_code == 200, path
            for limit in (0, 501, -1):
                refused = await get(path, params={"limit": limit}, headers=world.headers["P"])
                assert refused.status_code == 422, (path, refused.text)
                assert refused.json()["errors"][0]["field"] == "query.limit", path
            for cursor in ("!!!", "bm90LWpzb24", wrong_shape, not_a_list, "x" * 401):
                refused = await get(path, params={"after": cursor}, headers=world.headers["P"])
                assert refused.status_code == 422, (path, cursor, refused.text)
                assert refused.headers["content-type"] == "application/problem+json"
                assert refused.json()["code"] in {"cursor_invalid", "validation_error"}, (path, refused.text)
            refused = await get(path, params={"after": wrong_shape}, headers=world.headers["P"])
            assert (refused.json()["code"], refused.json()["errors"][0]["field"]) == ("cursor_invalid", "query.after")


async def test_a_cursor_does_not_widen_the_callers_scope(gateway_app: FastAPI, world: World) -> None:
    """The province's cursor, handed to region a's administrator, resumes within region a only."""
    async with asgi_client(gateway_app) as client:
        await new_region(client, world, ["A1", "A2"])
        everything = (await client.get("/api/v1/records/units", params={"limit": 1},
                                       headers=world.headers["P"])).json()
        after = dict(httpx.URL(everything["next"]).params)["after"]
        pages = await walk(client, "/api/v1/records/units", world.headers["R"], {"limit": 1, "after": after})
        seen = {u["region_id"] for p in pages for u in p}
        assert seen <= {world.region["a"]}
        mine = await walk(client, "/api/v1/records/units", world.headers["R"], {"limit": 2})
        assert {u["region_id"] for p in mine for u in p} == {world.region["a"]}
        users = await walk(client, "/api/v1/admin/users", world.headers["R"], {"limit": 1})
        assert world.users["M"]["id"] in {u["id"] for p in users for u in p}
        assert all(u["region_id"] == world.region["a"] for p in users for u in p)


async def test_the_audit_trail_pages_newest_first(gateway_app: FastAPI, world: World) -> None:
    async with asgi_client(gateway_app) as client:
        await new_region(client, world, ["B1", "B2", "B3"])
        pages = await walk(client, "/api/v1/audit", world.headers["P"], {"limit": 2, "kind": "write"})
    ids = [e["id"] for p in pages[:3] for e in p]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids))
