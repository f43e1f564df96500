"""The honours ledger as the API takes and gives it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from records import examples as ex
from shared.labels import label_of
from shared.openapi import given
from shared.pagination import Page

Level = Literal["national", "provincial", "city", "county", "township"]
LEVEL_NAMES = {"national": "国家级", "provincial": "省级", "city": "市级", "county": "县级", "township": "乡镇级"}
LEVEL_FIELD = Field(description="national 国家级, provincial 省级, city 市级, county 县级, township 乡镇级")


class HonourCreate(BaseModel):
    """An honour of a person or of a unit: exactly one of ``person_id`` and ``unit_id``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={**given("person_id", "unit_id", exactly_one=True),
                                                                 **ex.of(ex.HONOUR_CREATE)})
    person_id: uuid.UUID | None = Field(default=None, description="the person honoured (or give unit_id)")
    unit_id: uuid.UUID | None = Field(default=None, description="the unit honoured (or give person_id)")
    title: str = Field(min_length=1, max_length=200, examples=["全县优秀共产党员"])
    level: Level = LEVEL_FIELD
    level_label: ClassVar[Any] = label_of("honour_level", "level")
    awarded_on: date = Field(description="the day of the award; not after today (KAOHE_TIME_ZONE)")
    awarded_by: str = Field(min_length=1, max_length=200, description="the awarding body", examples=["中共某县委"])
    evidence: str = Field(min_length=1, max_length=5_000, description="the document number or text",
                          examples=["某委发〔2025〕12号"])


class HonourVoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.HONOUR_VOID))
    reason: str = Field(min_length=1, max_length=2_000)


class HonourRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra=ex.of(ex.HONOUR))
    id: uuid.UUID
    person_id: uuid.UUID | None = Field(description="the person honoured; null for a unit's honour")
    unit_id: uuid.UUID = Field(description="the unit honoured, or the person's unit on the day of the award")
    title: str
    level: Level = LEVEL_FIELD
    level_label: ClassVar[Any] = label_of("honour_level", "level")
    awarded_on: date
    awarded_by: str
    evidence: str
    recorded_by: str
    recorded_at: datetime
    voided_at: datetime | None = Field(default=None, description="voided honours are kept and no longer count")
    voided_by: str | None = None
    void_reason: str | None = None


class HonourPage(Page[HonourRead]):
    """Honours, in award order."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.page(ex.HONOUR)))
    total: int
