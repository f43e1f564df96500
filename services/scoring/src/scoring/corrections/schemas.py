from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scoring.examples import NAMED
from scoring.results.schemas import NamedRow
from shared.labels import label_of
from shared.openapi import given, page_examples
from shared.pagination import Page

Reason = Annotated[str, Field(min_length=1, max_length=2000, description="why: kept in the period's changes")]


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "录入有误，更正"}]})
    reason: Reason


class AdjustmentUpdate(BaseModel):
    """What changes of a bonus or deduction item; the rest stays."""
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        **given("item", "points", "evidence", "approved_by"), "examples": [
            {"points": "1.5", "reason": "录入有误，更正"}]})
    item: str | None = Field(default=None, min_length=1, max_length=64)
    points: Annotated[Decimal, Field(gt=0, le=1000, decimal_places=2,
                                     json_schema_extra={"multipleOf": 0.01})] | None = Field(
        default=None, description="positive; the catalogue item says whether it adds or takes off")
    evidence: str | None = Field(default=None, min_length=1, max_length=2000)
    approved_by: str | None = Field(default=None, min_length=1, max_length=128)
    reason: Reason

    @model_validator(mode="after")
    def _something(self) -> AdjustmentUpdate:
        if self.item is None and self.points is None and self.evidence is None and self.approved_by is None:
            raise ValueError("give item, points, evidence or approved_by to change")
        return self


class NegativeEventUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={**given("item", "note"), "examples": [
        {"note": "县纪委通报〔2025〕3号", "reason": "录入有误，更正"}]})
    item: str | None = Field(default=None, min_length=1, max_length=64)
    note: str | None = Field(default=None, min_length=1, max_length=2000)
    reason: Reason

    @model_validator(mode="after")
    def _something(self) -> NegativeEventUpdate:
        if self.item is None and self.note is None:
            raise ValueError("give item or note to change")
        return self


class ChangeRead(NamedRow):
    """A correction; person_id (and the names) is the person the item, event or mark is about."""
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {**NAMED,
         "id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "kind": "adjustment",
         "action": "add",
         "object_id": "cb4162a5-2f5c-5ea6-a612-2a8f425c3142",
         "old": {},
         "new": {},
         "reason": "录入有误，更正",
         "changed_at": "2025-07-01T09:30:00Z",
         "changed_by": "admin"}]})
    id: uuid.UUID
    kind: Literal["adjustment", "negative_event", "mark"]
    kind_label: ClassVar[Any] = label_of("change_kind", "kind")
    action: Literal["add", "amend", "void"]
    action_label: ClassVar[Any] = label_of("change_action", "action")
    object_id: uuid.UUID | None = Field(description="the item's or event's id; none for a mark")
    old: dict[str, Any] | None = Field(description="the values before (none for an addition)")
    new: dict[str, Any] | None = Field(description="the values after (none for a void)")
    reason: str | None
    changed_at: datetime
    changed_by: str


class ChangePage(Page[ChangeRead]):
    """Corrections of a period's inputs, oldest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(ChangeRead, total=1))
    total: int
