"""Typed calls between services: one pooled client per downstream, explicit timeouts,
the request id and a gateway token on every call, transport failures as 503/504."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx

from shared.errors import UpstreamTimeout, UpstreamUnavailable
from shared.expiring import ExpiringCache
from shared.i18n import lang_var
from shared.logging import request_id_var, traceparent
from shared.service_auth import TOKEN_TTL_SECONDS, Caller, mint_service_token

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=2.0)
#: JSON lines: one JSON value a line, for answers read as they come (``ServiceClient.stream``, ``lines``)
NDJSON = "application/x-ndjson"


class ServiceTokens:
    """Caches one signed token per caller for most of its lifetime; signing is not free."""

    def __init__(self, secret: str, *, ttl: int = TOKEN_TTL_SECONDS) -> None:
        self.secret = secret
        self.ttl = ttl
        self._cache: ExpiringCache[Caller, str] = ExpiringCache(10_000)

    def token_for(self, caller: Caller) -> str:
        now = time.monotonic()
        cached = self._cache.get(caller, now)
        if cached is not None:
            return cached
        token = mint_service_token(self.secret, caller, ttl=self.ttl)
        self._cache.put(caller, token, until=now + self.ttl / 2, now=now)
        return token


class ServiceClient:
    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        tokens: ServiceTokens,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
    ) -> None:
        self.name = name
        self.tokens = tokens
        self.http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections,
                                max_keepalive_connections=max_connections),
        )

    def headers_for(self, caller: Caller) -> dict[str, str]:
        # the caller's language travels on: a service's own words (sentences, titles) in it too
        headers = {"x-service-token": self.tokens.token_for(caller), "accept-language": lang_var.get()}
        request_id = request_id_var.get()
        if request_id:
            headers["x-request-id"] = request_id
        parent = traceparent()
        if parent:
            headers["traceparent"] = parent
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        caller: Caller,
        json: Any = None,
        params: Any = None,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        with self._answered():
            return await self.http.request(
                method, path, json=json, params=params, headers=self.headers_for(caller),
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )

    @contextmanager
    def _answered(self) -> Iterator[None]:
        """A failure to reach the service or to get its answer's head: 503, or 504 when it was too slow."""
        try:
            yield
        except httpx.ConnectTimeout as exc:
            raise UpstreamUnavailable(f"{self.name} is unavailable") from exc
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(f"{self.name} did not answer in time") from exc
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(f"{self.name} is unavailable") from exc

    @asynccontextmanager
    async def stream(self, method: str, path: str, *, caller: Caller, params: Any = None,
                     accept: str | None = None) -> AsyncIterator[httpx.Response]:
        """The answer, its body still to be read (``response.aiter_bytes``, ``lines``) inside the block;
        a failure while it is read is the same 503/504 as one before it."""
        headers = self.headers_for(caller)
        if accept is not None:
            headers["accept"] = accept
        request = self.http.build_request(method, path, params=params, headers=headers)
        with self._answered():
            response = await self.http.send(request, stream=True)
        try:
            yield response
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(f"{self.name} did not finish its answer in time") from exc
        except httpx.TransportError as exc:  # a chunked answer cut short: the server failed while sending it
            raise UpstreamUnavailable(f"{self.name}'s answer was cut short") from exc
        finally:
            await response.aclose()

    async def get_json(self, path: str, *, caller: Caller, params: Any = None) -> Any:
        response = await self.request("GET", path, caller=caller, params=params)
        if response.status_code >= 500:
            raise UpstreamUnavailable(f"{self.name} failed with status {response.status_code}")
        return response.json()

    async def aclose(self) -> None:
        await self.http.aclose()


async def lines(response: httpx.Response) -> AsyncIterator[list[bytes]]:
    """A streamed answer's lines (JSON lines), the empty ones left out, as many at a time as have
    come (a list a piece, not a line an await: a province's summary is 200,000 of them)."""
    rest = b""
    async for chunk in response.aiter_bytes():
        *whole, rest = (rest + chunk).split(b"\n") if rest else chunk.split(b"\n")
        if whole:
            yield [line for line in whole if line]
    if rest:
        yield [rest]
