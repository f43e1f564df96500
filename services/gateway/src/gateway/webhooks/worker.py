"""The delivery worker, an asyncio task of each gateway process (started in the app's lifespan).

Each round it first *collects*: for each webhook (locked ``FOR UPDATE SKIP LOCKED``, so two
gateways never read for the same one at once) it reads the region's new events from each service's
outbox (``GET /api/v1/<service>/regions/{region_id}/events?after=``), writes one delivery per event
of a wanted kind (unique per webhook and event: read twice, written once) and moves the webhook's
positions on, all in one transaction. Then it *delivers*: the due pending deliveries are claimed
``FOR UPDATE SKIP LOCKED`` and POSTed while the claim is held, so no delivery is sent by two
processes; a 2xx is delivered, anything else waits ``backoff · 2^(attempts-1)`` (at most
``backoff_max``) and is given up (failed) once its next attempt would fall after ``give_up_at``,
a day after it was written (or redelivered).

Each POST is signed like Stripe's: ``Kaohe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>" keyed by the webhook's secret>`` (kept sealed, see ``sealing``); ``Kaohe-Event-Id`` is
the same in every attempt (a receiver drops one it has seen), ``Kaohe-Delivery-Id`` names the delivery.
Before each POST the URL's host is resolved and an address no delivery goes to is refused
(``addresses``): the attempt fails with the reason and is retried as any other.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.clients.services import Downstreams
from gateway.webhooks.addresses import Destinations, resolved_refusal
from gateway.webhooks.models import Webhook, WebhookDelivery
from gateway.webhooks.schemas import SOURCES
from gateway.webhooks.sealing import Sealer, SecretUnreadable
from shared.errors import AppError
from shared.service_auth import SYSTEM_CALLER

logger = logging.getLogger("gateway.webhooks")
PAGE = 200
PAGES = 20  # pages of one feed read for one webhook in one round
USER_AGENT = "kaohe-webhooks/1"


@dataclass(frozen=True)
class Backoff:
    first: timedelta
    most: timedelta
    retry_for: timedelta

    def wait(self, attempts: int) -> timedelta:
        wait: timedelta = self.first * 2 ** max(attempts - 1, 0)
        return min(wait, self.most)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Kaohe-Signature`` header of ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _body(source: str, event: dict[str, Any]) -> tuple[str, str]:
    event_id = f"{source}-{event['id']}"
    body = {"id": event_id, "kind": event["kind"], "region_id": event["region_id"], "at": event["at"],
            "link": event["link"], "payload": event["payload"]}
    return event_id, json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


async def _read(downstreams: Downstreams, hook: Webhook, source: str, after: int) -> dict[str, Any] | None:
    try:
        response = await downstreams.clients[source].request(
            "GET", f"/api/v1/{source}/regions/{hook.region_id}/events", caller=SYSTEM_CALLER,
            params={"after": after, "limit": PAGE})
    except AppError as exc:  # that service is away: its events wait for the next round
        logger.warning("webhook %s: could not read %s's events: %s", hook.id, source, exc)
        return None
    if response.status_code != 200:
        logger.warning("webhook %s: %s answered %s for its events", hook.id, source, response.status_code)
        return None
    page: dict[str, Any] = response.json()
    return page


async def _collect_one(session: AsyncSession, downstreams: Downstreams, hook: Webhook, backoff: Backoff,
                       now: datetime) -> int:
    """A new webhook starts at each feed's beginning and skips what came before it: up to PAGES pages
    a round, so a region's long history is passed over in a few rounds without holding one up."""
    written = 0
    positions = dict(hook.positions)
    for source in sorted({source for k in hook.kinds for source in SOURCES[k]}):
        for _ in range(PAGES):
            page = await _read(downstreams, hook, source, int(positions.get(source, 0)))
            if page is None:
                break
            rows = []
            for event in page["events"]:
                # a webhook receives what happens from its creation on, not the region's history
                if event["kind"] in hook.kinds and datetime.fromisoformat(event["at"]) >= hook.created_at:
                    event_id, body = _body(source, event)
                    rows.append({"id": uuid.uuid4(), "webhook_id": hook.id, "event_id": event_id,
                                 "kind": event["kind"], "body": body, "next_attempt_at": now,
                                 "give_up_at": now + backoff.retry_for})
            if rows:
                await session.execute(insert(WebhookDelivery).on_conflict_do_nothing(
                    index_elements=["webhook_id", "event_id"]), rows)
                written += len(rows)
            positions[source] = page["last"]
            if len(page["events"]) < PAGE:
                break
    hook.positions = positions
    return written


async def collect(sessions: async_sessionmaker[AsyncSession], downstreams: Downstreams, backoff: Backoff,
                  sealer: Sealer, *, now: datetime | None = None) -> int:
    """New deliveries for every webhook no other process is collecting for; how many were written."""
    now = now or datetime.now(UTC)
    async with sessions() as session:
        ids = list(await session.scalars(select(Webhook.id).order_by(Webhook.id)))
    written = 0
    for webhook_id in ids:
        async with sessions() as session, session.begin():
            hook = await session.scalar(select(Webhook).where(Webhook.id == webhook_id)
                                        .with_for_update(skip_locked=True))
            if hook is None:
                continue
            try:  # a secret stored unsealed, or sealed with a key no longer first, is sealed with the first
                hook.secret = sealer.resealed(hook.secret) or hook.secret
            except SecretUnreadable as exc:
                logger.error("webhook %s: %s", hook.id, exc)
            written += await _collect_one(session, downstreams, hook, backoff, now)
    return written


async def _attempt(client: httpx.AsyncClient, hook: Webhook, delivery: WebhookDelivery,
                   destinations: Destinations, sealer: Sealer) -> tuple[int | None, str | None]:
    refused = await resolved_refusal(hook.url, destinations)
    if refused is not None:  # not sent: an attempt that failed, retried as any other
        return None, f"not sent: {refused}"[:300]
    try:
        secret = sealer.open(hook.secret)
    except SecretUnreadable as exc:
        return None, f"not sent: {exc}"
    body = delivery.body.encode()
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               "kaohe-signature": sign(secret, int(time.time()), body),
               "kaohe-event-id": delivery.event_id, "kaohe-event-kind": delivery.kind,
               "kaohe-delivery-id": str(delivery.id)}
    try:
        response = await client.post(hook.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, (f"{type(exc).__name__}: {exc}")[:300]
    return response.status_code, None


async def deliver(sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, backoff: Backoff,
                  destinations: Destinations, sealer: Sealer, *, batch: int = 50,
                  now: Callable[[], datetime] | None = None) -> int:
    """Send the due pending deliveries no other process has claimed; how many were attempted."""
    clock = now or (lambda: datetime.now(UTC))
    async with sessions() as session, session.begin():
        claimed = (await session.execute(
            select(WebhookDelivery, Webhook).join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= clock())
            .order_by(WebhookDelivery.next_attempt_at).limit(batch)
            .with_for_update(of=WebhookDelivery, skip_locked=True))).all()
        answers = await asyncio.gather(*(_attempt(client, hook, delivery, destinations, sealer)
                                         for delivery, hook in claimed))
        for (delivery, _hook), (status, error) in zip(claimed, answers, strict=True):
            at = clock()
            delivery.attempts += 1
            delivery.last_status_code, delivery.last_error = status, error
            if status is not None and 200 <= status < 300:
                delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", at, None
                continue
            following = at + backoff.wait(delivery.attempts)
            if following > delivery.give_up_at:
                delivery.status, delivery.next_attempt_at = "failed", None
            else:
                delivery.next_attempt_at = following
    return len(claimed)


def backoff_of(app: FastAPI) -> Backoff:
    settings = app.state.settings
    return Backoff(first=timedelta(seconds=settings.webhook_backoff_seconds),
                   most=timedelta(seconds=settings.webhook_backoff_max_seconds),
                   retry_for=timedelta(seconds=settings.webhook_retry_seconds))


async def run_once(app: FastAPI, *, now: Callable[[], datetime] | None = None) -> tuple[int, int]:
    """One round: collect, then deliver; (deliveries written, deliveries attempted)."""
    backoff = backoff_of(app)
    written = await collect(app.state.sessionmaker, app.state.downstreams, backoff, app.state.webhook_sealer,
                            now=now() if now else None)
    settings = app.state.settings
    sent = await deliver(app.state.sessionmaker, app.state.webhook_client, backoff, settings.webhook_destinations,
                         app.state.webhook_sealer, batch=settings.webhook_batch, now=now)
    return written, sent


async def run_forever(app: FastAPI, every: float) -> None:
    while True:
        try:
            await run_once(app)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database or a service away: try again next round
            logger.exception("webhook round failed")
        await asyncio.sleep(every)
