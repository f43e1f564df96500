"""One pooled client per downstream service, built in the gateway's lifespan.

Typed calls (readiness, /me, OpenAPI) go through ``ServiceClient`` (httpx). The proxy's hot
path and the screens that fan out (``Downstreams.read``: /me/todo, /me/unit) talk to the same
services over a plain aiohttp session: measured in bench/gateway.py and bench/me.py, it is the
cheaper client by a wide margin (httpx wrapped around aiohttp was a third of the gateway's time
on /me/todo). Tests wire in-process apps through httpx transports instead, and then both use httpx.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from gateway.config import GatewaySettings
from shared.errors import UpstreamTimeout, UpstreamUnavailable
from shared.http import ServiceClient, ServiceTokens
from shared.service_auth import Caller

SERVICES = ("records", "scoring", "quota")


@dataclass
class Downstreams:
    clients: dict[str, ServiceClient]
    raw: dict[str, aiohttp.ClientSession] = field(default_factory=dict)
    base_urls: dict[str, str] = field(default_factory=dict)
    timeout: aiohttp.ClientTimeout | None = None

    def get(self, service: str) -> ServiceClient | None:
        return self.clients.get(service)

    async def read(self, service: str, path: str, *, caller: Caller,
                   params: dict[str, str] | None = None) -> tuple[int, bytes]:
        """``GET path`` of a service as ``caller``: the status and the body, as they came. A service
        down or not answering in time is a 503 or 504, as with ``ServiceClient.request``."""
        client = self.clients[service]
        raw = self.raw.get(service)
        if raw is None:
            answer = await client.request("GET", path, caller=caller, params=params)
            return answer.status_code, answer.content
        try:
            async with raw.get(f"{self.base_urls[service]}{path}", params=params, headers=client.headers_for(caller),
                               allow_redirects=False) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:
            raise UpstreamUnavailable(f"{service} is unavailable") from exc
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout(f"{service} did not answer in time") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(f"{service} is unavailable") from exc

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
