"""A control character in a query string is a 422 naming the parameter, refused at the gateway before
any service sees it (a NUL used to reach PostgreSQL and come back as a 422 naming no field)."""

from __future__ import annotations

from fastapi import FastAPI

from shared.testing import asgi_client

from .conftest import World


async def test_a_nul_in_a_query_value_is_a_422_naming_it(gateway_app: FastAPI, world: World) -> None:
    async with asgi_client(gateway_app) as client:
        for path, name in (("/api/v1/records/persons/search?q=a%00b", "q"),
                           ("/api/v1/audit?actor_id=user%3Ax%00", "actor_id"),
                           (f"/api/v1/records/units?region_id={world.region['a']}%07", "region_id")):
            response = await client.get(path, headers=world.headers["R"])
            assert response.status_code == 422, (path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            body = response.json()
            assert body["code"] == "validation_error"
            assert [e["field"] for e in body["errors"]] == [f"query.{name}"], body


async def test_a_query_name_holds_no_control_character_and_a_value_may_hold_a_tab(gateway_app: FastAPI,
                                                                                 world: World) -> None:
    async with asgi_client(gateway_app) as client:
        named = await client.get("/api/v1/records/persons/search?q=a&x%1B=1", headers=world.headers["R"])
        tabbed = await client.get("/api/v1/records/persons/search?q=%E5%BC%A0%09", headers=world.headers["R"])
    assert named.status_code == 422 and named.json()["errors"][0]["field"] == "query.x\x1b"
    assert tabbed.status_code == 200, tabbed.text
