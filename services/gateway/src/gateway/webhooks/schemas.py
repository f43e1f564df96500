"""What the webhook routes take and answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from shared.labels import label_of

EventKind = Literal["result_published", "allocation_published", "roster_changed", "job_finished"]
KINDS: tuple[str, ...] = EventKind.__args__  # type: ignore[attr-defined]
# which services' outboxes write each kind
SOURCES: dict[str, tuple[str, ...]] = {"result_published": ("scoring",), "allocation_published": ("quota",),
                                       "roster_changed": ("records",), "job_finished": ("records", "scoring", "quota")}
URL_EXAMPLE = "https://hr.example.gov.cn/kaohe/hooks"
# what the URL's rules come to, as the document declares them: a host, no user name, no #fragment; and in
# the path no space and no control character (which no text the API reads holds)
URL_PATTERN = r"^https?://[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?(:[0-9]{1,5})?(/[^#\s\x00-\x1f\x7f]*)?$"


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "url": URL_EXAMPLE, "kinds": ["result_published", "allocation_published"],
        "region_id": "0b7e3c52-3f0a-4f7c-8d2e-5a6b7c8d9e0f", "description": "省级干部信息系统"}]})

    url: str = Field(max_length=2000, description="where each event is POSTed: an absolute http or https URL",
                     json_schema_extra={"pattern": URL_PATTERN})
    kinds: list[EventKind] = Field(min_length=1, max_length=len(KINDS), description="the event kinds wanted")
    region_id: uuid.UUID = Field(description="the region whose events it receives: one the caller administers "
                                             "(a region's administrator or key: their own)")
    description: str | None = Field(default=None, max_length=200)

    @field_validator("url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https"):
            raise ValueError("the URL must start with http:// or https://")
        if not parts.hostname:
            raise ValueError("the URL must name a host")
        if parts.username or parts.password:
            raise ValueError("the URL must not carry a user name or password: deliveries are signed instead")
        if parts.fragment:
            raise ValueError("the URL must not have a #fragment")
        return value

    @field_validator("kinds")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


WEBHOOK_EXAMPLE: JsonDict = {
    "id": "6f1c2f4e-8a51-4c1e-9b7e-1d2f3a4b5c6d", "region_id": "0b7e3c52-3f0a-4f7c-8d2e-5a6b7c8d9e0f",
    "url": URL_EXAMPLE, "kinds": ["allocation_published", "result_published"], "description": "省级干部信息系统",
    "created_by": "user:2d1f…", "created_at": "2026-12-06T08:00:00Z"}


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [WEBHOOK_EXAMPLE]})

    id: uuid.UUID
    region_id: uuid.UUID
    url: str
    kinds: list[str]
    description: str | None
    created_by: str
    created_at: datetime


class WebhookCreated(WebhookRead):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        **WEBHOOK_EXAMPLE, "secret": "whsec_3q2+7w…"}]})

    secret: str = Field(description="shown once: the key of each delivery's HMAC-SHA256 `Kaohe-Signature`")


class WebhookList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [WEBHOOK_EXAMPLE]}]})

    items: list[WebhookRead]


DELIVERY_EXAMPLE: JsonDict = {
    "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "seq": 42, "webhook_id": "6f1c2f4e-8a51-4c1e-9b7e-1d2f3a4b5c6d",
    "event_id": "scoring-1234", "kind": "result_published", "status": "pending", "attempts": 2,
    "last_status_code": 500, "last_error": None, "next_attempt_at": "2026-12-06T08:02:00Z",
    "give_up_at": "2026-12-07T08:00:00Z", "delivered_at": None, "created_at": "2026-12-06T08:00:00Z"}


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [DELIVERY_EXAMPLE]})

    id: uuid.UUID
    seq: int = Field(description="the delivery's position (the next page's `before`)")
    webhook_id: uuid.UUID
    event_id: str = Field(description="the event's id, also sent as `Kaohe-Event-Id`: the same in every attempt")
    kind: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None = Field(description="the receiver's last HTTP status (none: no answer)")
    last_error: str | None = Field(description="why the last attempt failed, when there was no answer")
    next_attempt_at: datetime | None
    give_up_at: datetime = Field(description="after this, a failing delivery is given up (failed)")
    delivered_at: datetime | None
    created_at: datetime
    status_label: ClassVar[Any] = label_of("delivery_status", "status")
    kind_label: ClassVar[Any] = label_of("event", "kind")


class DeliveryPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [DELIVERY_EXAMPLE], "next": None}]})

    items: list[DeliveryRead] = Field(description="newest first")
    next: int | None = Field(description="send as `before` for older deliveries; none: no more")


class DeliveryBody(BaseModel):
    """What each delivery POSTs (``application/json``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "scoring-1234", "kind": "result_published", "region_id": "0b7e3c52-3f0a-4f7c-8d2e-5a6b7c8d9e0f",
        "at": "2026-12-06T08:00:00Z", "link": "/api/v1/scoring/schemes/…/periods/2025Q1/results",
        "payload": {"scheme_id": "…", "period": "2025Q1", "version": 1}}]})

    id: str
    kind: str
    region_id: uuid.UUID
    at: datetime
    link: str
    payload: dict[str, Any]
