"""Problem details: every failure a client sees is RFC 9457 JSON with a stable code."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from shared.errors import Conflict, install_error_handlers
from shared.logging import RequestContextMiddleware
from shared.testing import asgi_client


class Unit(BaseModel):
    name: str = Field(min_length=1)
    headcount: int = Field(ge=0)


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, access_log=False)

    @app.post("/units")
    async def create_unit(unit: Unit) -> Unit:
        return unit

    @app.post("/conflict")
    async def conflict() -> None:
        raise Conflict("unit u01 already has a record for 2025-W03", code="duplicate_week")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


class TestProblemDetails:
    async def test_validation_error_lists_each_bad_field(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/units", json={"name": "", "headcount": -1})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "validation_error"
        assert body["status"] == 422
        assert {e["field"] for e in body["errors"]} == {"body.name", "body.headcount"}
        assert body["request_id"] == response.headers["x-request-id"]

    async def test_malformed_json_is_a_validation_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/units", content=b"{not json",
                                     headers={"content-type": "application/json"})
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"

    async def test_app_error_keeps_its_status_and_code(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/conflict")
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "duplicate_week"
        assert body["detail"] == "unit u01 already has a record for 2025-W03"
        assert body["type"].endswith("/duplicate_week")

    async def test_unknown_route_is_a_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/nowhere")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    async def test_wrong_method_is_a_405_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/units")
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"

    async def test_unexpected_error_reveals_nothing(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/boom")
        assert response.status_code == 500
        body = response.json()
        assert body["code"] == "internal_error"
        text = response.text
        assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text


class TestRequestId:
    async def test_a_well_formed_incoming_id_is_kept(self) -> None:
        async with asgi_client(make_app()) as client:
            response = await client.post("/units", json={"name": "x", "headcount": 1},
                                         headers={"x-request-id": "front-end.42"})
        assert response.headers["x-request-id"] == "front-end.42"

    async def test_a_malformed_incoming_id_is_replaced(self) -> None:
        async with asgi_client(make_app()) as client:
            response = await client.post("/units", json={"name": "x", "headcount": 1},
                                         headers={"x-request-id": "bad id\twith spaces"})
        assert response.headers["x-request-id"] != "bad id\twith spaces"
        assert len(response.headers["x-request-id"]) == 32


class TestTraceContext:
    async def test_a_caller_s_trace_is_kept_and_passed_on(self) -> None:
        from shared.logging import trace_id_var, traceparent

        seen: dict[str, str | None] = {}
        app = make_app()

        @app.get("/trace")
        async def trace() -> dict[str, str | None]:
            seen["trace_id"], seen["outgoing"] = trace_id_var.get(), traceparent()
            return {}

        parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        async with asgi_client(app) as client:
            await client.get("/trace", headers={"traceparent": parent})
            assert seen["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
            assert seen["outgoing"] is not None and seen["outgoing"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
            assert seen["outgoing"] != parent  # a new span for the next hop
            await client.get("/trace", headers={"traceparent": "garbage"})
            assert seen["trace_id"] is not None and len(seen["trace_id"]) == 32
