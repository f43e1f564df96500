"""One pooled client per downstream service, built in the gateway's lifespan.

Typed calls (readiness, /me, OpenAPI) go through ``ServiceClient`` (httpx). The proxy's hot
path talks to the same services over a plain aiohttp session: measured in bench/gateway.py,
it is the cheaper client by a wide margin. Tests wire in-process apps through httpx transports
instead, and then the proxy uses httpx.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from gateway.config import GatewaySettings
from shared.http import ServiceClient, ServiceTokens

SERVICES = ("records", "scoring", "quota")


@dataclass
class Downstreams:
    clients: dict[str, ServiceClient]
    raw: dict[str, aiohttp.ClientSession] = field(default_factory=dict)
    base_urls: dict[str, str] = field(default_factory=dict)
    timeout: aiohttp.ClientTimeout | None = None

    def get(self, service: str) -> ServiceClient | None:
        return self.clients.get(service)

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()
        for session in self.raw.values():
            await session.close()


def build_downstreams(
    settings: GatewaySettings, transports: dict[str, httpx.AsyncBaseTransport] | None = None
) -> Downstreams:
    tokens = ServiceTokens(settings.service_secret.get_secret_value())
    timeout = httpx.Timeout(settings.upstream_timeout_seconds,
                            connect=settings.upstream_connect_timeout_seconds)
    urls = {"records": settings.records_url, "scoring": settings.scoring_url,
            "quota": settings.quota_url}
    transports = transports or {}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200, keepalive_expiry=30)
    downstreams = Downstreams({
        name: ServiceClient(name=name, base_url=url, tokens=tokens, timeout=timeout,
                            transport=transports.get(name) or AiohttpTransport(limits=limits))
        for name, url in urls.items()
    })
    downstreams.timeout = aiohttp.ClientTimeout(total=settings.upstream_timeout_seconds,
                                                sock_connect=settings.upstream_connect_timeout_seconds)
    for name, url in urls.items():
        if name not in transports:
            connector = aiohttp.TCPConnector(limit=200, keepalive_timeout=30, ttl_dns_cache=300)
            downstreams.raw[name] = aiohttp.ClientSession(connector=connector, timeout=downstreams.timeout,
                                                          auto_decompress=False)
            downstreams.base_urls[name] = url.rstrip("/")
    return downstreams
