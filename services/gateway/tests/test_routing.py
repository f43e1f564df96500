"""The gateway in front of the real services: routing, readiness, faults as problems."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN, build_gateway_app
from shared.testing import asgi_client, running, service_transports, sign_in


class TestRouting:
    @pytest.mark.parametrize("service", ["records", "scoring", "quota"])
    async def test_a_service_route_is_reached_through_the_gateway(
            self, gateway: httpx.AsyncClient, service: str) -> None:
        response = await gateway.get(f"/api/v1/{service}/version")
        assert response.status_code == 200
        assert response.json()["service"] == service

    async def test_the_request_id_is_passed_on_and_returned(self, gateway: httpx.AsyncClient) -> None:
        response = await gateway.get("/api/v1/records/version", headers={"x-request-id": "trace-1"})
        assert response.headers["x-request-id"] == "trace-1"

    async def test_an_unknown_route_is_a_404_problem(self, gateway: httpx.AsyncClient) -> None:
        response = await gateway.get("/api/v1/payroll/anything")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize(("method", "path", "allow"), [
        ("DELETE", "/api/v1/scoring/schemes", "GET, POST"),  # a service's route, through the proxy
        ("PUT", f"/api/v1/quota/allocations/{uuid.uuid4()}/publish", "POST"),
        ("DELETE", "/api/v1/admin/users", "GET, POST"),  # the gateway's own
    ], ids=["service", "service-with-id", "gateway"])
    async def test_a_wrong_method_on_a_known_path_is_405_with_allow(
            self, gateway: httpx.AsyncClient, method: str, path: str, allow: str) -> None:
        response = await gateway.request(method, path)
        assert response.status_code == 405
        assert response.headers["allow"] == allow
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "method_not_allowed"

    async def test_downstream_problems_pass_through_unchanged(self, gateway: httpx.AsyncClient) -> None:
        response = await gateway.get(f"/api/v1/quota/allocations/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["code"] == "allocation_not_found"
        assert response.headers["content-type"] == "application/problem+json"

    async def test_an_oversized_body_is_refused_before_forwarding(self, records_app: FastAPI,
                                                                  database_urls: dict[str, str]) -> None:
        app = build_gateway_app(service_transports(("records", records_app)), database_url=database_urls["gateway"],
                                write_body_bytes=1024)
        async with running(app), asgi_client(app) as client:
            client.headers.update(await sign_in(client, *TEST_ADMIN))
            response = await client.post("/api/v1/records/persons", content=b"x" * 4096)
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"


class TestReadiness:
    async def test_ready_when_every_service_is(self, gateway: httpx.AsyncClient) -> None:
        response = await gateway.get("/readyz")
        assert response.status_code == 200
        assert set(response.json()["checks"]) == {"database", "migrations", "records", "scoring", "quota"}
        assert (response.json()["status"], response.json()["degraded"]) == ("ready", [])

    async def test_a_service_down_is_degraded_naming_it_and_only_its_routes_503(
            self, records_app: FastAPI, quota_app: FastAPI, database_urls: dict[str, str]) -> None:
        # scoring gets no in-process transport: its URL is a closed local port.
        transports = service_transports(("records", records_app), ("quota", quota_app))
        app = build_gateway_app(transports, database_url=database_urls["gateway"],
                                scoring_url=f"http://127.0.0.1:{_closed_port()}")
        async with running(app), asgi_client(app) as client:
            response = await client.get("/readyz")
            client.headers.update(await sign_in(client, *TEST_ADMIN))
            scoring = await client.get("/api/v1/scoring/version")
            records = await client.get("/api/v1/records/version")
        assert response.status_code == 200  # the gateway still serves records and quota
        body = response.json()
        assert (body["status"], body["degraded"]) == ("degraded", ["scoring"])
        assert body["checks"]["scoring"]["ok"] is False
        assert body["checks"]["records"]["ok"] is True and body["checks"]["database"]["ok"] is True
        assert (scoring.status_code, scoring.json()["code"]) == (503, "upstream_unavailable")
        assert scoring.headers["content-type"] == "application/problem+json"
        assert int(scoring.headers["retry-after"]) >= 1
        assert records.status_code == 200

    async def test_503_when_its_own_database_is_down(self, records_app: FastAPI) -> None:
        app = build_gateway_app(service_transports(("records", records_app)),
                                database_url=f"postgresql://kaohe_gateway@127.0.0.1:{_closed_port()}/kaohe")
        async with running(app), asgi_client(app) as client:
            response = await client.get("/readyz")
            alive = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "not_ready" and response.json()["checks"]["database"]["ok"] is False
        assert alive.status_code == 200  # liveness does not depend on the database


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A real TCP server that accepts connections and never answers: a hung service."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield int(server.getsockname()[1])
    finally:
        server.close()


class TestFaults:
    async def test_a_service_that_is_down_is_a_503_problem(self, database_urls: dict[str, str]) -> None:
        app = build_gateway_app({}, database_url=database_urls["gateway"],
                                quota_url=f"http://127.0.0.1:{_closed_port()}")
        async with running(app), asgi_client(app) as client:
            client.headers.update(await sign_in(client, *TEST_ADMIN))
            response = await client.get("/api/v1/quota/version")
        assert response.status_code == 503
        assert response.json()["code"] == "upstream_unavailable"

    async def test_a_service_that_hangs_is_a_504_within_the_timeout(self, silent_server: int,
                                                                    database_urls: dict[str, str]) -> None:
        app = build_gateway_app({}, database_url=database_urls["gateway"],
                                quota_url=f"http://127.0.0.1:{silent_server}", upstream_timeout_seconds=0.5)
        async with running(app), asgi_client(app) as client:
            client.headers.update(await sign_in(client, *TEST_ADMIN))
            started = time.monotonic()
            response = await asyncio.wait_for(client.post("/api/v1/quota/apportion", json={
                "method": "webster", "seats": 1, "populations": {"a": 1}}), 10)
            elapsed = time.monotonic() - started
        assert response.status_code == 504
        assert response.json()["code"] == "upstream_timeout"
        assert elapsed < 5  # bounded by the timeout, not by the hang


class TestOpenApi:
    async def test_one_document_covers_every_service(self, gateway: httpx.AsyncClient) -> None:
        response = await gateway.get("/openapi.json")
        assert response.status_code == 200
        paths = response.json()["paths"]
        for service in ("records", "scoring", "quota"):
            assert f"/api/v1/{service}/version" in paths
        assert "/readyz" in paths

    async def test_only_routes_the_policy_opens_are_documented(self, gateway: httpx.AsyncClient) -> None:
        paths = (await gateway.get("/openapi.json")).json()["paths"]
        assert "/api/v1/records/whoami" in paths
        # every service has /whoami, but the gateway answers 404 where the policy does not declare it
        assert "/api/v1/quota/whoami" not in paths and "/api/v1/scoring/whoami" not in paths

    async def test_every_error_answer_is_documented_as_a_problem(self, gateway: httpx.AsyncClient) -> None:
        document = (await gateway.get("/openapi.json")).json()
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        apportion = document["paths"]["/api/v1/quota/apportion"]["post"]["responses"]
        assert {"400", "401", "403", "404", "409", "413", "422", "429", "503", "504"} <= set(apportion)
        assert all(apportion[status]["content"] == problem for status in apportion if not status.startswith("2"))
        users = document["paths"]["/api/v1/admin/users"]["post"]["responses"]
        assert users["409"]["content"] == problem and "504" not in users  # the gateway's own route
        assert "401" not in document["paths"]["/readyz"]["get"]["responses"]
        schemas = document["components"]["schemas"]
        assert {"type", "title", "status", "code"} <= set(schemas["Problem"]["required"])
        assert "HTTPValidationError" not in schemas  # FastAPI's own 422 body is never sent

    async def test_docs_page_points_at_the_merged_document(self, gateway: httpx.AsyncClient) -> None:
        response = await gateway.get("/docs")
        assert response.status_code == 200
        assert "/openapi.json" in response.text
