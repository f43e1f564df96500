from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from scoring.results.schemas import NamedRow
from shared.labels import label_of, labels_of
from shared.pagination import Page


class RaterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rater_id: uuid.UUID = Field(description="the rater's person id")
    group: str = Field(min_length=1, max_length=64, description="one of the scheme's rater groups")


class RoundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    raters: list[RaterIn] = Field(default_factory=list, max_length=50_000,
                                  description="the raters with an account; none only where the scheme has an "
                                              "outside group (its raters rate with codes the round issues)")
    closes_at: AwareDatetime | None = Field(default=None, description="the deadline: no ballot is taken after it "
                                                                      "(none: until the round is closed)")


class RoundRead(BaseModel):
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


MarkIn = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2)]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
    model_config = ConfigDict(extra="forbid")
    rater_id: uuid.UUID | None = Field(default=None, description="the rater: the caller (default), or with "
                                                                  "on_behalf the rater whose paper ballot this is")
    on_behalf: bool = Field(default=False, description="an administrator of the scheme keys in the paper ballot of "
                                                       "rater_id (a rater of the round); recorded on the ballot")
    ratings: list[RatingIn] = Field(min_length=1, max_length=5_000)


class MyRating(NamedRow):
    """One of the caller's own marks, about person_id (named)."""

    mark: Decimal
    dimensions: dict[str, Decimal] | None = None


class MyRatingPage(Page[MyRating]):
    """The caller's own marks in a round, by person."""


class CodesCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str = Field(min_length=1, max_length=64, description="one of the scheme's outside rater groups")
    count: int = Field(ge=1, le=5_000, description="how many one-time codes to issue")


class CodesIssued(BaseModel):
    group: str
    codes: list[str] = Field(description="shown this once: only their digests are kept")


class CodeCount(BaseModel):
    issued: int
    used: int


class CodeBallot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, description="the one-time rating code")
    ratings: list[RatingIn] = Field(min_length=1, max_length=5_000)


class Stored(BaseModel):
    stored: int
    rater_id: uuid.UUID | None = Field(default=None, description="whose ballot was written")
    on_behalf: bool = Field(default=False, description="keyed in by an administrator on the rater's behalf")


# ------------------------------------------------------------------ corrections

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class DeadlineMove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    closes_at: AwareDatetime | None = Field(description="the new deadline, in the future (null: none)")
    reason: Reason


class RatersAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    raters: list[RaterIn] = Field(min_length=1, max_length=5_000)
    reason: Reason


class RaterReplace(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rater_id: uuid.UUID = Field(description="the rater who rates instead, in the same group")
    reason: Reason


class PeopleAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    people: list[uuid.UUID] = Field(min_length=1, max_length=5_000, description="people of the scheme to be rated")
    reason: Reason


class Reopen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason
    closes_at: AwareDatetime | None = Field(default=None, description="a new deadline, in the future (none: the "
                                                                      "round keeps the one it had)")


class PersonNamed(NamedRow):
    """A person a round's correction names by id (a rater or a rated person), with their names."""


class RoundChangeRead(BaseModel):
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
