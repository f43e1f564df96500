"""Sign-in, tokens, lockout, API keys, rate limits and the audit trail through the real gateway."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from gateway.testing import TEST_ADMIN, build_gateway_app
from shared.testing import asgi_client, running, sign_in

from .conftest import PASSWORD, World


async def make_user(client: httpx.AsyncClient, admin: dict[str, str], world: World, *, role: str = "unit_admin") -> str:
    username = f"user-{uuid.uuid4().hex[:8]}"
    response = await client.post("/api/v1/admin/users", headers=admin, json={
        "username": username, "password": PASSWORD, "role": role, "unit_id": world.unit["a"]})
    assert response.status_code == 201, response.text
    return username


class TestSignIn:
    async def test_tokens_for_the_right_password(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            username = await make_user(client, world.headers["P"], world)
            response = await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        body = response.json()
        assert response.status_code == 200
        assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
        assert body["refresh_token"].startswith("rt_")

    async def test_wrong_password_and_unknown_user_look_the_same(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            username = await make_user(client, world.headers["P"], world)
            wrong = await client.post("/api/v1/auth/token", data={"username": username, "password": "nope-nope-nope"})
            unknown = await client.post("/api/v1/auth/token", data={"username": "nobody-x", "password": "whatever"})
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"

    async def test_repeated_failures_lock_the_account(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            username = await make_user(client, world.headers["P"], world)
            for _ in range(5):
                response = await client.post("/api/v1/auth/token", data={"username": username, "password": "bad-pass"})
                assert response.json()["code"] == "invalid_credentials"
            locked = await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        assert locked.status_code == 401
        assert locked.json()["code"] == "account_locked"

    async def test_failures_are_slowed(self, database_urls: dict[str, str]) -> None:
        import time

        app = build_gateway_app({}, database_url=database_urls["gateway"], failure_delay_seconds=0.2)
        async with running(app), asgi_client(app) as client:
            started = time.monotonic()
            await client.post("/api/v1/auth/token", data={"username": TEST_ADMIN[0], "password": "wrong-wrong"})
            first = time.monotonic() - started
        assert first >= 0.2

    async def test_missing_form_fields_are_422(self, gateway_app: FastAPI) -> None:
        async with asgi_client(gateway_app) as client:
            response = await client.post("/api/v1/auth/token", data={"username": "x"})
        assert response.status_code == 422
        assert "body.password" in [e["field"] for e in response.json()["errors"]]


class TestRefreshAndLogout:
    async def test_refresh_rotates_and_logout_revokes(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            username = await make_user(client, world.headers["P"], world)
            first = (await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})).json()
            second = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
            assert second.status_code == 200
            tokens = second.json()
            bearer = {"authorization": f"Bearer {tokens['access_token']}"}
            out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]},
                                    headers=bearer)
            assert out.json() == {"revoked": 1}  # the first was spent by the rotation already
            after = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
            me = await client.get("/api/v1/me", headers=bearer)
        assert after.status_code == 401
        assert after.json()["code"] == "refresh_token_invalid"
        assert me.status_code == 401  # the sign-in's access token ended with it
        assert me.json()["code"] == "session_revoked"


class TestFirstAdministrator:
    async def test_created_only_while_there_is_no_user(self, gateway_app: FastAPI,
                                                       database_urls: dict[str, str]) -> None:
        app = build_gateway_app({}, database_url=database_urls["gateway"], KAOHE_ADMIN_USERNAME="second-admin",
                                KAOHE_ADMIN_PASSWORD="another-first-password")
        async with running(app), asgi_client(app) as client:
            response = await client.post("/api/v1/auth/token",
                                         data={"username": "second-admin", "password": "another-first-password"})
        assert response.status_code == 401


class TestApiKeys:
    async def test_the_key_is_shown_once_and_kept_as_a_digest(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            listed = (await client.get("/api/v1/admin/api-keys", headers=world.headers["P"])).json()["items"]
        mine = next(k for k in listed if k["id"] == world.keys["key_read"]["id"])
        assert "key" not in mine
        assert world.keys["key_read"]["key"].startswith(mine["prefix"])
        async with gateway_app.state.engine.connect() as connection:
            stored = await connection.scalar(text("SELECT key_hash FROM gateway.api_keys WHERE id = :id"),
                                             {"id": world.keys["key_read"]["id"]})
        assert stored != world.keys["key_read"]["key"] and len(stored) == 64

    async def test_a_key_acting_for_no_region_cannot_read_results(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            response = await client.post("/api/v1/admin/api-keys", headers=world.headers["P"],
                                         json={"name": "x", "scopes": ["results:read"]})
        assert response.status_code == 422

    async def test_calls_are_attributed_to_the_key(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            await client.post("/api/v1/quota/apportion", headers=world.headers["key_apportion"],
                              json={"method": "dean", "seats": 2, "populations": {"x": 1}})
            events = (await client.get("/api/v1/audit", headers=world.headers["P"],
                                       params={"actor_id": f"key:{world.keys['key_apportion']['id']}"})).json()["items"]
        assert events and events[0]["route"] == "/api/v1/quota/apportion"
        assert events[0]["actor_kind"] == "api_key"


class TestRateLimits:
    async def test_per_user_limit_then_429(self, database_urls: dict[str, str], records_app: FastAPI) -> None:
        from shared.testing import service_transports

        app = build_gateway_app(service_transports(("records", records_app)), database_url=database_urls["gateway"],
                                rate_limit="3/minute")
        async with running(app), asgi_client(app) as client:
            client.headers.update(await sign_in(client, *TEST_ADMIN))
            statuses = [(await client.get("/api/v1/records/version")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]


class TestAudit:
    async def test_every_write_is_recorded_with_outcome(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            marker = f"audit-{uuid.uuid4().hex[:6]}"
            ok = await client.post("/api/v1/records/units", headers=world.headers["R"], json={
                "region_id": world.region["a"], "code": marker, "name": "审计", "kind": "street"})
            refused = await client.post("/api/v1/records/units", headers=world.headers["U"], json={
                "region_id": world.region["a"], "code": marker, "name": "审计", "kind": "street"})
            await client.post("/api/v1/auth/token", data={"username": marker, "password": "wrong-password"})
            events = (await client.get("/api/v1/audit", headers=world.headers["P"],
                                       params={"limit": 50})).json()["items"]
        assert (ok.status_code, refused.status_code) == (201, 403)
        created = next(e for e in events if e["target_ids"].get("created_id") == ok.json()["id"])
        assert created["actor_id"] == f"user:{world.users['R']['id']}"
        assert created["route"] == "/api/v1/records/units" and created["status"] == 201
        assert created["region_id"] == world.region["a"]
        assert any(e["status"] == 403 and e["actor_id"] == f"user:{world.users['U']['id']}" for e in events)
        assert any(e["actor_name"] == marker and e["target_ids"]["outcome"] == "failed" for e in events)

    async def test_a_region_admin_sees_only_their_region(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            events = (await client.get("/api/v1/audit", headers=world.headers["R"],
                                       params={"limit": 500})).json()["items"]
        assert events and all(e["region_id"] == world.region["a"] for e in events)

    async def test_the_trail_is_append_only(self, gateway_app: FastAPI) -> None:
        async with gateway_app.state.engine.connect() as connection:
            with pytest.raises(Exception, match="append-only"):
                await connection.execute(text("DELETE FROM gateway.audit_events"))

    async def test_reads_are_not_audited(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            await client.get(f"/api/v1/records/units/{world.unit['a']}", headers=world.headers["U"])
            events = (await client.get("/api/v1/audit", headers=world.headers["P"],
                                       params={"actor_id": f"user:{world.users['U']['id']}"})).json()["items"]
        # a plain read is not audited (reads of other people's results are: test_audit_reads.py)
        assert all(e["path"] != f"/api/v1/records/units/{world.unit['a']}" for e in events)


class TestMe:
    async def test_a_member_sees_their_roster_entry(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            me = (await client.get("/api/v1/me", headers=world.headers["M"])).json()
        assert me["roles"] == ["member"]
        assert me["person"]["id"] == world.person["a"]

    async def test_a_leader_sees_their_unit(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            me = (await client.get("/api/v1/me", headers=world.headers["L"])).json()
        assert me["unit"]["id"] == world.unit["a"]


class TestAuditIsComplete:
    async def test_every_write_of_a_session_is_in_the_trail(self, gateway_app: FastAPI, world: World) -> None:
        """A run of writes of every kind and outcome, each with its own request id: all are there."""
        writes: list[tuple[str, str, str, dict[str, Any]]] = [
            ("R", "POST", "/api/v1/records/units", {"region_id": world.region["a"], "code": uuid.uuid4().hex[:8],
                                                    "name": "n", "kind": "street"}),
            ("U", "POST", "/api/v1/records/units", {"region_id": world.region["a"], "code": "x", "name": "n",
                                                    "kind": "street"}),
            ("P", "PATCH", f"/api/v1/records/units/{world.unit['a']}", {"name": "单位A"}),
            ("R", "PUT", f"/api/v1/quota/regions/{world.region['b']}/years/2025/policy", {}),
            ("key_apportion", "POST", "/api/v1/quota/apportion", {"method": "x", "seats": 1, "populations": {}}),
            ("anonymous", "POST", "/api/v1/records/persons", {}),
            ("P", "POST", "/api/v1/admin/api-keys", {"name": "k", "scopes": ["apportion"]}),
        ]
        sent = []
        async with asgi_client(gateway_app) as client:
            # a sign-in of its own to end, so the shared member's goes on
            again = (await client.post("/api/v1/auth/token", data={"username": world.users["M"]["username"],
                                                                   "password": PASSWORD})).json()
            headers = {**world.headers, "M_again": {"authorization": f"Bearer {again['access_token']}"}}
            writes.append(("M_again", "POST", "/api/v1/auth/logout", {"refresh_token": again["refresh_token"]}))
            for who, method, path, body in writes:
                request_id = f"audit-complete-{uuid.uuid4().hex}"
                response = await client.request(method, path, json=body,
                                                 headers={**headers[who], "x-request-id": request_id})
                sent.append((request_id, response.status_code))
            events = (await client.get("/api/v1/audit", headers=world.headers["P"],
                                       params={"limit": 500})).json()["items"]
        recorded = {e["request_id"]: e["status"] for e in events}
        assert {rid: recorded.get(rid) for rid, _ in sent} == dict(sent)

    async def test_a_write_to_a_path_holding_control_characters_is_recorded(self, gateway_app: FastAPI,
                                                                            world: World) -> None:
        """Refused as not canonical, and in the trail all the same, its NUL written as the client sent it
        (PostgreSQL keeps no NUL: the event used to be lost with an error in the log)."""
        request_id = f"audit-nul-{uuid.uuid4().hex}"
        async with asgi_client(gateway_app) as client:
            response = await client.delete("/api/v1/admin/api-keys/%00%07x",
                                           headers={**world.headers["P"], "x-request-id": request_id})
            events = (await client.get("/api/v1/audit", headers=world.headers["P"],
                                       params={"limit": 500})).json()["items"]
        assert (response.status_code, response.json()["code"]) == (400, "path_not_canonical")
        event = next(e for e in events if e["request_id"] == request_id)
        assert (event["path"], event["route"], event["status"]) == (
            "/api/v1/admin/api-keys/%00%07x", "/api/v1/admin/api-keys/%00%07x", 400)


class TestCors:
    async def test_a_configured_origin_is_allowed_and_another_is_not(self, database_urls: dict[str, str]) -> None:
        app = build_gateway_app({}, database_url=database_urls["gateway"], cors_origins=["https://kaohe.example"])
        async with running(app), asgi_client(app) as client:
            allowed = await client.options("/api/v1/me", headers={"origin": "https://kaohe.example",
                                                                  "access-control-request-method": "GET"})
            other = await client.options("/api/v1/me", headers={"origin": "https://evil.example",
                                                                "access-control-request-method": "GET"})
        assert allowed.headers.get("access-control-allow-origin") == "https://kaohe.example"
        assert "access-control-allow-origin" not in other.headers
