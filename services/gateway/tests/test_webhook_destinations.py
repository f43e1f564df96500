"""Where webhooks may be delivered: the default refusals, the operator's allowed and denied networks,
and what a host name resolves to (by the machine's real resolver)."""

from __future__ import annotations

import ipaddress

import pytest

from gateway.config import GatewaySettings
from gateway.testing import TEST_JWT_SECRET
from gateway.webhooks.addresses import Destinations, named_address, resolved_refusal
from shared.testing import TEST_SECRET

REFUSED = {"127.0.0.1": "a loopback address", "::1": "a loopback address", "169.254.169.254": "a link-local address",
           "fe80::1": "a link-local address", "224.0.0.251": "a multicast address",
           "0.0.0.0": "an unspecified address",  # noqa: S104 "240.0.0.1": "a reserved address",
           "::ffff:127.0.0.1": "a loopback address"}
DELIVERED = ["10.12.0.8", "172.16.5.4", "192.168.1.20", "59.108.1.1", "2001:da8::1"]  # intranets and the internet


@pytest.mark.parametrize(("address", "why"), REFUSED.items())
def test_addresses_no_receiver_has_are_refused_by_default(address: str, why: str) -> None:
    assert Destinations().refusal(ipaddress.ip_address(address)) == why


@pytest.mark.parametrize("address", DELIVERED)
def test_a_provinces_intranet_and_the_internet_are_delivered_to(address: str) -> None:
    assert Destinations().refusal(ipaddress.ip_address(address)) is None


def test_the_operator_allows_a_network_and_a_denial_wins() -> None:
    allowed = Destinations(allowed=(ipaddress.ip_network("127.0.0.0/8"),))
    assert allowed.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert allowed.refusal(ipaddress.ip_address("::1")) == "a loopback address"
    both = Destinations(allowed=(ipaddress.ip_network("10.0.0.0/8"),), denied=(ipaddress.ip_network("10.96.0.0/12"),))
    assert both.refusal(ipaddress.ip_address("10.96.0.10")) == "a network the operator denies"
    assert both.refusal(ipaddress.ip_address("10.12.0.8")) is None


def test_the_networks_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_WEBHOOK_DENIED_NETWORKS", '["10.96.0.0/12", "fd00::/8"]')
    monkeypatch.setenv("GATEWAY_WEBHOOK_ALLOWED_NETWORKS", '["127.0.0.1/32"]')
    settings = GatewaySettings(KAOHE_SERVICE_SECRET=TEST_SECRET, GATEWAY_DATABASE_URL="postgresql://x@h/db",
                               GATEWAY_JWT_SECRET=TEST_JWT_SECRET)
    destinations = settings.webhook_destinations
    assert destinations.refusal(ipaddress.ip_address("fd00::5")) == "a network the operator denies"
    assert destinations.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert destinations.refusal(ipaddress.ip_address("127.0.0.2")) == "a loopback address"


@pytest.mark.parametrize(("url", "named"), [
    ("http://127.0.0.1:8001/x", "127.0.0.1"), ("http://localhost/x", "127.0.0.1"), ("https://[::1]/x", "::1"),
    ("https://hooks.example.gov.cn/x", None)])
def test_the_address_a_url_names(url: str, named: str | None) -> None:
    assert named_address(url) == (None if named is None else ipaddress.ip_address(named))


async def test_a_name_is_resolved_before_each_delivery() -> None:
    """``localhost`` is looked up as any name is (the machine's resolver), and found to be this machine."""
    why = await resolved_refusal("http://localhost:9/hook", Destinations())
    assert why is not None and why.startswith("localhost is ") and why.endswith("a loopback address")
    allowed = Destinations(allowed=(ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")))
    assert await resolved_refusal("http://localhost:9/hook", allowed) is None
    unknown = await resolved_refusal("http://no-such-host.invalid/hook", Destinations())
    assert unknown is not None and unknown.startswith("no-such-host.invalid could not be resolved")
