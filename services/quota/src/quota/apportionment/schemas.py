from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from quota import examples as ex
from quota.domain.apportion import MAX_SEATS, METHOD_NAMES

Seats = Annotated[int, Field(ge=0)]


class ApportionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.APPORTION_REQUEST))

    method: str = Field(description="hamilton, jefferson, webster, huntington_hill, adams, dean; "
                                    "aliases largest_remainder, dhondt, sainte_lague",
                        json_schema_extra={"enum": [*METHOD_NAMES]})
    seats: int = Field(ge=0, description="whole seats to share", json_schema_extra={"maximum": MAX_SEATS})
    populations: dict[str, int] = Field(description="unit id -> population (headcount), at least 0",
                                        json_schema_extra={"minProperties": 1, "additionalProperties": {
                                            "type": "integer", "minimum": 0}})
    min_seats: Seats | dict[str, Seats] | None = Field(
        default=None, description="a minimum for every unit, or per unit id (an id of `populations`)")
    max_seats: dict[str, Seats] | None = Field(default=None,
                                               description="a maximum per unit id (an id of `populations`)")


class TieRead(BaseModel):
    contenders: list[str]
    winners: list[str]
    priority: str = Field(description="the exact priority (or remainder) they tied on")
    rule: str


class ApportionRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.APPORTION))
    method: str
    seats: dict[str, int]
    ties: list[TieRead]
