"""Webhooks through the real gateway and services, delivered to a real HTTP server listening on
localhost: signed, once, retried, redelivered, and never shown to another region.

The worker runs as a background task in a deployed gateway; here the tests run its rounds
themselves (``worker.run_once``), and where a retry must be due later they pass a clock standing
later instead of sleeping (the backoff's 30 s, the day before a delivery is given up).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN, build_gateway_app
from gateway.webhooks import worker
from gateway.webhooks.addresses import Destinations
from gateway.webhooks.models import Webhook
from shared.testing import asgi_client, ok, running, service_transports, sign_in

from .conftest import PASSWORD, POLICY, SCHEME

HOOKS = "/api/v1/webhooks"


@dataclass
class Receiver:
    """A province's endpoint: answers each POST with the next planned status (then 200), keeps what came."""

    url: str = ""
    planned: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(({k.lower(): v for k, v in request.headers.items()}, await request.read()))
        self.arrived.set()
        return web.Response(status=self.planned.pop(0) if self.planned else 200, text="ok")

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    found.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield found
    finally:
        await runner.cleanup()


@dataclass
class Land:
    region: dict[str, str]
    unit: dict[str, str]
    scheme: dict[str, str]
    headers: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
async def land(gateway_app: FastAPI) -> AsyncIterator[Land]:
    tag = "w" + uuid.uuid4().hex[:6]
    async with asgi_client(gateway_app) as client:
        admin = await sign_in(client, *TEST_ADMIN)
        land = Land(region={}, unit={}, scheme={}, headers={"P": admin})
        for side in ("A", "B"):
            land.region[side] = (await ok(await client.post("/api/v1/records/regions", headers=admin, json={
                "code": f"{tag}{side}", "name": f"推送{side}区"})))["id"]
            land.unit[side] = (await ok(await client.post("/api/v1/records/units", headers=admin, json={
                "region_id": land.region[side], "code": "T1", "name": "镇", "kind": "township"})))["id"]
            land.scheme[side] = (await ok(await client.post("/api/v1/scoring/schemes", headers=admin, json={
                "region_id": land.region[side], "unit_id": land.unit[side], "name": "机关",
                "definition": SCHEME})))["id"]
            username = f"r{side.lower()}-{tag}"
            await ok(await client.post("/api/v1/admin/users", headers=admin, json={
                "username": username, "password": PASSWORD, "role": "region_admin", "region_id": land.region[side]}))
            land.headers[f"R{side}"] = await sign_in(client, username, PASSWORD)
    yield land


async def add_person(client: httpx.AsyncClient, land: Land, side: str) -> str:
    person: str = (await ok(await client.post("/api/v1/records/persons", headers=land.headers["P"], json={
        "unit_id": land.unit[side], "staff_no": f"w-{uuid.uuid4().hex[:10]}", "name": "新人",
        "staff_category": "staff", "active_from": "2024-01-01"})))["id"]
    return person


async def publish_result(client: httpx.AsyncClient, land: Land, side: str, period: str) -> str:
    admin, scheme = land.headers["P"], land.scheme[side]
    person = await add_person(client, land, side)
    await ok(await client.put(f"/api/v1/scoring/schemes/{scheme}/periods/{period}/marks", headers=admin,
                              json={"marks": [{"person_id": person, "indicator": "ji", "mark": 80}]}), 200)
    close: str = (await ok(await client.post(f"/api/v1/scoring/schemes/{scheme}/periods/{period}/close",
                                             headers=admin)))["id"]
    await ok(await client.post(f"/api/v1/scoring/results/{close}/publish", headers=admin), 200)
    return close


async def hook(client: httpx.AsyncClient, land: Land, who: str, receiver: Receiver, *kinds: str) -> dict[str, Any]:
    created: dict[str, Any] = await ok(await client.post(HOOKS, headers=land.headers[who], json={
        "url": receiver.url, "kinds": list(kinds), "region_id": land.region["A"], "description": "省级系统"}))
    return created


async def deliveries(client: httpx.AsyncClient, land: Land, webhook: dict[str, Any]) -> list[dict[str, Any]]:
    page = await ok(await client.get(f"{HOOKS}/{webhook['id']}/deliveries", headers=land.headers["RA"]), 200)
    items: list[dict[str, Any]] = page["items"]
    return items


def later(**delta: float) -> Any:
    return lambda: datetime.now(UTC) + timedelta(**delta)


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does (as with Stripe's): recompute the HMAC of "<t>.<body>" and compare."""
    parts = dict(p.split("=", 1) for p in headers["kaohe-signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


async def test_a_published_result_is_delivered_once_signed(gateway_app: FastAPI, client: httpx.AsyncClient,
                                                           land: Land, receiver: Receiver) -> None:
    webhook = await hook(client, land, "RA", receiver, "result_published")
    assert webhook["secret"].startswith("whsec_") and webhook["region_id"] == land.region["A"]
    close = await publish_result(client, land, "A", "2025Q1")
    await publish_result(client, land, "B", "2025Q1")  # another region's: never sent here
    await add_person(client, land, "A")                 # a roster change: not a kind it asked for
    await worker.run_once(gateway_app)
    await worker.run_once(gateway_app)
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert verify(webhook["secret"], headers, body)
    assert not verify("whsec_another", headers, body)
    event = json.loads(body)
    assert event["kind"] == "result_published" and event["region_id"] == land.region["A"]
    assert event["payload"]["close_id"] == close and headers["kaohe-event-id"] == event["id"]
    [delivery] = await deliveries(client, land, webhook)
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 1, 200)
    assert delivery["event_id"] == event["id"] and delivery["status_label"]["en"] == "Delivered"


async def test_a_published_allocation_is_delivered(gateway_app: FastAPI, client: httpx.AsyncClient, land: Land,
                                                   receiver: Receiver) -> None:
    webhook = await hook(client, land, "RA", receiver, "allocation_published", "roster_changed")
    admin, region = land.headers["P"], land.region["A"]
    await ok(await client.put(f"/api/v1/quota/regions/{region}/years/2025/units", headers=admin, json={
        "units": [{"id": land.unit["A"], "kind": "township", "grade": "first"}]}), 200)
    await ok(await client.put(f"/api/v1/quota/regions/{region}/years/2025/policy", headers=admin, json=POLICY), 200)
    run = (await ok(await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations", headers=admin)))["id"]
    await ok(await client.post(f"/api/v1/quota/allocations/{run}/publish", headers=admin))
    await worker.run_once(gateway_app)
    [event] = receiver.events()
    assert (event["kind"], event["payload"]["run_id"], event["payload"]["year"]) == ("allocation_published", run, 2025)
    assert event["link"] == f"/api/v1/quota/regions/{region}/years/2025/published"
    [delivery] = await deliveries(client, land, webhook)
    assert delivery["status"] == "delivered" and delivery["kind_label"]["en"] == "An allocation was published"


async def test_the_routes_are_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operations = {f"{method.upper()} {path}": operation for path, item in document["paths"].items()
                  if path.startswith(HOOKS) for method, operation in item.items()}
    assert len(operations) == 6
    for name, operation in operations.items():
        assert operation["summary"] and operation["description"], name
        assert operation["operationId"][0].islower() and "_" not in operation["operationId"], name
    create = operations[f"POST {HOOKS}"]
    assert create["operationId"] == "createWebhook"
    assert document["components"]["schemas"]["WebhookCreate"]["examples"]
    assert "region_id" in document["components"]["schemas"]["WebhookCreate"]["required"]  # of every caller
    callback = create["callbacks"]["webhookEvent"]["{$request.body#/url}"]["post"]
    assert callback["operationId"] == "receiveWebhookEvent" and "HMAC-SHA256" in callback["description"]


async def test_a_receiver_failing_once_is_retried_and_delivered_once(gateway_app: FastAPI, client: httpx.AsyncClient,
                                                                     land: Land, receiver: Receiver) -> None:
    receiver.planned = [500]
    webhook = await hook(client, land, "RA", receiver, "roster_changed")
    await add_person(client, land, "A")
    await worker.run_once(gateway_app)
    [delivery] = await deliveries(client, land, webhook)
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("pending", 1, 500)
    assert delivery["next_attempt_at"] is not None
    await worker.run_once(gateway_app)  # not due yet: the first wait is 30 s
    assert len(receiver.received) == 1
    await worker.run_once(gateway_app, now=later(minutes=1))
    await worker.run_once(gateway_app, now=later(minutes=2))
    [delivery] = await deliveries(client, land, webhook)
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 2, 200)
    assert [h["kaohe-event-id"] for h, _ in receiver.received] == [delivery["event_id"]] * 2
    assert receiver.received[0][1] == receiver.received[1][1]  # the same bytes, signed anew
    assert all(verify(webhook["secret"], h, b) for h, b in receiver.received)


async def test_a_delivery_failing_for_a_day_is_failed(gateway_app: FastAPI, client: httpx.AsyncClient, land: Land,
                                                      receiver: Receiver) -> None:
    receiver.planned = [503] * 3
    webhook = await hook(client, land, "RA", receiver, "roster_changed")
    await add_person(client, land, "A")
    await worker.run_once(gateway_app)
    await worker.run_once(gateway_app, now=later(hours=12))
    [delivery] = await deliveries(client, land, webhook)
    assert (delivery["status"], delivery["attempts"]) == ("pending", 2)
    await worker.run_once(gateway_app, now=later(hours=24, minutes=1))  # past the day: this attempt is the last
    [delivery] = await deliveries(client, land, webhook)
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("failed", 3, 503)
    assert delivery["next_attempt_at"] is None
    await worker.run_once(gateway_app, now=later(hours=48))
    assert len(receiver.received) == 3


async def test_the_worker_runs_in_the_gateways_lifespan(records_app: FastAPI, scoring_app: FastAPI,
                                                        quota_app: FastAPI, database_urls: dict[str, str],
                                                        client: httpx.AsyncClient, land: Land,
                                                        receiver: Receiver) -> None:
    """A gateway process as deployed: its lifespan starts the worker, which delivers without being asked."""
    await hook(client, land, "RA", receiver, "roster_changed")
    await add_person(client, land, "A")
    transports = service_transports(("records", records_app), ("scoring", scoring_app), ("quota", quota_app))
    async with running(build_gateway_app(transports, database_url=database_urls["gateway"],
                                         webhook_poll_seconds=0.05)):
        await asyncio.wait_for(receiver.arrived.wait(), timeout=60)  # a bound on a hang, not a measurement
    assert receiver.events()[0]["kind"] == "roster_changed"


async def test_two_gateways_at_once_send_a_delivery_once(gateway_app: FastAPI, client: httpx.AsyncClient,
                                                         land: Land, receiver: Receiver) -> None:
    """Two processes' rounds at the same moment, each on its own connections: each webhook is read by
    one, each delivery claimed by one (FOR UPDATE SKIP LOCKED), so every event arrives once."""
    webhook = await hook(client, land, "RA", receiver, "roster_changed")
    for _ in range(3):
        await add_person(client, land, "A")
    backoff = worker.backoff_of(gateway_app)
    sessions, downstreams = gateway_app.state.sessionmaker, gateway_app.state.downstreams
    sealer = gateway_app.state.webhook_sealer
    await asyncio.gather(*(worker.collect(sessions, downstreams, backoff, sealer) for _ in range(2)))
    async with httpx.AsyncClient() as one, httpx.AsyncClient() as other:
        destinations = gateway_app.state.settings.webhook_destinations
        await asyncio.gather(worker.deliver(sessions, one, backoff, destinations, sealer),
                             worker.deliver(sessions, other, backoff, destinations, sealer))
    found = await deliveries(client, land, webhook)
    assert len(found) == 3 and {d["status"] for d in found} == {"delivered"}
    assert sorted(h["kaohe-event-id"] for h, _ in receiver.received) == sorted(d["event_id"] for d in found)


async def test_redeliver_sends_it_again(gateway_app: FastAPI, client: httpx.AsyncClient, land: Land,
                                        receiver: Receiver) -> None:
    webhook = await hook(client, land, "RA", receiver, "roster_changed")
    await add_person(client, land, "A")
    await worker.run_once(gateway_app)
    [delivery] = await deliveries(client, land, webhook)
    assert delivery["status"] == "delivered"
    again = await ok(await client.post(f"{HOOKS}/{webhook['id']}/deliveries/{delivery['id']}/redeliver",
                                       headers=land.headers["RA"]), 200)
    assert again["status"] == "pending"
    await worker.run_once(gateway_app)
    [delivery] = await deliveries(client, land, webhook)
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 2)
    assert len(receiver.received) == 2 and receiver.received[0][1] == receiver.received[1][1]


async def test_another_regions_admin_cannot_see_or_redeliver(gateway_app: FastAPI, client: httpx.AsyncClient,
                                                             land: Land, receiver: Receiver) -> None:
    webhook = await hook(client, land, "RA", receiver, "roster_changed")
    await add_person(client, land, "A")
    await worker.run_once(gateway_app)
    [delivery] = await deliveries(client, land, webhook)
    rb = land.headers["RB"]
    base = f"{HOOKS}/{webhook['id']}"
    for method, path in (("GET", base), ("GET", f"{base}/deliveries"), ("DELETE", base),
                         ("POST", f"{base}/deliveries/{delivery['id']}/redeliver")):
        response = await client.request(method, path, headers=rb)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "webhook_not_found"
    listed = await ok(await client.get(HOOKS, headers=rb), 200)
    assert webhook["id"] not in {h["id"] for h in listed["items"]}
    assert webhook["id"] in {h["id"] for h in (await ok(await client.get(HOOKS, headers=land.headers["RA"]),
                                                        200))["items"]}
    refused = await client.post(HOOKS, headers=rb, json={"url": receiver.url, "kinds": ["roster_changed"],
                                                         "region_id": land.region["A"]})
    assert refused.status_code == 404 and refused.json()["code"] == "region_not_found"
    assert (await client.delete(base, headers=land.headers["RA"])).status_code == 204
    assert (await client.get(base, headers=land.headers["RA"])).status_code == 404


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "file:///etc/passwd", "hook", "https://u:p@example.org/",
                                 "javascript:alert(1)"])
async def test_a_url_that_is_not_http_is_a_422(client: httpx.AsyncClient, land: Land, url: str) -> None:
    response = await client.post(HOOKS, headers=land.headers["RA"], json={"url": url, "kinds": ["roster_changed"]})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "url" in json.dumps(response.json()["errors"])


@pytest.mark.parametrize("who", ["P", "RA"])
async def test_every_caller_names_the_region(client: httpx.AsyncClient, land: Land, receiver: Receiver,
                                             who: str) -> None:
    """The region is required of every caller, as the document says, whatever their role."""
    response = await client.post(HOOKS, headers=land.headers[who], json={"url": receiver.url,
                                                                         "kinds": ["allocation_published"]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.region_id", response.text


async def test_a_key_with_the_webhook_scope_manages_its_regions(gateway_app: FastAPI, client: httpx.AsyncClient,
                                                                land: Land, receiver: Receiver) -> None:
    key = await ok(await client.post("/api/v1/admin/api-keys", headers=land.headers["P"], json={
        "name": f"hooks-{uuid.uuid4().hex[:6]}", "scopes": ["webhooks:manage"], "region_id": land.region["A"]}))
    headers = {"x-api-key": key["key"]}
    created = await ok(await client.post(HOOKS, headers=headers, json={
        "url": receiver.url, "kinds": ["roster_changed"], "region_id": land.region["A"]}))
    assert created["region_id"] == land.region["A"]
    assert (await client.get(HOOKS, headers=headers)).status_code == 200
    assert (await client.get("/api/v1/records/regions", headers=headers)).status_code == 403


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/",
                                 "http://224.0.0.1/hook", "http://0.0.0.0:8001/hook", "https://[fe80::1]/hook"])
async def test_a_url_naming_an_address_no_delivery_goes_to_is_a_422(client: httpx.AsyncClient, land: Land,
                                                                    url: str) -> None:
    """A cloud's metadata service, multicast, "any address": refused when registered, in either language,
    whatever the operator allowed for this machine."""
    response = await client.post(HOOKS, headers=land.headers["RA"], json={
        "url": url, "kinds": ["roster_changed"], "region_id": land.region["A"]})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "webhook_url_not_allowed" and problem["errors"][0]["field"] == "body.url"
    chinese = await client.post(HOOKS, headers={**land.headers["RA"], "accept-language": "zh-CN"}, json={
        "url": url, "kinds": ["roster_changed"], "region_id": land.region["A"]})
    assert chinese.json()["detail"].startswith("回调不会推送到 "), chinese.text
    listed = (await client.get(HOOKS, headers=land.headers["RA"])).json()["items"]
    assert all(h["url"] != url for h in listed)  # nothing half-written


async def test_a_delivery_to_a_refused_address_is_not_sent(gateway_app: FastAPI, client: httpx.AsyncClient,
                                                            land: Land, receiver: Receiver) -> None:
    """Checked again when sent: under the default rules (this machine refused) nothing reaches the
    receiver; the attempt fails with the reason and is retried as any other."""
    webhook = await hook(client, land, "RA", receiver, "roster_changed")
    await add_person(client, land, "A")
    backoff = worker.backoff_of(gateway_app)
    state = gateway_app.state
    assert await worker.collect(state.sessionmaker, state.downstreams, backoff, state.webhook_sealer) >= 1
    sent = await worker.deliver(state.sessionmaker, state.webhook_client, backoff, Destinations(),
                                state.webhook_sealer)
    assert sent >= 1 and receiver.received == []
    [delivery] = await deliveries(client, land, webhook)
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("pending", 1, None)
    assert delivery["last_error"] == "not sent: 127.0.0.1 is 127.0.0.1, a loopback address"
    await worker.run_once(gateway_app, now=later(minutes=1))  # as the tests' gateway allows: delivered
    [delivery] = await deliveries(client, land, webhook)
    assert delivery["status"] == "delivered" and len(receiver.received) == 1


async def stored_secret(gateway_app: FastAPI, webhook_id: str) -> str:
    async with gateway_app.state.sessionmaker() as session:
        hook_row = await session.get(Webhook, uuid.UUID(webhook_id))
        assert hook_row is not None
        return hook_row.secret


async def test_the_secret_is_kept_sealed_and_signs_with_what_was_shown(gateway_app: FastAPI, client: httpx.AsyncClient,
                                                                       land: Land, receiver: Receiver) -> None:
    """The database holds the secret sealed (a copy of it does not let anyone sign as kaohe); the
    deliveries are signed with the secret the caller was shown."""
    webhook = await hook(client, land, "RA", receiver, "roster_changed")
    kept = await stored_secret(gateway_app, webhook["id"])
    assert kept.startswith("sealed:v1:") and webhook["secret"] not in kept
    assert gateway_app.state.webhook_sealer.open(kept) == webhook["secret"]
    await add_person(client, land, "A")
    await worker.run_once(gateway_app)
    headers, body = receiver.received[-1]
    assert verify(webhook["secret"], headers, body)
    assert await stored_secret(gateway_app, webhook["id"]) == kept  # sealed with the first key: left as it is


async def test_a_secret_stored_before_sealing_signs_and_is_sealed(gateway_app: FastAPI, client: httpx.AsyncClient,
                                                                  land: Land, receiver: Receiver) -> None:
    webhook = await hook(client, land, "RA", receiver, "roster_changed")
    async with gateway_app.state.sessionmaker() as session, session.begin():
        row = await session.get(Webhook, uuid.UUID(webhook["id"]))
        assert row is not None
        row.secret = "whsec_stored-before-sealing-began"
    await add_person(client, land, "A")
    await worker.run_once(gateway_app)
    headers, body = receiver.received[-1]
    assert verify("whsec_stored-before-sealing-began", headers, body)
    kept = await stored_secret(gateway_app, webhook["id"])
    assert kept.startswith("sealed:v1:")
    assert gateway_app.state.webhook_sealer.open(kept) == "whsec_stored-before-sealing-began"
