from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from records import examples as ex
from shared.change_feed import FeedCursor, Tombstone, feed_examples
from shared.labels import label_of
from shared.pagination import Page

UnitKind = Literal["township", "street", "department", "institution"]
StaffCategory = Literal["leadership", "middle", "staff", "non_staff"]


def _documented_without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def left_out_or_set(value: object) -> object:
    """For a PATCH field that may be left out but not cleared: an explicit null is a 422, not a 500."""
    if value is None:
        raise ValueError("may be left out, but not null")
    return value


# A PATCH field that may be left out but not set to null: documented as its type alone.
UNSET: Any = Field(default=None, json_schema_extra=_documented_without_default)


class RegionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.REGION_CREATE))
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=128)
    parent_id: uuid.UUID | None = None


class RegionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra=ex.of(ex.REGION))
    id: uuid.UUID
    code: str
    name: str
    parent_id: uuid.UUID | None
    staff_no_width: int | None = Field(description="how many digits the region's staff numbers have (see settings)")


class RegionPage(Page[RegionRead]):
    """Regions, by code."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.listed(ex.REGION)))


class RegionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.REGION_SETTINGS))
    staff_no_width: int | None = Field(ge=1, le=32, description=(
        "how many digits the region's staff numbers have: an imported staff number that a spreadsheet turned "
        "into a number (000123 → 123) is padded back to it; null: such a number must match as it is"))


class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.UNIT_CREATE))
    region_id: uuid.UUID
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=128)
    kind: UnitKind
    evaluation_group: str | None = Field(default=None, max_length=64,
                                         description="units sharing a group are graded and pooled together")


class UnitUpdate(BaseModel):
    """Fields left out keep their value; ``evaluation_group: null`` takes the unit out of its group."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.UNIT_UPDATE))
    name: Annotated[str, Field(min_length=1, max_length=128)] | SkipJsonSchema[None] = UNSET
    kind: UnitKind | SkipJsonSchema[None] = UNSET
    evaluation_group: str | None = Field(default=None, max_length=64)

    _not_null = field_validator("name", "kind")(left_out_or_set)


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra=ex.of(ex.UNIT))
    id: uuid.UUID
    region_id: uuid.UUID
    code: str
    name: str
    kind: str
    kind_label: ClassVar[Any] = label_of("unit_kind", "kind")
    evaluation_group: str | None


class UnitPage(Page[UnitRead]):
    """Units, by code."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.listed(ex.UNIT)))


class SectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.SECTION_CREATE))
    name: str = Field(min_length=1, max_length=128)
    coefficient: Decimal | None = Field(default=None, gt=0, le=10)


class SectionUpdate(BaseModel):
    """Fields left out keep their value; ``coefficient: null`` leaves the section without one (a
    scheme by section then gives its people the scheme's default)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.SECTION_UPDATE))
    name: Annotated[str, Field(min_length=1, max_length=128)] | SkipJsonSchema[None] = UNSET
    coefficient: Decimal | None = Field(default=None, gt=0, le=10, description="科室系数, e.g. 1.2")

    _not_null = field_validator("name")(left_out_or_set)


class SectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra=ex.of(ex.SECTION))
    id: uuid.UUID
    unit_id: uuid.UUID
    name: str
    coefficient: Decimal | None


class SectionPage(Page[SectionRead]):
    """A unit's sections, by name."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.listed(ex.SECTION)))


class PlacementIn(BaseModel):
    """Where a person works from a date on."""

    model_config = ConfigDict(extra="forbid")
    unit_id: uuid.UUID
    section_id: uuid.UUID | None = None
    staff_category: StaffCategory
    post: str | None = Field(default=None, min_length=1, max_length=64, description="the post (岗位), e.g. 综合文字岗")
    active_from: date


class PersonCreate(PlacementIn):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.PERSON_CREATE))
    staff_no: str = Field(min_length=1, max_length=32, description="the person's staff number (natural key)")
    name: str = Field(min_length=1, max_length=64)
    active_to: date | None = Field(default=None, description="the last day of the placement, not before "
                                                             "active_from (checked after the unit and section)")


class PersonMoveIn(BaseModel):
    """A roster change: transfer to another unit/section/category from ``on``, or leave."""

    # a move names the unit moved to; a leave need not
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["leave"], "properties": {"leave": {"const": True}}},
        {"required": ["unit_id"], "properties": {"unit_id": {"type": "string", "format": "uuid"}}},
    ], **ex.of(ex.PERSON_MOVE, ex.PERSON_LEAVE)})
    on: date = Field(description="first day in the new placement, or first day gone")
    leave: bool = False
    unit_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None
    staff_category: StaffCategory | None = None
    post: str | None = Field(default=None, min_length=1, max_length=64,
                             description="the post (岗位) in the new placement (none if left out)")

    @model_validator(mode="after")
    def _target(self) -> PersonMoveIn:
        if not self.leave and self.unit_id is None:
            raise ValueError("a move needs unit_id unless it is a leave")
        return self


class Placement(BaseModel):
    """Where a person is placed, from when to when: a unit, a section, a staff category and a post."""
    unit_id: uuid.UUID
    section_id: uuid.UUID | None
    staff_category: str
    staff_category_label: ClassVar[Any] = label_of("staff_category", "staff_category")
    post: str | None
    active_from: date
    active_to: date | None


class AssignmentRead(Placement):
    model_config = ConfigDict(from_attributes=True)


class PersonRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.PERSON))
    id: uuid.UUID
    staff_no: str
    name: str
    history: list[AssignmentRead]


class _PlacedPerson(BaseModel):
    id: uuid.UUID = Field(description="the placement's id (a tombstone of `updated_after` names it)")
    person_id: uuid.UUID
    staff_no: str
    name: str


class MemberRead(Placement, _PlacedPerson):  # the person's fields first
    model_config = ConfigDict(json_schema_extra=ex.of(ex.MEMBER))


class MemberPage(Page[MemberRead]):
    """A unit's members in a period, by staff number."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.page(ex.MEMBER)))
    total: int


class MemberChanges(Page[MemberRead | Tombstone], FeedCursor):
    """A unit's placements changed since `updated_after`, in change order; gone ones as tombstones."""

    model_config = ConfigDict(json_schema_extra=feed_examples(MemberRead))


class UnitHeadcount(BaseModel):
    unit_id: uuid.UUID
    code: str
    name: str
    kind: str
    kind_label: ClassVar[Any] = label_of("unit_kind", "kind")
    evaluation_group: str | None
    headcount: int


class HeadcountsRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.HEADCOUNTS))
    region_id: uuid.UUID
    on: date | None = Field(default=None, description="the day counted (asked with `on` or `year`)")
    period: str | None = Field(default=None, description="the period whose scope is counted (asked with `period`)")
    min_share: Decimal | None = Field(default=None, description="the share of the period a person is on a unit's "
                                                                "roster to be counted there")
    units: list[UnitHeadcount]
