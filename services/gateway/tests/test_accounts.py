"""Accounts, passwords and sessions through the real gateway: the password policy, changing one's own
password, an administrator's reset with a one-time code, deactivation, and sessions that end at once,
in this gateway process and in another on the same database (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.auth.password_policy import violation
from gateway.auth.service import WeakAdminPassword
from gateway.testing import build_gateway_app
from shared.migrations import upgrade_head
from shared.provision import drop_database, provision
from shared.testing import alembic_ini_for, asgi_client, running

from .conftest import PASSWORD, World

NEW_PASSWORD = "a-brand-new-passphrase"
COMMON = "1qaz2wsx3edc"  # 12 characters, and among the 10,000 most common passwords


async def new_user(client: httpx.AsyncClient, world: World, *, role: str = "unit_admin") -> dict[str, Any]:
    response = await client.post("/api/v1/admin/users", headers=world.headers["P"], json={
        "username": f"acc-{uuid.uuid4().hex[:8]}", "password": PASSWORD, "role": role, "unit_id": world.unit["a"]})
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


async def tokens(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def bearer(pair: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {pair['access_token']}"}


def status_of(response: httpx.Response) -> tuple[int, str | None]:
    body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    return response.status_code, body.get("code") if isinstance(body, dict) else None


async def me(client: httpx.AsyncClient, pair: dict[str, Any]) -> tuple[int, str | None]:
    return status_of(await client.get("/api/v1/me", headers=bearer(pair)))


async def refresh(client: httpx.AsyncClient, pair: dict[str, Any]) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})


async def listed(client: httpx.AsyncClient, world: World, user_id: str) -> dict[str, Any]:
    users = (await client.get("/api/v1/admin/users", headers=world.headers["P"],
                              params={"limit": 500})).json()["items"]
    found: dict[str, Any] = next(u for u in users if u["id"] == user_id)
    return found


class TestPolicy:
    def test_the_shipped_list_is_zxcvbns_first_10000(self) -> None:
        text = resources.files("gateway.auth").joinpath("common_passwords.txt").read_text(encoding="utf-8")
        entries = [line for line in text.splitlines() if line and not line.startswith("#")]
        assert len(entries) == len(set(entries)) == 10_000
        assert entries[:4] == ["123456", "password", "12345678", "qwerty"]
        assert "zxcvbn" in text.splitlines()[1]

    @pytest.mark.parametrize(("username", "password", "code"), [
        ("ops-{tag}", "elevenchars", "password_too_short"),
        ("ops-{tag}", "OPS-{tag}-at-work", "password_is_username"),      # contains the name, any case
        ("a-very-long-name-{tag}", "very-long-name", "password_is_username"),  # inside the name
        ("ops-{tag}", COMMON, "password_common"),
        ("ops-{tag}", COMMON.upper(), "password_common"),
    ])
    async def test_a_new_account_failing_the_policy_is_422_naming_the_field(
            self, gateway_app: FastAPI, world: World, username: str, password: str, code: str) -> None:
        tag = uuid.uuid4().hex[:6]
        async with asgi_client(gateway_app) as client:
            response = await client.post("/api/v1/admin/users", headers=world.headers["P"], json={
                "username": username.format(tag=tag), "password": password.format(tag=tag), "role": "unit_admin",
                "unit_id": world.unit["a"]})
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code
        assert [e["loc"] for e in response.json()["errors"]] == ["body.password"]

    def test_the_rules_in_order(self) -> None:
        def code(password: str, username: str) -> str | None:
            found = violation(password, username)
            return found[0] if found else None

        assert code("ops", "ops") == "password_too_short"  # length first
        assert code("x" * 12, "ops") is None
        assert code("Ops-is-my-name", "ops") == "password_is_username"
        assert code("1qaz2wsx3edc", "1qaz2wsx3edc") == "password_is_username"  # the name before the list
        assert code("1qaz2wsx3edc5tgb", "ops") is None  # not on the list
        assert code("QWERTY123456", "ops") == "password_common"

    @pytest.mark.parametrize(("password", "code"), [("short", "password_too_short"),
                                                    ("province-is-my-name", "password_is_username"),
                                                    (COMMON, "password_common")])
    def test_a_first_administrator_failing_it_refuses_the_start(self, database_urls: dict[str, str],
                                                                password: str, code: str) -> None:
        with pytest.raises(WeakAdminPassword, match=f"^KAOHE_ADMIN_PASSWORD fails the password policy \\({code}\\)"):
            build_gateway_app({}, database_url=database_urls["gateway"], KAOHE_ADMIN_USERNAME="province",
                              KAOHE_ADMIN_PASSWORD=password)


class TestChangeOwnPassword:
    async def test_the_other_sessions_end_and_this_one_goes_on(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            user = await new_user(client, world)
            here, elsewhere = await tokens(client, user["username"]), await tokens(client, user["username"])
            wrong = await client.post("/api/v1/auth/password", headers=bearer(here),
                                      json={"current_password": "not-my-password", "password": NEW_PASSWORD})
            weak = await client.post("/api/v1/auth/password", headers=bearer(here),
                                     json={"current_password": PASSWORD, "password": COMMON})
            changed = await client.post("/api/v1/auth/password", headers=bearer(here),
                                        json={"current_password": PASSWORD, "password": NEW_PASSWORD})
            assert (wrong.status_code, wrong.json()["code"]) == (422, "current_password_wrong")
            assert [e["loc"] for e in wrong.json()["errors"]] == ["body.current_password"]
            assert (weak.status_code, weak.json()["code"]) == (422, "password_common")
            assert [e["loc"] for e in weak.json()["errors"]] == ["body.password"]
            assert (changed.status_code, changed.json()) == (200, {"revoked": 1})
            assert await me(client, here) == (200, None)
            assert await me(client, elsewhere) == (401, "session_revoked")
            assert status_of(await refresh(client, elsewhere)) == (401, "refresh_token_invalid")
            assert (await refresh(client, here)).status_code == 200
            old = await client.post("/api/v1/auth/token", data={"username": user["username"], "password": PASSWORD})
            assert old.status_code == 401
            await tokens(client, user["username"], NEW_PASSWORD)

    async def test_an_api_key_has_no_password(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            response = await client.post("/api/v1/auth/password", headers=world.headers["key_read"],
                                         json={"current_password": "x", "password": NEW_PASSWORD})
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")


class TestAdministratorsReset:
    async def test_a_one_time_code_that_only_reaches_the_password_change(self, gateway_app: FastAPI,
                                                                         world: World) -> None:
        async with asgi_client(gateway_app) as client:
            user = await new_user(client, world)
            before = await tokens(client, user["username"])
            reset = await client.post(f"/api/v1/admin/users/{user['id']}/password-reset", headers=world.headers["R"])
            assert reset.status_code == 200, reset.text
            code = reset.json()["one_time_code"]
            assert reset.json()["user_id"] == user["id"] and len(code) == 27
            assert await me(client, before) == (401, "session_revoked")           # at once
            old = await client.post("/api/v1/auth/token", data={"username": user["username"], "password": PASSWORD})
            assert old.status_code == 401
            assert (await listed(client, world, user["id"]))["must_change_password"] is True

            limited = await tokens(client, user["username"], code)
            assert limited["must_change_password"] is True and before["must_change_password"] is False
            assert await me(client, limited) == (403, "password_change_required")
            units = await client.get("/api/v1/records/units", headers=bearer(limited))
            assert status_of(units) == (403, "password_change_required")
            refreshed = (await refresh(client, limited)).json()   # a refresh keeps it limited
            assert await me(client, refreshed) == (403, "password_change_required")
            again = await client.post("/api/v1/auth/token", data={"username": user["username"], "password": code})
            assert status_of(again) == (401, "invalid_credentials")        # the code signs in once

            changed = await client.post("/api/v1/auth/password", headers=bearer(refreshed),
                                        json={"password": NEW_PASSWORD})  # the spent code proved it
            assert changed.status_code == 200, changed.text
            assert await me(client, refreshed) == (401, "session_revoked")  # the limited sign-in ends with it
            assert await me(client, await tokens(client, user["username"], NEW_PASSWORD)) == (200, None)
            shown = await listed(client, world, user["id"])
        assert shown["must_change_password"] is False and shown["last_sign_in_at"] is not None
        assert shown["is_active"] is True

    async def test_only_the_accounts_administrators_reset(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            user = await new_user(client, world)
            other_region = await client.post("/api/v1/admin/users", headers=world.headers["P"], json={
                "username": f"acc-rb-{uuid.uuid4().hex[:6]}", "password": PASSWORD, "role": "region_admin",
                "region_id": world.region["b"]})
            rb = bearer(await tokens(client, other_region.json()["username"]))
            path = f"/api/v1/admin/users/{user['id']}/password-reset"
            province = (await client.get("/api/v1/me", headers=world.headers["P"])).json()["subject"][5:]
            answers = [status_of(await client.post(path, headers=rb)),
                       status_of(await client.post(path, headers=world.headers["U"])),
                       status_of(await client.post(path, headers=world.headers["key_read"])),
                       status_of(await client.post(f"/api/v1/admin/users/{uuid.uuid4()}/password-reset",
                                                         headers=world.headers["P"])),
                       status_of(await client.post(f"/api/v1/admin/users/{province}/password-reset",
                                                         headers=world.headers["R"]))]
        assert answers == [(404, "user_not_found"), (403, "forbidden"), (403, "forbidden"),
                           (404, "user_not_found"), (404, "user_not_found")]


class TestDeactivation:
    async def test_a_deactivated_users_token_is_401_at_once(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            user = await new_user(client, world)
            pair = await tokens(client, user["username"])
            assert await me(client, pair) == (200, None)
            patch = f"/api/v1/admin/users/{user['id']}"
            off = await client.patch(patch, headers=world.headers["R"], json={"is_active": False})
            assert off.status_code == 200 and off.json()["is_active"] is False
            assert await me(client, pair) == (401, "session_revoked")
            assert status_of(await client.get("/api/v1/records/units", headers=bearer(pair))) == \
                (401, "session_revoked")
            assert status_of(await refresh(client, pair)) == (401, "refresh_token_invalid")
            refused = await client.post("/api/v1/auth/token", data={"username": user["username"],
                                                                    "password": PASSWORD})
            assert status_of(refused) == (401, "invalid_credentials")
            assert (await listed(client, world, user["id"]))["is_active"] is False
            on = await client.patch(patch, headers=world.headers["R"], json={"is_active": True})
            assert on.status_code == 200
            assert await me(client, pair) == (401, "session_revoked")  # reactivation does not revive old sign-ins
            assert await me(client, await tokens(client, user["username"])) == (200, None)


class TestRefreshFamily:
    async def test_reusing_a_spent_refresh_token_ends_its_whole_sign_in(self, gateway_app: FastAPI,
                                                                        world: World) -> None:
        async with asgi_client(gateway_app) as client:
            user = await new_user(client, world)
            first = await tokens(client, user["username"])
            other = await tokens(client, user["username"])     # another sign-in of the same user
            second = (await refresh(client, first)).json()
            third = (await refresh(client, second)).json()
            assert await me(client, third) == (200, None)
            reused = await refresh(client, first)               # a copy of a spent token comes back
            assert status_of(reused) == (401, "refresh_token_invalid")
            assert status_of(await refresh(client, third)) == (401, "refresh_token_invalid")
            assert await me(client, third) == (401, "session_revoked")
            assert await me(client, second) == (401, "session_revoked")
            assert await me(client, other) == (200, None)
            assert (await refresh(client, other)).status_code == 200


@pytest.fixture
async def second_gateway(database_urls: dict[str, str]) -> AsyncIterator[FastAPI]:
    """Another gateway process on the same database; what it knows of a session it trusts for 10 minutes."""
    app = build_gateway_app({}, database_url=database_urls["gateway"], session_check_seconds=600)
    async with running(app):
        await asyncio.wait_for(app.state.session_listener.listening.wait(), timeout=10)
        yield app


async def answers_401_soon(client: httpx.AsyncClient, pair: dict[str, Any]) -> float:
    """Seconds until the other gateway refuses the token (the notification's way there), at most 5."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < 5:
        if await me(client, pair) == (401, "session_revoked"):
            return loop.time() - started
        await asyncio.sleep(0.02)
    raise AssertionError("the other gateway still takes the token")


class TestAcrossGatewayProcesses:
    async def test_another_gateway_stops_taking_ended_sessions_without_a_restart(
            self, gateway_app: FastAPI, second_gateway: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as one, asgi_client(second_gateway) as two:
            user = await new_user(one, world)
            signed_out, deactivated = await tokens(one, user["username"]), await tokens(one, user["username"])
            assert await me(two, signed_out) == (200, None)    # the second process now knows both sessions open
            assert await me(two, deactivated) == (200, None)
            out = await one.post("/api/v1/auth/logout", headers=bearer(signed_out),
                                 json={"refresh_token": signed_out["refresh_token"]})
            assert out.json() == {"revoked": 1}
            assert await answers_401_soon(two, signed_out) < 5
            assert await me(two, deactivated) == (200, None)   # only that sign-in ended
            off = await one.patch(f"/api/v1/admin/users/{user['id']}", headers=world.headers["P"],
                                  json={"is_active": False})
            assert off.status_code == 200
            assert await answers_401_soon(two, deactivated) < 5


@pytest.fixture
async def empty_gateway_database(postgres_admin_url: str) -> AsyncIterator[str]:
    name = f"kaohe_accounts_{secrets.token_hex(4)}"
    urls = await provision(postgres_admin_url, name)
    await asyncio.to_thread(upgrade_head, alembic_ini_for("gateway"), urls["gateway"])
    try:
        yield urls["gateway"]
    finally:
        await drop_database(postgres_admin_url, name)


class TestPrintedFirstAdministrator:
    async def test_must_change_the_password_at_first_sign_in_when_told(self, empty_gateway_database: str) -> None:
        app = build_gateway_app({}, database_url=empty_gateway_database, KAOHE_ADMIN_USERNAME="admin",
                                KAOHE_ADMIN_PASSWORD="kaohe-demo-first", KAOHE_ADMIN_MUST_CHANGE_PASSWORD=True)
        async with running(app), asgi_client(app) as client:
            first = await tokens(client, "admin", "kaohe-demo-first")
            assert first["must_change_password"] is True
            assert await me(client, first) == (403, "password_change_required")
            changed = await client.post("/api/v1/auth/password", headers=bearer(first),
                                        json={"current_password": "kaohe-demo-first", "password": NEW_PASSWORD})
            assert changed.status_code == 200, changed.text
            assert await me(client, await tokens(client, "admin", NEW_PASSWORD)) == (200, None)
