from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.labels import label_of


class CalendarDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"date": "2025-06-30", "workday": False, "note": "已核实"}]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"year": 2025,
         "workdays": 1,
         "covered": False,
         "fallback": False,
         "days_off_on_weekdays": [{"date": "2025-06-30", "workday": False, "source": "hand", "note": "已核实"}],
         "working_weekends": [{"date": "2025-06-30", "workday": False, "source": "hand", "note": "已核实"}],
         "overrides": [{"date": "2025-06-30", "workday": False, "source": "hand", "note": "已核实"}]}]})
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


#: The publicity window (公示期) as the examples show it.
WINDOW: dict[str, Any] = {"opened_on": "2025-06-30", "starts_on": "2025-06-30", "ends_on": "2025-06-30",
                          "working_days": 1, "open": False, "fallback_years": [1]}


class WindowRead(BaseModel):
    opened_on: date
    starts_on: date
    ends_on: date
    working_days: int
    open: bool = Field(description="today is in the window: objections are taken")
    fallback_years: list[int] = Field(default_factory=list,
                                      description="years counted Monday to Friday (no arrangement, no override)")


class ProcedureRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
         "period": "2025Q2",
         "today": "2025-06-30",
         "started": False,
         "finished": False,
         "current": "ballots",
         "stages": [{"index": 1,
                     "code": "ballots",
                     "name": "民主测评",
                     "produces": "ballots",
                     "actor": "unit_admin",
                     "state": "current",
                     "opens": "2025-06-30",
                     "closes": "2025-06-30",
                     "working_days": 1,
                     "may_act": False,
                     "conditions": [{"code": "all_ballots",
                                     "holds": False,
                                     "detail": "38 of 42 ballots in"}]}],
         "window": WINDOW,
         "draft_close_id": "85b8c3fa-bf3c-5d46-bb07-c15d977140b3",
         "final_close_id": "323bc841-f77c-5c83-ba11-50253d484a34",
         "history": [{"stage": 1,
                      "code": "de",
                      "opened_at": "2025-07-01T09:30:00Z",
                      "opened_on": "2025-06-30",
                      "opened_by": "admin",
                      "closed_at": "2025-07-01T09:30:00Z",
                      "closed_on": "2025-06-30",
                      "closed_by": "admin",
                      "moved_back": False,
                      "reason": "录入有误，更正",
                      "missing_ballots": 1,
                      "opened_recorded_on": "2025-06-30",
                      "closed_recorded_on": "2025-06-30",
                      "late_reason": "外出培训"}]}]})
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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"on": "2025-07-03", "reason": "民主测评因防汛推迟，补记"}]})
    on: date | None = Field(default=None, description=ON + "; needs a reason")
    reason: str | None = Field(default=None, min_length=2, max_length=2000,
                               description="why the move is recorded after the day it took effect (with on only)")


class BackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "录入有误，更正"}]})
    reason: str = Field(min_length=2, max_length=2000)
    on: date | None = Field(default=None, description=ON)


class PublicRow(BaseModel):
    person_id: uuid.UUID
    name: str
    unit: str
    grade: str | None = Field(description="the proposed grade")
    grade_label: ClassVar[Any] = label_of("grade", "grade")


class PublicityRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
         "period": "2025Q2",
         "close_id": "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82",
         "version": 1,
         "window": WINDOW,
         "items": [{"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
                    "name": "夏村镇",
                    "unit": "夏村镇",
                    "grade": "good"}]}]})
    scheme_id: uuid.UUID
    period: str
    close_id: uuid.UUID
    version: int
    window: WindowRead
    items: list[PublicRow]
