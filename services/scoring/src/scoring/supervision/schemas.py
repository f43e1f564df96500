"""What the supervision routes take and answer: inspections, rectification notices and their items,
a unit's answer to an item and the department's decision on it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.labels import label_of
from shared.openapi import page_examples
from shared.pagination import Page


class InspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
         "visited_on": "2025-06-30",
         "team": ["党政办"],
         "findings": "台账不全"}]})
    unit_id: uuid.UUID
    visited_on: date
    team: list[str] = Field(min_length=1, max_length=20, description="the inspection team's members")
    findings: str = Field(min_length=1, max_length=20_000)


class InspectionRead(InspectionIn):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
         "visited_on": "2025-06-30",
         "team": ["党政办"],
         "findings": "台账不全",
         "id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "created_by": "admin"}]})
    id: uuid.UUID
    region_id: uuid.UUID
    created_by: str


class InspectionPage(Page[InspectionRead]):
    """A region's inspections, the latest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(InspectionRead))


class NoticeItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)
    deadline: date = Field(description="the notice's issue day (today, unless issued_on) or later")


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
         "title": "关于第二季度考核工作的督办通知",
         "items": [{"text": "夏村镇2025年第二季度考核结果", "deadline": "2025-06-30"}]}]})
    unit_id: uuid.UUID
    inspection_id: uuid.UUID | None = Field(default=None, description="the inspection that found the problems")
    title: str = Field(min_length=1, max_length=200)
    issued_on: date | None = Field(default=None, description="the day it was issued, when recorded afterwards: "
                                   "not in the future, not before its inspection; left out: today. Every "
                                   "deadline is on or after it")
    items: list[NoticeItemIn] = Field(min_length=1, max_length=100)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"response": "已整改", "evidence": ["某委发〔2025〕12号"]}]})
    response: str = Field(min_length=1, max_length=20_000)
    evidence: list[str] = Field(default_factory=list, max_length=20,
                                description="texts or links: documents, photos, minutes")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "sign_off"}]})
    decision: Literal["sign_off", "return", "close"] = Field(
        description="sign_off (销号) an answered item; return it to the unit; or close an unfinished one")
    reason: str | None = Field(default=None, min_length=1, max_length=4000,
                               description="required to return or close")


class ItemRead(BaseModel):
    id: uuid.UUID
    position: int
    text: str
    deadline: date
    state: str = Field(description="open, answered, returned, signed_off or closed")
    state_label: ClassVar[Any] = label_of("rectification_state", "state")
    overdue: bool = Field(description="past its deadline, neither signed off nor closed")
    days_overdue: int
    response: str | None
    evidence: list[str]
    answered_on: date | None
    decided_on: date | None
    steps: list[dict[str, Any]] = Field(description="every answer, sign-off, return and close: who, when, what")


class ItemDue(BaseModel):
    """An item the unit still owes an answer to (open, or returned to it), for its to-do list."""

    notice_id: uuid.UUID
    notice_title: str
    item_id: uuid.UUID
    position: int
    text: str
    deadline: date
    state: str
    state_label: ClassVar[Any] = label_of("rectification_state", "state")
    overdue: bool


class NoticeRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
         "inspection_id": "d539c1b1-4a1a-5d0b-b52a-c03fcb6d0289",
         "title": "关于第二季度考核工作的督办通知",
         "issued_on": "2025-06-30",
         "issued_by": "admin",
         "open_items": 1,
         "overdue_items": 1,
         "items": [{"id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
                    "position": 1,
                    "text": "夏村镇2025年第二季度考核结果",
                    "deadline": "2025-06-30",
                    "state": "answered",
                    "overdue": False,
                    "days_overdue": 1,
                    "response": "已整改",
                    "evidence": ["某委发〔2025〕12号"],
                    "answered_on": "2025-06-30",
                    "decided_on": "2025-06-30",
                    "steps": [{}]}]}]})
    id: uuid.UUID
    region_id: uuid.UUID
    unit_id: uuid.UUID
    inspection_id: uuid.UUID | None
    title: str
    issued_on: date
    issued_by: str
    open_items: int
    overdue_items: int
    items: list[ItemRead]


class NoticeList(Page[NoticeRead]):
    """Rectification notices, the latest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(NoticeRead, today="2025-06-30"))
    today: date
