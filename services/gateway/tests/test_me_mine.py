"""A member's own screens through the gateway: who I am (my unit and section by name), my results
in one call, and the scheme that evaluates me (another unit's is 404)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shared.testing import asgi_client

from .conftest import World


async def unit_name(client: httpx.AsyncClient, world: World) -> str:
    """Unit a's name as records has it now (another test of the session renames it)."""
    unit = await client.get(f"/api/v1/records/units/{world.unit['a']}", headers=world.headers["P"])
    return str(unit.json()["name"])


async def test_a_member_sees_their_unit_by_name(gateway_app: FastAPI, world: World) -> None:
    async with asgi_client(gateway_app) as client:
        me = (await client.get("/api/v1/me", headers=world.headers["M"])).json()
        leader = (await client.get("/api/v1/me", headers=world.headers["L"])).json()
        name = await unit_name(client, world)
    assert me["unit"] == {"id": world.unit["a"], "name": name} and me["section"] is None
    assert me["person"]["name"] == "人a"
    assert (leader["unit"]["id"], leader["unit"]["name"], leader["section"]) == (world.unit["a"], name, None)


async def test_my_results_come_in_one_call(gateway_app: FastAPI, world: World) -> None:
    """Person a alone in unit a's scheme: 80 by the one indicator, rank 1; "good" is capped at 40% of
    one person, floored: none, so the default grade, average."""
    async with asgi_client(gateway_app) as client:
        response = await client.get("/api/v1/me/mine", headers=world.headers["M"])
        assert response.status_code == 200, response.text
        mine = response.json()
        [result] = mine["results"]
        assert (result["scheme_id"], result["period"], result["close_id"]) == (world.scheme["a"], "2025Q1",
                                                                              world.close["a"])
        assert (result["score"], result["rank"], result["grade"], result["objections"]) == ("80", 1, "average", [])
        explanation = result["explanation"]
        me = (await client.get("/api/v1/me", headers=world.headers["M"])).json()
        assert (explanation["name"], explanation["unit_name"], explanation["staff_no"]) == (
            "人a", await unit_name(client, world), me["person"]["staff_no"])
        assert [s["id"] for s in mine["schemes"]] == [world.scheme["a"]]
        assert mine["schemes"][0]["definition"]["indicators"][0]["code"] == "ji"

        own = await client.get(f"/api/v1/scoring/schemes/{world.scheme['a']}", headers=world.headers["M"])
        other = await client.get(f"/api/v1/scoring/schemes/{world.scheme['b']}", headers=world.headers["M"])
        assert own.status_code == 200 and own.json()["created_by"] is None
        assert other.status_code == 404

        admin = await client.get("/api/v1/me/mine", headers=world.headers["P"])
        key = await client.get("/api/v1/me/mine", headers=world.headers["key_read"])
    assert admin.status_code == 404 and admin.json()["code"] == "not_found"
    assert key.status_code == 403 and key.headers["content-type"] == "application/problem+json"
