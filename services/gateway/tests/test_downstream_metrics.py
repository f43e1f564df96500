"""The gateway's Prometheus metrics time each call it makes downstream."""

from __future__ import annotations

import httpx

from gateway.testing import TEST_METRICS_TOKEN


async def test_the_gateway_times_each_downstream(gateway: httpx.AsyncClient) -> None:
    await gateway.get("/api/v1/quota/version")
    text = (await gateway.get("/metrics", headers={"authorization": f"Bearer {TEST_METRICS_TOKEN}"})).text
    assert 'kaohe_downstream_duration_seconds_count{downstream="quota",service="gateway",status="200"}' in text
    assert 'route="/api/v1/quota/version"' in text
