from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from scoring.examples import NAMED
from scoring.results.schemas import NamedRow
from shared.hostile import WORDS_PATTERN
from shared.labels import label_of, labels_of
from shared.openapi import given, page_examples
from shared.pagination import Page


class RaterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rater_id: uuid.UUID = Field(description="the rater's person id")
    group: str = Field(min_length=1, max_length=64, description="one of the scheme's rater groups")


class RoundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"raters": [{"rater_id": "cdc6644b-0d10-5cde-a55c-d9122d566239", "group": "leadership"}]}]})
    raters: list[RaterIn] = Field(default_factory=list, max_length=50_000,
                                  description="the raters with an account; none only where the scheme has an "
                                              "outside group (its raters rate with codes the round issues)")
    closes_at: AwareDatetime | None = Field(default=None, description="the deadline: no ballot is taken after it "
                                                                      "(none: until the round is closed)")


class RoundRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
         "period": "2025Q2",
         "status": "open",
         "opened_at": "2025-07-01T09:30:00Z",
         "closed_at": "2025-07-01T09:30:00Z",
         "closes_at": "2025-07-01T09:30:00Z",
         "raters_by_group": {"leadership": 5, "staff": 37},
         "people": 42,
         "ratings": 1596,
         "voted_by_group": {"leadership": 5, "staff": 33}}]})
    id: uuid.UUID
    scheme_id: uuid.UUID
    period: str
    status: str
    status_label: ClassVar[Any] = label_of("round_status", "status")
    opened_at: datetime
    closed_at: datetime | None
    closes_at: datetime | None = Field(default=None, description="the deadline for ballots, if any")
    raters_by_group: dict[str, int]
    raters_by_group_labels: ClassVar[Any] = labels_of("rater_group", "raters_by_group")
    people: int
    ratings: int
    voted_by_group: dict[str, int] | None = Field(
        default=None, description="for the scheme's administrators: how many raters of each group have voted "
                                  "(never what anyone gave)")


MarkIn = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2, json_schema_extra={"multipleOf": 0.01})]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=given("mark", "dimensions", exactly_one=True))
    person_id: uuid.UUID
    mark: MarkIn | None = Field(default=None, description="the mark (a scheme without rating dimensions)")
    dimensions: dict[str, MarkIn] | None = Field(
        default=None, max_length=20, description="a mark per dimension of the scheme (code → mark), instead of "
                                                 "mark: the rating is their weighted sum")

    @model_validator(mode="after")
    def _one_way(self) -> RatingIn:
        if (self.mark is None) == (self.dimensions is None):
            raise ValueError("give either mark or dimensions")
        return self


class RatingsPut(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rater_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
         "on_behalf": True,
         "ratings": [{"person_id": "0b8f5f2e-3c1a-5d7e-9a41-6f2d8c9e1b30", "mark": "90"}]}]})
    rater_id: uuid.UUID | None = Field(default=None, description="the rater: the caller (default), or with "
                                                                  "on_behalf the rater whose paper ballot this is")
    on_behalf: bool = Field(default=False, description="an administrator of the scheme keys in the paper ballot of "
                                                       "rater_id (a rater of the round); recorded on the ballot")
    ratings: list[RatingIn] = Field(min_length=1, max_length=5_000)


class MyRating(NamedRow):
    """One of the caller's own marks, about person_id (named)."""
    model_config = ConfigDict(json_schema_extra={"examples": [
        {**NAMED,
         "mark": "86.50",
         "dimensions": {"de": "90", "ji": "85"}}]})

    mark: Decimal
    dimensions: dict[str, Decimal] | None = None


class MyRatingPage(Page[MyRating]):
    """The caller's own marks in a round, by person."""

    model_config = ConfigDict(json_schema_extra=page_examples(MyRating))


class CodesCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"group": "leadership", "count": 1}]})
    group: str = Field(min_length=1, max_length=64, description="one of the scheme's outside rater groups")
    count: int = Field(ge=1, le=5_000, description="how many one-time codes to issue")


class CodesIssued(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"group": "leadership", "codes": ["de"]}]})
    group: str
    codes: list[str] = Field(description="shown this once: only their digests are kept")


class CodeCount(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"issued": 1, "used": 1}]})
    issued: int
    used: int


class CodeBallot(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"code": "7KQ2-M9XD",
         "ratings": [{"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee", "mark": "90"},
                     {"person_id": "0b8f5f2e-3c1a-5d7e-9a41-6f2d8c9e1b30", "mark": "85"}]}]})
    code: str = Field(min_length=1, max_length=64, description="the one-time rating code")
    ratings: list[RatingIn] = Field(min_length=1, max_length=5_000)


class Stored(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"stored": 1, "rater_id": "cdc6644b-0d10-5cde-a55c-d9122d566239", "on_behalf": False}]})
    stored: int
    rater_id: uuid.UUID | None = Field(default=None, description="whose ballot was written")
    on_behalf: bool = Field(default=False, description="keyed in by an administrator on the rater's behalf")


# ------------------------------------------------------------------ corrections

# a reason is words, not only spaces: the document says so with a pattern (and, as every text, no control
# character but tab and line breaks)
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500,
                                          pattern=WORDS_PATTERN)]


class DeadlineMove(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"closes_at": "2025-07-01T09:30:00Z", "reason": "录入有误，更正"}]})
    closes_at: AwareDatetime | None = Field(description="the new deadline, in the future (null: none)")
    reason: Reason


class RatersAdd(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"raters": [{"rater_id": "cdc6644b-0d10-5cde-a55c-d9122d566239", "group": "leadership"}],
         "reason": "录入有误，更正"}]})
    raters: list[RaterIn] = Field(min_length=1, max_length=5_000)
    reason: Reason


class RaterReplace(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rater_id": "cdc6644b-0d10-5cde-a55c-d9122d566239", "reason": "录入有误，更正"}]})
    rater_id: uuid.UUID = Field(description="the rater who rates instead, in the same group")
    reason: Reason


class PeopleAdd(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"people": ["f6623fb8-4452-54f3-8fdf-5463c64bf10e"], "reason": "录入有误，更正"}]})
    people: list[uuid.UUID] = Field(min_length=1, max_length=5_000, description="people of the scheme to be rated")
    reason: Reason


class Reopen(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "录入有误，更正"}]})
    reason: Reason
    closes_at: AwareDatetime | None = Field(default=None, description="a new deadline, in the future (none: the "
                                                                      "round keeps the one it had)")


class PersonNamed(NamedRow):
    """A person a round's correction names by id (a rater or a rated person), with their names."""


class RoundChangeRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 1,
         "what": "marks",
         "reason": "录入有误，更正",
         "old": {},
         "new": {},
         "changed_at": "2025-07-01T09:30:00Z",
         "changed_by": "admin",
         "people": [{"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
                     "staff_no": "X-001",
                     "name": "王芳",
                     "unit_name": "夏村镇",
                     "section_id": "d1c19927-e254-5926-ac1a-2b8de7c3ea94",
                     "section_name": "党政办"}]}]})
    id: int
    what: str = Field(description="deadline_moved, rater_added, rater_removed, rater_replaced, person_added, "
                                  "person_removed or reopened")
    reason: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    changed_at: datetime
    changed_by: str
    people: list[PersonNamed] = Field(default_factory=list, description=(
        "the raters and rated people old and new name by id (rater_id, person_id), with their names"))


class RoundChangePage(Page[RoundChangeRead]):
    """The corrections of a round, oldest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(RoundChangeRead))
