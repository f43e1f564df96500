"""``/api/v1/webhooks``: a region's systems register endpoints for its events and follow each delivery."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from gateway import policy
from gateway.identity import Principal, authenticate
from gateway.webhooks import service
from gateway.webhooks.schemas import (
    DeliveryBody,
    DeliveryPage,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookRead,
)
from shared.db import SessionDep
from shared.errors import Forbidden
from shared.service_auth import Caller

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such webhook in the caller's regions"}}
SIGNING = (
    "Each event is POSTed as JSON (`id`, `kind`, `region_id`, `at`, `link`, `payload`) with the headers "
    "`Kaohe-Event-Id` (the same in every attempt: drop one already seen), `Kaohe-Event-Kind`, "
    "`Kaohe-Delivery-Id` and `Kaohe-Signature: t=<unix seconds>,v1=<hex>`, where `v1` is the HMAC-SHA256, "
    "keyed by the webhook's secret, of `<t>.<body>`; check it and that `t` is recent. Answer 2xx within "
    "the timeout: anything else is tried again, waiting longer each time, for a day, then the delivery is failed."
)


async def allowed(request: Request, principal: Annotated[Principal, Depends(authenticate)]) -> Caller:
    """The route's rule in :mod:`gateway.policy` (region administrators, or a key with ``webhooks:manage``)."""
    template = request.scope["route"].path_format
    found = policy.match(request.method, template)
    caller = principal.caller
    if found is None or not policy.allowed(found[0], kind=caller.kind, roles=caller.roles, scopes=caller.scopes):
        raise Forbidden(f"{request.method} {template} is not open to this caller")
    return caller


CallerDep = Annotated[Caller, Depends(allowed)]


def _header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": True, "schema": {"type": "string"}, "description": description}


# What the gateway sends to a registered URL: the create operation's OpenAPI callback (written out,
# as a FastAPI callback route would document FastAPI's own 422 body, which the gateway never sends).
CALLBACKS = {"webhookEvent": {"{$request.body#/url}": {"post": {
    "operationId": "receiveWebhookEvent", "summary": "An event of the region, POSTed to the webhook's URL",
    "description": SIGNING,
    "parameters": [_header("Kaohe-Signature", "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">"),
                   _header("Kaohe-Event-Id", "the same in every attempt: drop one already seen"),
                   _header("Kaohe-Event-Kind", "the event's kind"),
                   _header("Kaohe-Delivery-Id", "the delivery, as listed under the webhook's deliveries")],
    "requestBody": {"required": True, "content": {"application/json": {"schema": DeliveryBody.model_json_schema()}}},
    "responses": {"2XX": {"description": "received; any other answer (or none) is tried again"}}}}}}


@router.post("", response_model=WebhookCreated, status_code=201, responses=NOT_FOUND,
             openapi_extra={"callbacks": CALLBACKS},
             summary="Register an endpoint for a region's events",
             description="The region's events of the kinds named (`result_published`, `allocation_published`, "
                         "`roster_changed`, `job_finished`) from now on are POSTed to `url`. The answer holds the "
                         "signing secret, shown this once. 404 `region_not_found` for a region the caller does "
                         "not administer. 422 `webhook_url_not_allowed` for a URL naming an address no delivery "
                         "goes to (this machine, link-local, multicast; the operator may allow or deny networks). "
                         + SIGNING)
async def create_webhook(body: WebhookCreate, caller: CallerDep, request: Request,
                         session: SessionDep) -> WebhookCreated:
    state = request.app.state
    return await service.create(session, state.downstreams, caller, body, state.settings.webhook_destinations,
                                state.webhook_sealer)


@router.get("", response_model=WebhookList, summary="The webhooks of my regions",
            description="Every webhook of the regions the caller administers (all of them for the province), "
                        "oldest first; never their secrets.")
async def list_webhooks(caller: CallerDep, session: SessionDep) -> WebhookList:
    return WebhookList(items=[WebhookRead.model_validate(h) for h in await service.list_all(session, caller)])


@router.get("/{webhook_id}", response_model=WebhookRead, responses=NOT_FOUND, summary="A webhook",
            description="Another region's webhook is not found (404).")
async def read_webhook(webhook_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> WebhookRead:
    return WebhookRead.model_validate(await service.get_or_raise(session, caller, webhook_id))


@router.delete("/{webhook_id}", status_code=204, response_class=Response, responses=NOT_FOUND,
               summary="Remove a webhook and its deliveries",
               description="Nothing more is sent to it; its delivery history goes with it.")
async def delete_webhook(webhook_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> Response:
    await service.delete(session, caller, webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=DeliveryPage, responses=NOT_FOUND,
            summary="A webhook's deliveries, newest first, with their status",
            description="Each event sent or to be sent: `pending` (with its next attempt), `delivered` or "
                        "`failed`, its attempts and the receiver's last HTTP status. Page with `before`.")
async def list_webhook_deliveries(
        webhook_id: uuid.UUID, caller: CallerDep, session: SessionDep,
        status: Annotated[Literal["pending", "delivered", "failed"] | None, Query(description="only these")] = None,
        before: Annotated[int | None, Query(ge=1, le=2**62, description="a `next` from the page before")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50) -> DeliveryPage:
    rows, following = await service.deliveries(session, caller, webhook_id, status=status, before=before, limit=limit)
    return DeliveryPage(items=[DeliveryRead.model_validate(d) for d in rows], next=following)


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryRead,
             responses={404: {"description": "no such delivery of a webhook in the caller's regions"}},
             summary="Send a delivery again",
             description="Delivered, failed or waiting, it is sent again at the worker's next round, with the "
                         "same body and event id, and a new day of retries.")
async def redeliver_webhook_delivery(webhook_id: uuid.UUID, delivery_id: uuid.UUID, caller: CallerDep,
                                     request: Request, session: SessionDep) -> DeliveryRead:
    retry_for = timedelta(seconds=request.app.state.settings.webhook_retry_seconds)
    return DeliveryRead.model_validate(await service.redeliver(session, caller, webhook_id, delivery_id,
                                                               retry_for=retry_for))
