"""Sign-in against enumeration and lock-out: a decoy hash for unknown names, failures throttled per
account and address, X-Forwarded-For only from trusted proxies, and weak secrets refused."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

import httpx
import pytest
from argon2 import extract_parameters
from fastapi import FastAPI

from gateway.config import GatewaySettings
from gateway.testing import build_gateway_app
from shared.settings import WeakSecret
from shared.testing import TEST_SECRET, build_service_app

from .conftest import PASSWORD, World
from .test_auth import make_user


def client_from(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A client whose TCP peer address is ``address``."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                             base_url="http://testserver")


async def attempt(client: httpx.AsyncClient, username: str, password: str, **headers: str) -> str:
    response = await client.post("/api/v1/auth/token", data={"username": username, "password": password},
                                 headers=headers)
    return "ok" if response.status_code == 200 else str(response.json()["code"])


class TestUnknownNames:
    async def test_an_unknown_name_is_verified_against_the_decoy_hash(self, gateway_app: FastAPI, world: World,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
        passwords = gateway_app.state.passwords
        checked: list[str] = []

        class Recording:  # argon2's own hasher, each hash it verifies against noted
            def __init__(self, real: Any) -> None:
                self.real = real

            def hash(self, password: str) -> str:
                return str(self.real.hash(password))

            def verify(self, password_hash: str, password: str) -> bool:
                checked.append(password_hash)
                return bool(self.real.verify(password_hash, password))

        monkeypatch.setattr(passwords, "hasher", Recording(passwords.hasher))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway_app),
                                     base_url="http://testserver") as client:
            username = await make_user(client, world.headers["P"], world)
            checked.clear()
            assert await attempt(client, f"nobody-{uuid.uuid4().hex[:6]}", "whatever-guess") == "invalid_credentials"
            assert await attempt(client, f"nobody-{uuid.uuid4().hex[:6]}", "another-guess") == "invalid_credentials"
            assert await attempt(client, username, "wrong-password") == "invalid_credentials"
        # one argon2 verification per attempt, known name or not; the decoy was made once, at start
        assert len(checked) == 3
        assert checked[0] == checked[1] == passwords.decoy != checked[2]
        decoy, real = extract_parameters(checked[0]), extract_parameters(checked[2])
        assert decoy == real
        assert (decoy.memory_cost, decoy.time_cost) == (256, 1)  # the settings' cost, as for real users


class TestThrottle:
    async def test_a_locked_account_still_admits_its_owner_from_a_clean_address(self, gateway_app: FastAPI,
                                                                                world: World) -> None:
        async with client_from(gateway_app, "127.0.0.1") as setup:
            username = await make_user(setup, world.headers["P"], world)
        async with client_from(gateway_app, "198.51.100.66") as attacker, \
                client_from(gateway_app, "198.51.100.7") as owner:
            guesses = [await attempt(attacker, username, f"guess-{n}") for n in range(5)]
            assert guesses == ["invalid_credentials"] * 5
            assert await attempt(attacker, username, PASSWORD) == "account_locked"
            assert await attempt(owner, username, PASSWORD) == "ok"
            assert await attempt(attacker, username, PASSWORD) == "account_locked"

    async def test_an_owners_success_clears_only_their_own_failures(self, gateway_app: FastAPI, world: World) -> None:
        async with client_from(gateway_app, "127.0.0.1") as setup:
            username = await make_user(setup, world.headers["P"], world)
        async with client_from(gateway_app, "198.51.100.8") as owner:
            for _ in range(4):
                assert await attempt(owner, username, "typo-typo") == "invalid_credentials"
            assert await attempt(owner, username, PASSWORD) == "ok"
            for _ in range(4):  # the count started again after the success
                assert await attempt(owner, username, "typo-typo") == "invalid_credentials"
            assert await attempt(owner, username, PASSWORD) == "ok"


class TestForwardedFor:
    async def test_ignored_from_a_peer_that_is_not_a_trusted_proxy(self, gateway_app: FastAPI, world: World) -> None:
        async with client_from(gateway_app, "127.0.0.1") as setup:
            username = await make_user(setup, world.headers["P"], world)
        async with client_from(gateway_app, "198.51.100.20") as attacker:
            for n in range(5):  # rotating the header does not make a new address
                assert await attempt(attacker, username, "bad-guess", **{"x-forwarded-for": f"203.0.113.{n}"}) \
                    == "invalid_credentials"
            assert await attempt(attacker, username, PASSWORD, **{"x-forwarded-for": "203.0.113.99"}) \
                == "account_locked"

    async def test_believed_from_a_listed_proxy(self, gateway_app: FastAPI, world: World) -> None:
        async with client_from(gateway_app, "127.0.0.1") as setup:
            username = await make_user(setup, world.headers["P"], world)
        gateway_app.state.trusted_proxies = [ipaddress.ip_network("10.9.0.0/16")]
        try:
            async with client_from(gateway_app, "10.9.0.1") as proxy:
                for n in range(5):  # a client-written hop left of the real one changes nothing
                    assert await attempt(proxy, username, "bad-guess",
                                         **{"x-forwarded-for": f"1.2.3.{n}, 203.0.113.5"}) == "invalid_credentials"
                assert await attempt(proxy, username, PASSWORD, **{"x-forwarded-for": "203.0.113.5"}) \
                    == "account_locked"
                assert await attempt(proxy, username, PASSWORD, **{"x-forwarded-for": "203.0.113.6"}) == "ok"
        finally:
            gateway_app.state.trusted_proxies = []

    def test_the_setting_takes_a_json_list_of_cidrs(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", '["10.0.0.0/8", "fd00::/8"]')
        settings = GatewaySettings(KAOHE_SERVICE_SECRET=TEST_SECRET, GATEWAY_DATABASE_URL="postgresql://h/d",
                                   GATEWAY_JWT_SECRET=TEST_SECRET)
        assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "fd00::/8"]


class TestWeakSecrets:
    @pytest.mark.parametrize("secret", ["short-secret", "changeme", "x" * 40])
    def test_the_gateway_refuses_a_weak_jwt_secret(self, database_urls: dict[str, str], secret: str) -> None:
        with pytest.raises(WeakSecret, match="GATEWAY_JWT_SECRET"):
            build_gateway_app({}, database_url=database_urls["gateway"], GATEWAY_JWT_SECRET=secret)

    def test_the_gateway_refuses_a_weak_service_secret(self, database_urls: dict[str, str]) -> None:
        with pytest.raises(WeakSecret, match="KAOHE_SERVICE_SECRET is 6 bytes"):
            build_gateway_app({}, database_url=database_urls["gateway"], KAOHE_SERVICE_SECRET="abc123")

    def test_a_service_refuses_a_weak_service_secret(self, database_urls: dict[str, str]) -> None:
        with pytest.raises(WeakSecret, match="KAOHE_SERVICE_SECRET is a well-known default"):
            build_service_app("records", database_url=database_urls["records"], secret="secret")
