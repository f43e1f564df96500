from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class RaterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rater_id: uuid.UUID = Field(description="the rater's person id")
    group: str = Field(min_length=1, max_length=64, description="one of the scheme's rater groups")


class RoundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    raters: list[RaterIn] = Field(min_length=1, max_length=50_000)


class RoundRead(BaseModel):
    id: uuid.UUID
    scheme_id: uuid.UUID
    period: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    raters_by_group: dict[str, int]
    people: int
    ratings: int
    voted_by_group: dict[str, int] | None = Field(
        default=None, description="for the scheme's administrators: how many raters of each group have voted "
                                  "(never what anyone gave)")


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: uuid.UUID
    mark: Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2)]


class RatingsPut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rater_id: uuid.UUID | None = Field(default=None, description="the rater: the caller (default), or with "
                                                                  "on_behalf the rater whose paper ballot this is")
    on_behalf: bool = Field(default=False, description="an administrator of the scheme keys in the paper ballot of "
                                                       "rater_id (a rater of the round); recorded on the ballot")
    ratings: list[RatingIn] = Field(min_length=1, max_length=5_000)


class MyRating(BaseModel):
    person_id: uuid.UUID
    mark: Decimal


class Stored(BaseModel):
    stored: int
    rater_id: uuid.UUID | None = Field(default=None, description="whose ballot was written")
    on_behalf: bool = Field(default=False, description="keyed in by an administrator on the rater's behalf")
