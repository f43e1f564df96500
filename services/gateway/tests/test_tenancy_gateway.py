"""Tenancy at the gateway: accounts bound only inside the administrator's scope, paths that cannot
walk around the route table, and audit events filed under the region of the object touched."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI

from shared.testing import asgi_client, ok, sign_in

from .conftest import PASSWORD, World


def _account(role: str, **binding: str) -> dict[str, Any]:
    return {"username": f"t-{uuid.uuid4().hex[:10]}", "password": PASSWORD, "role": role, **binding}


class TestAccountsStayInTheirRegion:
    """Finding 1: a region administrator could bind accounts to another region's units and people."""

    @pytest.mark.parametrize(("role", "binding"), [
        ("unit_admin", {"unit_id": "unit_b"}),
        ("leader", {"unit_id": "unit_b"}),
        ("member", {"person_id": "person_b"}),
        ("member", {"person_id": "person_b", "unit_id": "unit_b"}),
        ("member", {"person_id": "person_a", "unit_id": "unit_b"}),
        ("leader", {"unit_id": "unit_a", "person_id": "person_b"}),
        ("region_admin", {"region_id": "region_b"}),
    ])
    async def test_a_region_admin_cannot_bind_an_account_to_another_region(
            self, gateway_app: FastAPI, world: World, role: str, binding: dict[str, str]) -> None:
        ids = {"unit_a": world.unit["a"], "unit_b": world.unit["b"], "person_a": world.person["a"],
               "person_b": world.person["b"], "region_b": world.region["b"]}
        body = _account(role, **{k: ids[v] for k, v in binding.items()})
        async with asgi_client(gateway_app) as client:
            response = await client.post("/api/v1/admin/users", headers=world.headers["R"], json=body)
            assert response.status_code == 404, response.text
            assert response.headers["content-type"] == "application/problem+json"
            # nothing was made: the name is still free for an administrator who may make it
            made = await client.post("/api/v1/admin/users", headers=world.headers["P"], json=body)
        assert made.status_code in (201, 422), made.text

    async def test_an_account_bound_inside_the_region_carries_its_region_and_unit(
            self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            member = await ok(await client.post("/api/v1/admin/users", headers=world.headers["R"],
                                                json=_account("member", person_id=world.person["a"])))
            assert (member["region_id"], member["unit_id"]) == (world.region["a"], world.unit["a"])
            leader = await ok(await client.post("/api/v1/admin/users", headers=world.headers["R"],
                                                json=_account("leader", unit_id=world.unit["a"])))
            assert leader["region_id"] == world.region["a"]
            listed = {u["id"] for u in (await client.get("/api/v1/admin/users", headers=world.headers["R"],
                                                               params={"limit": 500})).json()["items"]}
        assert {member["id"], leader["id"]} <= listed

    async def test_a_person_must_be_placed_in_the_named_unit(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            response = await client.post("/api/v1/admin/users", headers=world.headers["P"], json=_account(
                "member", person_id=world.person["a"], unit_id=world.unit["b"]))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == "body.person_id"

    async def test_a_region_admin_cannot_change_or_rebind_accounts_outside_their_region(
            self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            theirs = await ok(await client.post("/api/v1/admin/users", headers=world.headers["P"],
                                                json=_account("unit_admin", unit_id=world.unit["b"])))
            ours = await ok(await client.post("/api/v1/admin/users", headers=world.headers["R"],
                                              json=_account("unit_admin", unit_id=world.unit["a"])))
            other = await client.patch(f"/api/v1/admin/users/{theirs['id']}", headers=world.headers["R"],
                                       json={"is_active": False})
            assert other.status_code == 404, other.text
            moved = await client.patch(f"/api/v1/admin/users/{ours['id']}", headers=world.headers["R"],
                                       json={"unit_id": world.unit["b"]})
            assert moved.status_code == 404, moved.text
            as_member = await client.patch(f"/api/v1/admin/users/{ours['id']}", headers=world.headers["R"],
                                           json={"role": "member", "person_id": world.person["a"]})
            assert as_member.status_code == 200, as_member.text
            assert (as_member.json()["role"], as_member.json()["unit_id"]) == ("member", world.unit["a"])
            by_unit_admin = await client.patch(f"/api/v1/admin/users/{ours['id']}", headers=world.headers["U"],
                                               json={"is_active": False})
        assert by_unit_admin.status_code == 403

    async def test_an_account_made_across_regions_cannot_read_the_other_region(
            self, gateway_app: FastAPI, world: World) -> None:
        """The attack end to end: the account is never made, so there is nothing to sign in as."""
        body = _account("unit_admin", unit_id=world.unit["b"])
        async with asgi_client(gateway_app) as client:
            assert (await client.post("/api/v1/admin/users", headers=world.headers["R"], json=body)).status_code == 404
            token = await client.post("/api/v1/auth/token", data={"username": body["username"],
                                                                  "password": PASSWORD})
        assert token.status_code == 401


async def _raw(app: FastAPI, method: str, raw_path: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Send a path exactly as an attacker's client would put it on the wire (httpx would resolve
    dot segments before sending, so the ASGI scope is built by hand)."""
    path, _, query = raw_path.partition(b"?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": unquote(path.decode("latin-1")), "raw_path": path, "query_string": query,
             "root_path": "", "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80), "state": {}, "app": app}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body) if body else {}


WALKS = [
    b"/api/v1/records/comments/../units",
    b"/api/v1/records/comments/%2e%2e/units",
    b"/api/v1/records/comments/%2E%2E/units",
    b"/api/v1/records/comments/.%2e/units",
    b"/api/v1/records/comments/work_log%2f..%2f..%2funits",
    b"/api/v1/records/comments/work_log%2F..%2F..%2Funits",
    b"/api/v1/records/comments/work_log%5c..%5c..%5cunits",
    b"/api/v1/records/comments/./../units",
    b"/api/v1/records//units",
    b"/api/v1/records/comments/%252e%252e/units",
    b"/api/v1/records/comments/..\\..\\units",
    b"/api/v1/scoring/objections/../../records/units",
    b"/api/v1/me/../records/units",
    b"/api/v1/records/comments/%09./units",  # a URL parser drops the tab: "/comments/./units"
    b"/api/v1/records/comments/.%0a./units",
]


class TestPathsCannotWalkAroundThePolicy:
    """Finding 9: ``GET /comments/{kind}/{id}`` is open to members, ``GET /units`` is not; a path
    that matches the first but resolves to the second must be refused before the policy is read."""

    async def test_the_direct_route_is_refused_to_a_member(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            assert (await client.get("/api/v1/records/units", headers=world.headers["M"])).status_code == 403

    @pytest.mark.parametrize("raw_path", WALKS, ids=[w.decode() for w in WALKS])
    async def test_dot_segments_and_encoded_slashes_are_a_400(self, gateway_app: FastAPI, world: World,
                                                              raw_path: bytes) -> None:
        status, body = await _raw(gateway_app, "GET", raw_path, world.headers["M"])
        assert status == 400, body
        assert body["code"] == "path_not_canonical"

    async def test_a_canonical_path_with_encoded_chinese_still_routes(self, gateway_app: FastAPI,
                                                                       world: World) -> None:
        raw = f"/api/v1/records/regions/{world.region['a']}/groups/%E4%B9%A1%E9%95%87/summary?period=2025Q1"
        status, body = await _raw(gateway_app, "GET", raw.encode(), world.headers["R"])
        assert status == 404 and body["code"] != "path_not_canonical", body  # records knows no such group


class TestAuditFilesEventsUnderTheObjectsRegion:
    async def test_a_refused_outsider_shows_in_the_region_of_the_object(self, gateway_app: FastAPI,
                                                                        world: World) -> None:
        """Region B's administrator trying region A's unit is filed under region A, where A's auditor sees it."""
        outsider = await ok(await _post_as_admin(gateway_app, "/api/v1/admin/users", _account(
            "region_admin", region_id=world.region["b"])))
        async with asgi_client(gateway_app) as client:
            headers = await sign_in(client, outsider["username"], PASSWORD)
            refused = await client.patch(f"/api/v1/records/units/{world.unit['a']}", headers=headers,
                                         json={"name": "改名"})
            assert refused.status_code == 404
            events = (await client.get("/api/v1/audit", headers=world.headers["R"],
                                       params={"actor_id": f"user:{outsider['id']}"})).json()["items"]
        assert [(e["status"], e["region_id"], e["unit_id"]) for e in events] == [
            (404, world.region["a"], world.unit["a"])]

    async def test_an_account_made_is_filed_under_its_region_and_unit(self, gateway_app: FastAPI,
                                                                      world: World) -> None:
        body = _account("leader", unit_id=world.unit["a"])
        made = await ok(await _post_as_admin(gateway_app, "/api/v1/admin/users", body))
        async with asgi_client(gateway_app) as client:
            events = (await client.get("/api/v1/audit", headers=world.headers["R"],
                                       params={"unit_id": world.unit["a"], "limit": 500})).json()["items"]
        assert any(e["target_ids"].get("created_id") == made["id"] and e["region_id"] == world.region["a"]
                   for e in events)


async def _post_as_admin(app: FastAPI, path: str, body: dict[str, Any]) -> httpx.Response:
    from gateway.testing import TEST_ADMIN

    async with asgi_client(app) as client:
        return await client.post(path, headers=await sign_in(client, *TEST_ADMIN), json=body)
