"""Every process serves Prometheus metrics: requests by route template and status, pool use."""

from __future__ import annotations

from fastapi import FastAPI

from shared.testing import asgi_client, service_headers


async def test_a_service_counts_requests_by_route_template(records_app: FastAPI) -> None:
    async with asgi_client(records_app, headers=service_headers()) as client:
        for _ in range(3):
            await client.get("/api/v1/records/units/00000000-0000-0000-0000-000000000000")
        text = (await client.get("/metrics")).text
    assert ('kaohe_http_requests_total{method="GET",route="/api/v1/records/units/{unit_id}",service="records",'
            'status="404"}') in text
    assert 'kaohe_db_pool_connections{service="records",state="checked_out"}' in text


async def test_metrics_need_no_gateway_token(quota_app: FastAPI) -> None:
    async with asgi_client(quota_app) as client:
        assert (await client.get("/metrics")).status_code == 200
