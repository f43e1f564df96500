"""Webhooks as their owner sees them: every read starts from the rows of the caller's regions, so
another region's webhook (or delivery) is not found, whatever id is sent."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.clients.services import Downstreams
from gateway.webhooks.addresses import Destinations, named_address
from gateway.webhooks.models import Webhook, WebhookDelivery
from gateway.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookRead
from gateway.webhooks.sealing import Sealer
from shared.errors import NotFound, Unprocessable, UpstreamUnavailable
from shared.service_auth import Caller


def readable(caller: Caller) -> Select[Webhook]:
    """The webhooks the caller may see: all for the province, else those of the caller's regions."""
    statement = select(Webhook)
    if not caller.is_province_wide:
        statement = statement.where(Webhook.region_id.in_([uuid.UUID(r) for r in caller.region_ids]))
    return statement


async def _owner(downstreams: Downstreams, caller: Caller, wanted: uuid.UUID) -> uuid.UUID:
    """The region named, if the caller administers it and it exists; else no such region (404)."""
    if not caller.administers_region(wanted):
        raise NotFound(f"no region {wanted}", code="region_not_found")
    response = await downstreams.clients["records"].request("GET", f"/api/v1/records/regions/{wanted}",
                                                            caller=caller)
    if response.status_code == 404:
        raise NotFound(f"no region {wanted}", code="region_not_found")
    if response.status_code != 200:
        raise UpstreamUnavailable(f"records answered {response.status_code} for the region")
    return wanted


async def create(session: AsyncSession, downstreams: Downstreams, caller: Caller, body: WebhookCreate,
                 destinations: Destinations, sealer: Sealer) -> WebhookCreated:
    region_id = await _owner(downstreams, caller, body.region_id)
    address = named_address(body.url)
    why = None if address is None else destinations.refusal(address)
    if why is not None:
        message = f"webhooks are not delivered to {address}, {why}"
        raise Unprocessable(message, code="webhook_url_not_allowed", errors=[{"field": "body.url", "message": message}])
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = Webhook(id=uuid.uuid4(), region_id=region_id, url=body.url, kinds=list(body.kinds),
                   description=body.description, secret=sealer.seal(secret), positions={}, created_by=caller.subject)
    session.add(hook)
    await session.flush()
    await session.refresh(hook)
    return WebhookCreated(**WebhookRead.model_validate(hook).model_dump(), secret=secret)


async def get_or_raise(session: AsyncSession, caller: Caller, webhook_id: uuid.UUID) -> Webhook:
    hook = await session.scalar(readable(caller).where(Webhook.id == webhook_id))
    if hook is None:
        raise NotFound(f"no webhook {webhook_id}", code="webhook_not_found")
    return hook


async def list_all(session: AsyncSession, caller: Caller) -> list[Webhook]:
    return list(await session.scalars(readable(caller).order_by(Webhook.created_at, Webhook.id)))


async def delete(session: AsyncSession, caller: Caller, webhook_id: uuid.UUID) -> None:
    """The webhook and its deliveries (one being sent finishes its attempt and is gone)."""
    await session.delete(await get_or_raise(session, caller, webhook_id))
    await session.flush()


async def deliveries(session: AsyncSession, caller: Caller, webhook_id: uuid.UUID, *, status: str | None,
                     before: int | None, limit: int) -> tuple[list[WebhookDelivery], int | None]:
    hook = await get_or_raise(session, caller, webhook_id)
    statement = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    if before is not None:
        statement = statement.where(WebhookDelivery.seq < before)
    rows = list(await session.scalars(statement.order_by(WebhookDelivery.seq.desc()).limit(limit + 1)))
    return rows[:limit], (rows[limit - 1].seq if len(rows) > limit else None)


async def redeliver(session: AsyncSession, caller: Caller, webhook_id: uuid.UUID, delivery_id: uuid.UUID, *,
                    retry_for: timedelta) -> WebhookDelivery:
    """Send it again as soon as the worker comes by, whatever its state, with a new day of retries."""
    hook = await get_or_raise(session, caller, webhook_id)
    delivery = await session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == hook.id).with_for_update())
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id} of webhook {webhook_id}", code="webhook_delivery_not_found")
    now = datetime.now(UTC)
    delivery.status, delivery.next_attempt_at, delivery.give_up_at = "pending", now, now + retry_for
    await session.flush()
    return delivery
