"""Where a webhook may be delivered: not to this machine or to the addresses no endpoint of a
province's system has (loopback, link-local such as a cloud's metadata service at 169.254.169.254,
multicast, unspecified, reserved), unless the operator allows a network; never to a network the
operator denies (the cluster's own service and pod ranges, say).

A URL naming an address (``http://127.0.0.1/…``) is checked when the webhook is registered; every
delivery checks what its host resolves to just before it is sent, so a name that comes to point
inward is refused too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Destinations:
    """The operator's word: networks allowed although refused by default, and networks denied always
    (a denial wins over an allowance)."""

    allowed: Sequence[Network] = ()
    denied: Sequence[Network] = ()

    def refusal(self, address: Address) -> str | None:
        """Why no delivery may go to ``address``, or None."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.denied):
            return "a network the operator denies"
        if any(address in network for network in self.allowed):
            return None
        for kind, test in (("loopback", address.is_loopback), ("link-local", address.is_link_local),
                           ("multicast", address.is_multicast), ("unspecified", address.is_unspecified),
                           ("reserved", address.is_reserved)):
            if test:
                return f"an {kind} address" if kind[0] in "aeiou" else f"a {kind} address"
        return None


def named_address(url: str) -> Address | None:
    """The address a URL names literally (``localhost`` is the loopback), or None for a host name."""
    host = urlsplit(url).hostname or ""
    if host.rstrip(".").lower() == "localhost" or host.lower().endswith(".localhost"):
        return ipaddress.ip_address("127.0.0.1")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def resolved_refusal(url: str, destinations: Destinations) -> str | None:
    """Why a delivery to ``url`` may not be sent now (an address its host resolves to is refused, or
    it resolves to none), or None."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"{host} could not be resolved: {exc}"
    addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found}
    for address in sorted(addresses, key=str):
        why = destinations.refusal(address)
        if why is not None:
            return f"{host} is {address}, {why}"
    return None
