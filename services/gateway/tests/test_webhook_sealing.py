"""Webhook secrets sealed at rest: sealed and opened, keys rotated, a lost key said plainly, weak keys
refused at start."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.config import GatewaySettings
from gateway.main import create_app
from gateway.testing import TEST_JWT_SECRET
from gateway.webhooks.sealing import Sealer, SecretUnreadable
from shared.settings import WeakSecret
from shared.testing import TEST_SECRET

OLD, NEW = "old-key-" + "o" * 20 + "0123456789", "new-key-" + "n" * 20 + "9876543210"


@given(st.text(min_size=1, max_size=80))
def test_a_sealed_secret_opens_to_itself_and_does_not_show_it(secret: str) -> None:
    sealer = Sealer([NEW])
    sealed = sealer.seal(secret)
    assert sealed.startswith("sealed:v1:") and sealer.open(sealed) == secret
    assert len(sealed) <= 400 or len(secret.encode()) > 100  # the column holds a 49-character secret's seal
    assert sealer.seal(secret) != sealed  # a fresh nonce each time


def test_a_new_key_first_opens_the_old_seals_and_reseals_them() -> None:
    sealed_old = Sealer([OLD]).seal("whsec_x")
    rotating = Sealer([NEW, OLD])
    assert rotating.open(sealed_old) == "whsec_x"
    resealed = rotating.resealed(sealed_old)
    assert resealed is not None and Sealer([NEW]).open(resealed) == "whsec_x"
    assert rotating.resealed(resealed) is None
    with pytest.raises(SecretUnreadable, match="GATEWAY_WEBHOOK_KEYS"):
        Sealer([NEW]).open(sealed_old)


def test_a_secret_stored_unsealed_is_read_as_it_is_and_sealed() -> None:
    sealer = Sealer([NEW])
    assert sealer.open("whsec_plain") == "whsec_plain"
    resealed = sealer.resealed("whsec_plain")
    assert resealed is not None and sealer.open(resealed) == "whsec_plain"


def settings(**values: str) -> GatewaySettings:
    return GatewaySettings(KAOHE_SERVICE_SECRET=TEST_SECRET, GATEWAY_DATABASE_URL="postgresql://x@h/db",
                           GATEWAY_JWT_SECRET=TEST_JWT_SECRET, **values)


def test_keys_come_from_the_environment_and_default_to_the_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings().webhook_key_list == [TEST_JWT_SECRET]
    monkeypatch.setenv("GATEWAY_WEBHOOK_KEYS", f"{NEW}, {OLD}")
    assert settings().webhook_key_list == [NEW, OLD]
    monkeypatch.setenv("GATEWAY_WEBHOOK_KEYS", "")
    assert settings().webhook_key_list == [TEST_JWT_SECRET]


@pytest.mark.parametrize("keys", ["short", f"{NEW},changeme", ","])
def test_a_weak_key_stops_the_gateway(keys: str) -> None:
    with pytest.raises(WeakSecret, match="GATEWAY_WEBHOOK_KEYS"):
        create_app(settings(webhook_keys=keys))
