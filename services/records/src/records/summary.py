"""Period summaries for scoring: a whole unit (or evaluation group) in one call."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from records import examples as ex
from records import scope
from records.attendance.models import STATUSES
from records.config import SettingsDep
from records.roster.models import Unit
from records.roster.router import PeriodDep
from records.summary_statement import FIELDS, PREPARE, SummaryOrder, summary_sql
from records.summary_statement import parameters as statement_parameters
from shared.business_time import DEFAULT_TIME_ZONE
from shared.db import StreamingSessionDep
from shared.errors import NotFound, Unprocessable
from shared.http import NDJSON
from shared.openapi_inputs import PATH_SEGMENT
from shared.periods import DEFAULT_MIN_SHARE, Period, min_days
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records", tags=["summaries"])


def _only_person_id_required(schema: dict[str, Any]) -> None:
    schema["required"] = ["person_id"]


class PersonSummary(BaseModel):
    """One person's period summary: every field, or with ``fields`` only those (and person_id)."""

    # every field is in every answer unless the request's ``fields`` names some
    model_config = ConfigDict(json_schema_extra=_only_person_id_required)

    person_id: uuid.UUID
    staff_no: str
    name: str
    unit_id: uuid.UUID
    section_id: uuid.UUID | None
    section_name: str | None
    section_coefficient: Decimal | None = Field(
        description="the section's coefficient (科室系数), for a base score by section; null: none set")
    post: str | None = Field(description="the post (岗位) of the latest placement, if the roster names one")
    staff_category: str
    days_in_period: int
    weeks_due: int
    weeks_submitted: int
    weeks_on_time: int
    months_due: int
    monthly_reports: int
    reports_on_time: int = Field(description="monthly reports submitted by the deadline day of their month "
                                             "(report_deadline_day)")
    mean_leader_mark: Decimal | None
    tasks: int
    task_load: Decimal
    task_completion: Decimal | None
    attendance: dict[str, int]
    leave_days_in_year: int | None = Field(
        description="sick and personal leave in the period's calendar year, in any unit; null when asked "
                    "without it (leave_in_year=false)")


class PeriodSummary(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.SUMMARY))
    period: str
    unit_ids: list[uuid.UUID]
    people: list[PersonSummary]


def mondays(start: date, end: date) -> int:
    """ISO weeks whose Monday falls between start and end (inclusive): the weekly records due."""
    if end < start:
        return 0
    first = start + timedelta(days=(7 - start.weekday()) % 7)
    return 0 if first > end else (end - first).days // 7 + 1




@dataclass(frozen=True)
class Deadlines:
    """When a record is on time (a scheme's setting, passed by scoring): a weekly record by the end
    of ``log_deadline_days`` after its week's Sunday (1: the Monday after, a weekend's grace); a
    monthly report by the end of day ``report_deadline_day`` of its month (Xiacun: achievements
    declared by the 25th; 31: the month's last day, whatever its length). Local days, in the
    regions' time zone."""

    log_deadline_days: int = 1
    report_deadline_day: int = 31


async def _summary_statement(session: AsyncSession, unit_ids: list[uuid.UUID], period: Period, *,
                          leave_in_year: bool, fields: Sequence[str], order: SummaryOrder, deadlines: Deadlines,
                          min_share: Decimal | Fraction, zone: str) -> tuple[Any, str, tuple[Any, ...]]:
    """The session's asyncpg connection, in a transaction with the statement's settings, the
    statement and its arguments."""
    parameters = statement_parameters(unit_ids, period)
    connection = await session.connection()
    # through SQLAlchemy, which begins the transaction the settings are local to
    prepared = await connection.exec_driver_sql(
        PREPARE, (parameters[3], parameters[4], list(STATUSES), deadlines.log_deadline_days, zone))
    settings: Sequence[Any] = prepared.one()
    statuses, week_deadlines, bytewise = settings[0], settings[1], settings[2]
    driver: Any = (await connection.get_raw_connection()).driver_connection
    return driver, summary_sql(statuses, bytewise, fields, order), (
        *parameters, week_deadlines, leave_in_year and "leave_days_in_year" in fields, min_days(period, min_share),
        deadlines.log_deadline_days, deadlines.report_deadline_day, zone)


async def summary_json(session: AsyncSession, unit_ids: list[uuid.UUID], period: Period, *,
                       leave_in_year: bool = True, fields: Sequence[str] = FIELDS,
                       order: SummaryOrder = "staff_no", deadlines: Deadlines = Deadlines(),
                       min_share: Decimal | Fraction = DEFAULT_MIN_SHARE, zone: str = DEFAULT_TIME_ZONE) -> bytes:
    """The period summary of the units' people in its scope (``shared.periods.in_scope_of`` with
    ``min_share``) as the JSON body of the summary routes."""
    driver, sql, arguments = await _summary_statement(session, unit_ids, period, leave_in_year=leave_in_year,
                                                   fields=fields, order=order, deadlines=deadlines,
                                                   min_share=min_share, zone=zone)
    rows = await driver.fetch(sql, *arguments)
    return b"".join([b'{"period":', orjson.dumps(period.code), b',"unit_ids":',
                     orjson.dumps([str(u) for u in unit_ids]), b',"people":[',
                     b",".join([row[0] for row in rows]), b"]}"])


#: people a piece of the lines' answer: a province's summary goes out as its statement makes it
LINES_AT_ONCE = 2000


async def summary_lines(session: AsyncSession, unit_ids: list[uuid.UUID], period: Period, *,
                        leave_in_year: bool = True, fields: Sequence[str] = FIELDS,
                        order: SummaryOrder = "staff_no", deadlines: Deadlines = Deadlines(),
                        min_share: Decimal | Fraction = DEFAULT_MIN_SHARE,
                        zone: str = DEFAULT_TIME_ZONE) -> AsyncIterator[bytes]:
    """The same people as ``summary_json``, each person's object on a line of its own, in pieces as
    the statement gives them: a caller reads the first while the last are made, and neither side
    holds the whole answer. ``session`` stays open until the last piece is sent
    (``StreamingSessionDep``). The statement has run to its first rows before this returns, so that
    what fails there still answers as a problem; a failure after that cuts the answer short (its
    chunked framing unfinished), which the caller sees as a broken answer, never as a short one."""
    driver, sql, arguments = await _summary_statement(session, unit_ids, period, leave_in_year=leave_in_year,
                                                   fields=fields, order=order, deadlines=deadlines,
                                                   min_share=min_share, zone=zone)
    cursor = await driver.cursor(sql, *arguments)
    first = await cursor.fetch(LINES_AT_ONCE)

    async def pieces() -> AsyncIterator[bytes]:
        rows = first
        while rows:
            yield b"".join([line for row in rows for line in (row[0], b"\n")])
            rows = await cursor.fetch(LINES_AT_ONCE) if len(rows) == LINES_AT_ONCE else []
    return pieces()


async def summary_answer(session: AsyncSession, unit_ids: list[uuid.UUID], period: Period, lines: bool,
                         **options: Any) -> Response:
    """The summary routes' answer: the JSON document, or the people as JSON lines (``lines``)."""
    if lines:
        return StreamingResponse(await summary_lines(session, unit_ids, period, **options), media_type=NDJSON)
    return Response(await summary_json(session, unit_ids, period, **options), media_type="application/json")


def lines_asked(accept: Annotated[str | None, Header(include_in_schema=False)] = None) -> bool:
    """Whether the caller accepts the people as JSON lines (and not the JSON document)."""
    return accept is not None and NDJSON in accept and "application/json" not in accept


LinesDep = Annotated[bool, Depends(lines_asked)]

#: the lines' answer in the API's description, beside the JSON document
LINES_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {NDJSON: {
    "schema": {"type": "string", "description": "one PersonSummary object a line (asked with Accept: "
                                                "application/x-ndjson)"},
    "example": orjson.dumps(ex.PERSON_SUMMARY).decode() + "\n"}}}}


LeaveInYear = Annotated[bool, Query(description="count each person's leave in the period's whole year "
                                               "(leave_days_in_year); false skips it and gives null")]


_ONE_FIELD = "|".join(FIELDS)
GroupPath = Annotated[str, Path(max_length=64, description="the evaluation group, e.g. 乡镇",
                                json_schema_extra={"pattern": PATH_SEGMENT})]


def fields_query(fields: Annotated[str | None, Query(
        max_length=1000, description="only these fields of each person, comma-separated (person_id is always "
                                     "given; the aggregates no field asked for are not computed); default: all",
        examples=["unit_id,staff_category,weeks_due,weeks_on_time"],
        json_schema_extra={"pattern": f"^({_ONE_FIELD})(,({_ONE_FIELD}))*$"})] = None) -> tuple[str, ...]:
    if fields is None:
        return FIELDS
    asked = [f.strip() for f in fields.split(",") if f.strip()]
    unknown = [f for f in asked if f not in FIELDS]
    if unknown or not asked:
        message = (f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}" if unknown
                   else "name at least one field")
        raise Unprocessable(message, code="invalid_fields", errors=[{"field": "query.fields", "message": message}])
    return tuple(f for f in FIELDS if f == "person_id" or f in asked)


FieldsDep = Annotated[tuple[str, ...], Depends(fields_query)]

Order = Annotated[SummaryOrder, Query(
    description="the people by staff number (the default) or by person id (UUID order, as a program joining "
                "them to its own data by person wants them)")]


def deadlines_query(
        log_deadline_days: Annotated[int, Query(ge=0, le=31, description=(
            "a weekly record is on time until the end of this many days after its week's Sunday (1: the "
            "Monday after)"))] = 1,
        report_deadline_day: Annotated[int, Query(ge=1, le=31, description=(
            "a monthly report is on time until the end of this day of its month (Xiacun: 25; 31: the month's "
            "last day)"))] = 31) -> Deadlines:
    return Deadlines(log_deadline_days=log_deadline_days, report_deadline_day=report_deadline_day)


DeadlinesDep = Annotated[Deadlines, Depends(deadlines_query)]


@router.get("/units/{unit_id}/summary", response_model=PeriodSummary, responses=LINES_ANSWER,
            summary="Period summary of a unit's people")
async def unit_summary(unit_id: uuid.UUID, period: PeriodDep, session: StreamingSessionDep, caller: CallerDep,
                       fields: FieldsDep, deadlines: DeadlinesDep, settings: SettingsDep,
                       lines: LinesDep, leave_in_year: LeaveInYear = True, order: Order = "staff_no") -> Response:
    """Per person in the period's scope (on the unit's roster for at least RECORDS_MIN_SHARE_OF_PERIOD of it): weekly
    records (周纪实) and monthly reports (月汇报) due, submitted and on time, the mean leader mark, task load and
    weighted completion, attendance days by status and sick and personal leave in the year. This is what scoring
    grades a period from. `fields` narrows each person to the fields named (the aggregates not asked for are not
    computed); `order=person_id` suits a program joining the rows to its own data. With `Accept:
    application/x-ndjson` the people come as JSON lines, one object a line and nothing else, sent while the rest
    are made: what a program reading a province's summary wants (an answer cut short by a failure is a broken
    chunked answer, never a short list).

    Callers: administrators and unit leaders. Errors: 404 `unit_not_found`; 422 `invalid_period`, `invalid_fields`
    for a field name that does not exist."""
    await scope.valid_unit(session, caller, unit_id)
    return await summary_answer(session, [unit_id], period, lines, leave_in_year=leave_in_year, fields=fields,
                                order=order, deadlines=deadlines, min_share=settings.min_share_of_period,
                                zone=settings.time_zone)


@router.get("/regions/{region_id}/groups/{group}/summary", response_model=PeriodSummary, responses=LINES_ANSWER,
            summary="Period summary of an evaluation group")
async def group_summary(region_id: uuid.UUID, group: GroupPath, period: PeriodDep,
                        session: StreamingSessionDep, caller: CallerDep, fields: FieldsDep, deadlines: DeadlinesDep,
                        settings: SettingsDep, lines: LinesDep, leave_in_year: LeaveInYear = True,
                        order: Order = "staff_no") -> Response:
    """The same summary for an evaluation group: the people in the period's scope of every unit of the region sharing
    the group (graded and pooled together).

    Callers: province and region administrators. Errors: 404 `region_not_found` or `group_not_found`; 422
    `invalid_period`, `invalid_fields`."""
    await scope.valid_group(session, caller, region_id, group)
    unit_ids = list(await session.scalars(select(Unit.id).where(Unit.region_id == region_id,
                                                                Unit.evaluation_group == group)))
    if not unit_ids:
        raise NotFound(f"no evaluation group {group!r} in region {region_id}", code="group_not_found")
    return await summary_answer(session, unit_ids, period, lines, leave_in_year=leave_in_year, fields=fields,
                                order=order, deadlines=deadlines, min_share=settings.min_share_of_period,
                                zone=settings.time_zone)
