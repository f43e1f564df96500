from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scoring.definitions import SchemeDefinition
from scoring.results.schemas import NamedRow
from shared.openapi import given, page_examples
from shared.pagination import Page

Mark = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2, json_schema_extra={"multipleOf": 0.01})]


class SchemeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        **given("unit_id", "group", exactly_one=True), "examples": [
        {"region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
         "name": "夏村镇机关干部",
         "definition": {"indicators": [{"code": "de", "name": "德", "weight": "0.3"},
                                       {"code": "ji", "name": "绩", "weight": "0.7"}],
                        "raters": {"share": "0.2",
                                   "groups": {"leadership": "0.4",
                                              "middle": "0.3",
                                              "staff": "0.2",
                                              "non_staff": "0.1"}},
                        "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"}},
                                        "bonus_total": "4",
                                        "deduction_total": "10"},
                        "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"}},
                        "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
                        "thresholds": [{"grade": "poor", "below": "60"}]}}]})
    region_id: uuid.UUID
    unit_id: uuid.UUID | None = Field(default=None, description="a unit's scheme; or give group")
    group: str | None = Field(default=None, min_length=1, max_length=64,
                              description="an evaluation group of the region spanning units")
    lead_unit_id: uuid.UUID | None = Field(
        default=None, description="with group: the group's lead unit (the supervising department of a merged "
                                  "group), a unit of the region in the group; its administrator runs the scheme")
    staff_category: str | None = Field(default=None, max_length=32,
                                       description="only people of this staff category are evaluated")
    name: str = Field(min_length=1, max_length=200)
    definition: SchemeDefinition

    @model_validator(mode="after")
    def _one_scope(self) -> SchemeCreate:
        if (self.unit_id is None) == (self.group is None):
            raise ValueError("give exactly one of unit_id and group")
        return self


class SchemeUpdate(BaseModel):
    """What a region's administrator changes on a scheme, outside its versioned rules; left out:
    unchanged."""
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"lead_unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050"}]})
    lead_unit_id: uuid.UUID | None = Field(
        default=None, description="a group's scheme: its lead unit (a unit of the region in the group), whose "
                                  "administrator then runs the scheme; null: none, the region runs it")


class VersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"definition": {"indicators": [{"code": "de", "name": "德", "weight": "0.3"},
                                       {"code": "ji", "name": "绩", "weight": "0.7"}],
                        "raters": {"share": "0.2",
                                   "groups": {"leadership": "0.4",
                                              "middle": "0.3",
                                              "staff": "0.2",
                                              "non_staff": "0.1"}},
                        "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"}},
                                        "bonus_total": "4",
                                        "deduction_total": "10"},
                        "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"}},
                        "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
                        "thresholds": [{"grade": "poor", "below": "60"}]}}]})
    definition: SchemeDefinition


class SchemeRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
         "group": None,
         "lead_unit_id": None,
         "staff_category": "staff",
         "name": "夏村镇机关干部",
         "created_at": "2025-07-01T09:30:00Z",
         "created_by": "admin",
         "version": 1,
         "version_created_at": "2025-07-01T09:30:00Z",
         "definition": {"indicators": [{"code": "de", "name": "德", "weight": "0.3"},
                                       {"code": "ji", "name": "绩", "weight": "0.7"}],
                        "raters": {"share": "0.2",
                                   "groups": {"leadership": "0.4",
                                              "middle": "0.3",
                                              "staff": "0.2",
                                              "non_staff": "0.1"}},
                        "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"}},
                                        "bonus_total": "4",
                                        "deduction_total": "10"},
                        "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"}},
                        "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
                        "thresholds": [{"grade": "poor", "below": "60"}]},
         "state": "approved",
         "state_at": "2025-07-01T09:30:00Z"}]})
    id: uuid.UUID
    region_id: uuid.UUID
    unit_id: uuid.UUID | None
    group: str | None
    lead_unit_id: uuid.UUID | None
    staff_category: str | None
    name: str
    created_at: datetime
    created_by: str | None = Field(description="the account that made it (null for a person the scheme evaluates)")
    version: int
    version_created_at: datetime
    definition: dict[str, Any]
    state: str = Field(description="the version's review: draft (a unit's, not submitted), submitted, returned or "
                                   "approved; only an approved version opens rounds and closes periods")
    state_at: datetime


class SchemePage(Page[SchemeRead]):
    """The schemes the caller may see, oldest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(SchemeRead))


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: uuid.UUID
    indicator: str = Field(min_length=1, max_length=32)
    mark: Mark


class MarksPut(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"marks": [{"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee", "indicator": "de", "mark": "86.5"}]}]})
    marks: list[MarkIn] = Field(min_length=1, max_length=50_000)
    reason: str | None = Field(default=None, min_length=1, max_length=2000,
                               description="why marks already given are changed: kept in the period's changes "
                                           "beside each changed mark's old value")


class Counted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"stored": 1}]})
    stored: int


class AdjustmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
         "item": "honour",
         "points": "2",
         "evidence": "某委发〔2025〕12号",
         "approved_by": "镇党委"}]})
    person_id: uuid.UUID
    item: str = Field(min_length=1, max_length=64)
    points: Annotated[Decimal, Field(gt=0, le=1000, decimal_places=2, json_schema_extra={"multipleOf": 0.01})] = Field(
        description="positive; the catalogue item says whether it adds or takes off")
    evidence: str = Field(min_length=1, max_length=2000)
    approved_by: str = Field(min_length=1, max_length=128, description="who approved the item")


class AdjustmentRead(NamedRow):
    """person_id (and the names): the person the item is about."""
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
         "staff_no": "X-001",
         "name": "王芳",
         "unit_name": "夏村镇",
         "section_id": "d1c19927-e254-5926-ac1a-2b8de7c3ea94",
         "section_name": "党政办",
         "id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "period": "2025Q2",
         "item": "honour",
         "points": "2",
         "evidence": "某委发〔2025〕12号",
         "approved_by": "镇党委",
         "created_at": "2025-07-01T09:30:00Z",
         "created_by": "admin",
         "voided_at": "2025-07-01T09:30:00Z",
         "voided_by": "admin",
         "void_reason": "重复录入"}]})
    id: uuid.UUID
    period: str
    item: str
    points: Decimal
    evidence: str
    approved_by: str
    created_at: datetime
    created_by: str
    voided_at: datetime | None = Field(default=None, description="set: voided, and left out of every close")
    voided_by: str | None = None
    void_reason: str | None = None


class AdjustmentPage(Page[AdjustmentRead]):
    """A period's bonus and deduction items, oldest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(AdjustmentRead))


class NegativeEventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee", "item": "honour", "note": "已核实"}]})
    person_id: uuid.UUID
    item: str = Field(min_length=1, max_length=64)
    note: str = Field(min_length=1, max_length=2000)


class NegativeEventRead(NamedRow):
    """person_id (and the names): the person the item is about."""
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
         "staff_no": "X-001",
         "name": "王芳",
         "unit_name": "夏村镇",
         "section_id": "d1c19927-e254-5926-ac1a-2b8de7c3ea94",
         "section_name": "党政办",
         "id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "period": "2025Q2",
         "item": "honour",
         "note": "已核实",
         "created_at": "2025-07-01T09:30:00Z",
         "created_by": "admin",
         "voided_at": "2025-07-01T09:30:00Z",
         "voided_by": "admin",
         "void_reason": "重复录入"}]})
    id: uuid.UUID
    period: str
    item: str
    note: str
    created_at: datetime
    created_by: str
    voided_at: datetime | None = Field(default=None, description="set: voided, and left out of every close")
    voided_by: str | None = None
    void_reason: str | None = None


class NegativeEventPage(Page[NegativeEventRead]):
    """A period's negative-list events, oldest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(NegativeEventRead))
