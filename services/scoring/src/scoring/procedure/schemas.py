from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.labels import label_of


class CalendarDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    workday: bool
    note: str = Field(default="", max_length=200)


class CalendarDayRead(BaseModel):
    date: date
    workday: bool
    source: str = Field(description="override (a province administrator's), official (the State Council's "
                                    "arrangement) or weekdays (neither: Monday to Friday)")
    note: str = ""


class CalendarRead(BaseModel):
    year: int
    workdays: int
    covered: bool = Field(description="the official arrangement covers the year")
    fallback: bool = Field(description="some days are counted by weekdays alone (no arrangement, no override)")
    days_off_on_weekdays: list[CalendarDayRead] = Field(description="weekdays that are not working days")
    working_weekends: list[CalendarDayRead] = Field(description="weekend days that are working days (调休)")
    overrides: list[CalendarDayRead]


class ConditionRead(BaseModel):
    code: str
    code_label: ClassVar[Any] = label_of("error", "code")
    holds: bool
    detail: str


class StageRead(BaseModel):
    index: int
    code: str
    name: str
    produces: str
    produces_label: ClassVar[Any] = label_of("stage_produces", "produces")
    actor: str
    actor_label: ClassVar[Any] = label_of("stage_actor", "actor")
    state: str = Field(description="done, current or pending")
    state_label: ClassVar[Any] = label_of("stage_state", "state")
    opens: date | None
    closes: date | None = Field(description="its closing date, given or counted in working days from its opening")
    working_days: int | None
    may_act: bool = Field(description="the caller may move it on (or back)")
    conditions: list[ConditionRead] = Field(default_factory=list, description="to leave it (the current stage)")


class HistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    stage: int
    code: str
    opened_at: datetime
    opened_on: date
    opened_by: str
    closed_at: datetime | None
    closed_on: date | None
    closed_by: str | None
    moved_back: bool
    reason: str | None = Field(description="why it was moved back")
    missing_ballots: int | None
    opened_recorded_on: date = Field(description="the day its opening was recorded (opened_on: the day it took "
                                                 "effect, earlier for a move recorded afterwards)")
    closed_recorded_on: date | None = Field(description="the day its closing was recorded")
    late_reason: str | None = Field(description="why the move that opened it was recorded after the day it took "
                                                "effect")


class WindowRead(BaseModel):
    opened_on: date
    starts_on: date
    ends_on: date
    working_days: int
    open: bool = Field(description="today is in the window: objections are taken")
    fallback_years: list[int] = Field(default_factory=list,
                                      description="years counted Monday to Friday (no arrangement, no override)")


class ProcedureRead(BaseModel):
    scheme_id: uuid.UUID
    period: str
    today: date
    started: bool
    finished: bool
    current: str | None
    stages: list[StageRead]
    window: WindowRead | None
    draft_close_id: uuid.UUID | None
    final_close_id: uuid.UUID | None
    history: list[HistoryRead]


ON = ("the day the move took effect, when it is recorded afterwards (a stage run on paper): not in the future, "
      "not before the previous move; the conditions on dates are judged on it, and a publicity so entered has "
      "its window counted from it")


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: date | None = Field(default=None, description=ON + "; needs a reason")
    reason: str | None = Field(default=None, min_length=2, max_length=2000,
                               description="why the move is recorded after the day it took effect (with on only)")


class BackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=2000)
    on: date | None = Field(default=None, description=ON)


class PublicRow(BaseModel):
    person_id: uuid.UUID
    name: str
    unit: str
    grade: str | None = Field(description="the proposed grade")
    grade_label: ClassVar[Any] = label_of("grade", "grade")


class PublicityRead(BaseModel):
    scheme_id: uuid.UUID
    period: str
    close_id: uuid.UUID
    version: int
    window: WindowRead
    items: list[PublicRow]
