from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scoring.definitions import SchemeDefinition
from scoring.examples import AT, CREATED, DEFINITION, ID, NAMED, PERSON_ID, REGION_ID, UNIT_ID, VOIDED
from scoring.results.schemas import NamedRow
from shared.openapi import given, page_examples
from shared.pagination import Page

Mark = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2, json_schema_extra={"multipleOf": 0.01})]


class SchemeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        **given("unit_id", "group", exactly_one=True), "examples": [
        {"region_id": REGION_ID,
         "unit_id": UNIT_ID,
         "name": "夏村镇机关干部",
         "definition": DEFINITION}]})
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
        {"lead_unit_id": UNIT_ID}]})
    lead_unit_id: uuid.UUID | None = Field(
        default=None, description="a group's scheme: its lead unit (a unit of the region in the group), whose "
                                  "administrator then runs the scheme; null: none, the region runs it")


class VersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"definition": DEFINITION}]})
    definition: SchemeDefinition


class SchemeRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": ID,
         "region_id": REGION_ID,
         "unit_id": UNIT_ID,
         "group": None,
         "lead_unit_id": None,
         "staff_category": "staff",
         "name": "夏村镇机关干部",
         "created_at": AT,
         "created_by": "admin",
         "version": 1,
         "version_created_at": AT,
         "definition": DEFINITION,
         "state": "approved",
         "state_at": AT}]})
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
        {"marks": [{"person_id": PERSON_ID, "indicator": "de", "mark": "86.5"}]}]})
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
        {"person_id": PERSON_ID,
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
        {**NAMED,
         "id": ID,
         "period": "2025Q2",
         "item": "honour",
         "points": "2",
         "evidence": "某委发〔2025〕12号",
         "approved_by": "镇党委",
         **CREATED, **VOIDED}]})
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
        {"person_id": PERSON_ID, "item": "honour", "note": "已核实"}]})
    person_id: uuid.UUID
    item: str = Field(min_length=1, max_length=64)
    note: str = Field(min_length=1, max_length=2000)


class NegativeEventRead(NamedRow):
    """person_id (and the names): the person the item is about."""
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {**NAMED,
         "id": ID,
         "period": "2025Q2",
         "item": "honour",
         "note": "已核实",
         **CREATED, **VOIDED}]})
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
