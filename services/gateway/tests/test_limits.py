"""Limits at the gateway, in front of the real records service: body size per route class, header
size and count, requests per caller with Retry-After, and /metrics only for the metrics token."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.testing import build_gateway_app
from shared.testing import asgi_client, running, service_transports

from .conftest import World

PROBLEM = "application/problem+json"
METRICS_TOKEN = "metrics-" + "k" * 8 + "0123456789abcdefghijklmnopqrstuv"


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status, body
    return body


Gateway = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def gateway_with(records_app: FastAPI, database_urls: dict[str, str]) -> Gateway:
    """A gateway of its own with these settings, in front of the real records service."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = build_gateway_app(service_transports(("records", records_app)),
                                database_url=database_urls["gateway"], **overrides)
        async with running(app), asgi_client(app) as client:
            yield client

    return start


async def chunks(size: int, piece: int = 500, fill: bytes = b" ") -> AsyncIterator[bytes]:
    """A body sent without Content-Length (chunked): the gateway counts it as it arrives."""
    data = (fill * (size // len(fill) + 1))[:size]
    for start in range(0, size, piece):
        yield data[start:start + piece]


class TestBodySizePerRouteClass:
    @pytest.fixture
    async def limited(self, gateway_with: Gateway) -> AsyncIterator[httpx.AsyncClient]:
        async with gateway_with(write_body_bytes=1000, import_body_bytes=5000) as client:
            yield client

    async def test_an_ordinary_write_over_its_limit_is_413_naming_it(self, limited: httpx.AsyncClient,
                                                                      world: World) -> None:
        # declared in Content-Length: refused before a byte of the body is read
        response = await limited.post("/api/v1/records/regions", headers=world.headers["P"],
                                      content=b"{" + b" " * 1000 + b"}")
        body = refused(response, 413, "payload_too_large")
        assert body["limit_bytes"] == 1000 and "1000 bytes" in body["detail"]
        assert response.headers["connection"] == "close"
        response = await limited.post("/api/v1/records/regions", content=b"{" + b" " * 1000 + b"}",
                                      headers={**world.headers["P"], "accept-language": "zh"})
        body = refused(response, 413, "payload_too_large")
        assert body["detail"] == "请求内容超过该接口允许的大小。" and body["limit_bytes"] == 1000
        response = await limited.post("/api/v1/records/regions", headers={
            **world.headers["P"], "content-type": "application/json"}, content=chunks(1500))
        assert refused(response, 413, "payload_too_large")["limit_bytes"] == 1000
        assert response.headers["connection"] == "close"

    async def test_a_write_within_its_limit_goes_through(self, limited: httpx.AsyncClient, world: World) -> None:
        response = await limited.post("/api/v1/records/regions", headers=world.headers["P"],
                                      json={"code": "x" * 100, "name": "县" * 200})
        assert response.status_code == 422  # the service's answer: the code is too long, not the gateway's 413

    async def test_imports_take_the_larger_limit(self, limited: httpx.AsyncClient, world: World) -> None:
        headers = world.headers["P"]
        sheet = "工号,日期,状态\n".encode() + b"x,2025-03-01,\xe5\x87\xba\xe5\x8b\xa4\n" * 100  # about 2 kB
        response = await limited.post("/api/v1/records/attendance/import", headers=headers,
                                      files={"file": ("a.csv", sheet)})
        # over the write limit, under the import one: the service read the rows ("x" is nobody's staff number)
        assert len(refused(response, 422, "invalid_reference")["errors"]) == 100
        big = sheet * 3
        body = refused(await limited.post("/api/v1/records/attendance/import", headers=headers,
                                          files={"file": ("a.csv", big)}), 413, "payload_too_large")
        assert body["limit_bytes"] == 5000
        lines = b'{"staff_no": "x", "title": "t", "intensity": 1, "difficulty": 1}\n' * 100  # 6.6 kB, chunked
        response = await limited.post("/api/v1/records/tasks/stream", headers={
            **headers, "content-type": "application/x-ndjson"}, content=chunks(len(lines), 700, lines))
        assert refused(response, 413, "payload_too_large")["limit_bytes"] == 5000

    async def test_the_gateways_own_routes_are_limited_too(self, limited: httpx.AsyncClient) -> None:
        # FastAPI would call a body it could not read "400 There was an error parsing the body"
        response = await limited.post("/api/v1/admin/users", content=chunks(3000),
                                      headers={"content-type": "text/plain"})
        refused(response, 413, "payload_too_large")
        response = await limited.post("/api/v1/auth/token", content=chunks(3000),
                                      headers={"content-type": "application/json"})
        refused(response, 413, "payload_too_large")
        form = await limited.post("/api/v1/auth/token", data={"username": "u" * 2000, "password": "p"})
        refused(form, 413, "payload_too_large")


class TestHeaders:
    @pytest.fixture
    async def limited(self, gateway_with: Gateway) -> AsyncIterator[httpx.AsyncClient]:
        async with gateway_with(max_header_count=20, max_header_bytes=2000) as client:
            yield client

    async def test_too_many_header_fields_are_431(self, limited: httpx.AsyncClient) -> None:
        headers = {f"x-extra-{n}": "1" for n in range(21)}
        body = refused(await limited.get("/healthz", headers=headers), 431, "headers_too_large")
        assert body["limit_count"] == 20

    async def test_headers_over_the_size_limit_are_431(self, limited: httpx.AsyncClient) -> None:
        body = refused(await limited.get("/healthz", headers={"x-big": "a" * 2000}), 431, "headers_too_large")
        assert body["limit_bytes"] == 2000
        assert (await limited.get("/healthz", headers={"x-big": "a" * 1500})).status_code == 200


class TestRequestsPerCaller:
    async def test_each_user_and_key_has_its_own_count_and_a_429_says_when_to_retry(
            self, gateway_with: Gateway, world: World) -> None:
        async with gateway_with(rate_limit="3/minute") as limited:
            before = time.time()
            for _ in range(3):
                assert (await limited.get("/api/v1/me", headers=world.headers["U"])).status_code == 200
            sent = time.time()
            response = await limited.get("/api/v1/me", headers=world.headers["U"])
            after = time.time()
            body = refused(response, 429, "rate_limited")
            # Retry-After: the whole seconds, rounded up, until the window the first request opened ends
            retry = int(response.headers["retry-after"])
            assert math.ceil(before + 60 - after) <= retry <= math.ceil(after + 60 - sent)
            assert body["retry_after"] == retry
            assert (await limited.get("/api/v1/me", headers=world.headers["L"])).status_code == 200  # another user
            key = world.headers["key_read"]
            for _ in range(3):
                assert (await limited.get("/api/v1/records/whoami", headers=key)).status_code == 200
            refused(await limited.get("/api/v1/records/whoami", headers=key), 429, "rate_limited")

    async def test_per_second_the_retry_is_one_second_and_then_it_goes_through(
            self, gateway_with: Gateway, world: World) -> None:
        async with gateway_with(rate_limit="2/second;100/minute") as limited:
            headers = world.headers["M"]
            statuses = [(await limited.get("/api/v1/me", headers=headers)).status_code for _ in range(2)]
            response = await limited.get("/api/v1/me", headers=headers)
            assert statuses == [200, 200]
            refused(response, 429, "rate_limited")
            assert response.headers["retry-after"] == "1"
            await asyncio.sleep(1.0)
            assert (await limited.get("/api/v1/me", headers=headers)).status_code == 200


class TestMetrics:
    async def test_without_a_token_configured_metrics_are_not_served(self, gateway_with: Gateway,
                                                                     world: World) -> None:
        async with gateway_with(metrics_token=None) as limited:
            refused(await limited.get("/metrics"), 404, "not_found")
            refused(await limited.get("/metrics", headers=world.headers["P"]), 404, "not_found")

    async def test_only_the_metrics_token_reads_them(self, gateway_with: Gateway, world: World) -> None:
        async with gateway_with(metrics_token=METRICS_TOKEN) as limited:
            response = await limited.get("/metrics")
            refused(response, 401, "metrics_token_invalid")
            assert response.headers["www-authenticate"] == "Bearer"
            refused(await limited.get("/metrics", headers=world.headers["P"]), 401, "metrics_token_invalid")
            refused(await limited.get("/metrics", headers={"authorization": "Bearer " + METRICS_TOKEN[:-1]}),
                    401, "metrics_token_invalid")
            response = await limited.get("/metrics", headers={"authorization": "Bearer " + METRICS_TOKEN})
            assert response.status_code == 200
            assert "kaohe_http_requests_total" in response.text


async def test_the_documented_answers_include_the_limits(gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/openapi.json")).json()
    upload = document["paths"]["/api/v1/records/attendance/import"]["post"]["responses"]
    assert {"408", "413", "429", "431"} <= set(upload)
    sign_in = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"408", "413", "429", "431"} <= set(sign_in)
    assert upload["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    assert upload["503"]["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}  # a service down
