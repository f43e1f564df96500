"""Period summaries for scoring: a whole unit (or evaluation group) in one call."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from records.attendance.models import LEAVE, STATUSES
from records.db import SCHEMA
from records.roster.models import Unit
from records.roster.router import PeriodDep
from records.roster.service import get_region_or_raise, get_unit_or_raise
from records.work_logs.service import LOCAL
from shared.db import SessionDep
from shared.errors import NotFound
from shared.periods import Period
from shared.service_auth import Caller, CallerDep

router = APIRouter(prefix="/api/v1/records", tags=["summaries"])


class PersonSummary(BaseModel):
    person_id: uuid.UUID
    staff_no: str
    name: str
    unit_id: uuid.UUID
    section_id: uuid.UUID | None
    staff_category: str
    days_in_period: int
    weeks_due: int
    weeks_submitted: int
    weeks_on_time: int
    months_due: int
    monthly_reports: int
    mean_leader_mark: Decimal | None
    tasks: int
    task_load: Decimal
    task_completion: Decimal | None
    attendance: dict[str, int]
    leave_days_in_year: int | None = Field(
        description="sick and personal leave in the period's calendar year, in any unit; null when asked "
                    "without it (leave_in_year=false)")


class PeriodSummary(BaseModel):
    period: str
    unit_ids: list[uuid.UUID]
    people: list[PersonSummary]


def mondays(start: date, end: date) -> int:
    """ISO weeks whose Monday falls between start and end (inclusive): the weekly records due."""
    if end < start:
        return 0
    first = start + timedelta(days=(7 - start.weekday()) % 7)
    return 0 if first > end else (end - first).days // 7 + 1


# One statement does the whole summary (a province's group is 200,000 people, ~90 MB of JSON):
# PostgreSQL reads each source once, aggregates it per person, joins the aggregates to the people
# and writes each person's JSON object itself; Python only joins the objects into the array. The
# JSON is byte for byte what orjson wrote from the per-person dicts this replaced: the same keys
# in the same order, UUIDs as strings, the Decimals as strings rounded half-even as Python rounds
# them (PostgreSQL's round() is half-up: _half_even), attendance as {status: count} in the
# column's collation order, the people in staff number order.
#
# Parameters: $1 the unit ids; $2, $3 the period's first and last day; $4, $5 its first and last
# ISO week as iso_year * 100 + iso_week, $6/$7 and $8/$9 the same as (iso_year, iso_week); $10/$11
# and $12/$13 its first and last month as (year, month); $14, $15 the calendar year of its first
# day; $16 the on-time deadline of each week from $4 to $5 (from _PREPARE); $17 whether to count the
# year's leave (a scan of the year's attendance for a province; a one-time false filter without it).
S = SCHEMA

#: the local day of submission is at most the Monday after the week (work_logs.service.on_time)
_ON_TIME_PER_ROW = (f"date(timezone('{LOCAL.key}', w.submitted_at)) "
                    "<= to_date(concat(w.iso_year, '-', w.iso_week, '-7'), 'IYYY-IW-ID') + 1")

#: the database collations that order text as its bytes (UTF-8: by code point), as "C" does
_BYTEWISE = ("C", "POSIX", "C.UTF-8", "C.utf8")

#: What the summary statement needs first: the statuses in the database's order (the keys of
#: attendance); the first instant after each week's due day, Beijing time, for the weeks $1 to $2
#: (NULL where the key is no ISO week): _ON_TIME_PER_ROW once a week, not once a record; whether
#: staff numbers sort as their bytes (then as COLLATE "C", which sorts faster); and, for this
#: transaction, a province's hash tables and final sort in memory and a plan made for these units
#: rather than a generic one for any (asyncpg prepares the statement once a connection).
_PREPARE = f"""
SELECT (SELECT array_agg(s ORDER BY s) FROM unnest($3::varchar[]) AS s) AS statuses,
       (SELECT array_agg(CASE WHEN k % 100 BETWEEN 1 AND 53 THEN timezone('{LOCAL.key}',
                   (to_date(concat(k / 100, '-', k % 100, '-7'), 'IYYY-IW-ID') + 2)::timestamp) END ORDER BY k)
        FROM generate_series($1::int, $2::int) AS k) AS deadlines,
       (SELECT coalesce(to_jsonb(d) ->> 'datlocprovider', 'c') = 'c' AND d.datcollate IN {_BYTEWISE}
               OR to_jsonb(d) ->> 'datlocprovider' = 'b' AND to_jsonb(d) ->> 'datlocale' IN ('C', 'C.UTF-8')
        FROM pg_database AS d WHERE d.datname = current_database())
       AND (SELECT attcollation = 100 FROM pg_attribute
            WHERE attrelid = '{S}.persons'::regclass AND attname = 'staff_no') AS bytewise,
       set_config('work_mem', '128MB', true), set_config('plan_cache_mode', 'force_custom_plan', true)
"""  # noqa: S608 (no input in the text)


def _weeks_in_period(t: str) -> str:
    """iso_year * 100 + iso_week between $4 and $5, written on the columns where the week is a
    real one (1-53) so that the planner can estimate it from their statistics."""
    return (f"({t}.iso_week BETWEEN 1 AND 53 AND ({t}.iso_year > $6 OR {t}.iso_year = $6 AND {t}.iso_week >= $7)"
            f" AND ({t}.iso_year < $8 OR {t}.iso_year = $8 AND {t}.iso_week <= $9)"
            f" OR ({t}.iso_week < 1 OR {t}.iso_week > 53) AND {t}.iso_year * 100 + {t}.iso_week BETWEEN $4 AND $5)")


def _months_in_period(t: str) -> str:
    """year * 100 + month between the period's first and last month (month is 1-12: a constraint)."""
    return (f"({t}.year > $10 OR {t}.year = $10 AND {t}.month >= $11)"
            f" AND ({t}.year < $12 OR {t}.year = $12 AND {t}.month <= $13)")


def _half_even(value: str, places: int) -> str:
    """Python's round(Decimal, places) (ROUND_HALF_EVEN) of a non-negative numeric, as text."""
    scale = 10 ** places
    return (f"(CASE WHEN {value} * {scale} % 1 = 0.5 AND trunc({value} * {scale}) % 2 = 0 "
            f"THEN trunc({value}, {places}) ELSE round({value}, {places}) END)::text")


def _summary_sql(statuses: list[str], bytewise: bool) -> str:
    """The statement, given the attendance statuses in the database's order and whether staff
    numbers sort as their bytes (both from _PREPARE)."""
    counts = ", ".join(f"count(*) FILTER (WHERE status = '{s}') AS \"{s}\"" for s in statuses)
    attendance = ", ".join(f"'\"{s}\":' || nullif(d.\"{s}\", 0)" for s in statuses)
    leave = " + ".join(f"coalesce(d.\"{s}\", 0)" for s in LEAVE) + " + coalesce(v.leave, 0)"
    return f"""
WITH placed AS MATERIALIZED (
    -- the placements in the period, clipped to it (materialized: sorted by person below rather
    -- than read in person order through an index, a random read a row)
    SELECT person_id, unit_id, section_id, staff_category, active_from,
           greatest(active_from, $2::date) AS first_day, least(coalesce(active_to, $3::date), $3::date) AS last_day
    FROM {S}.assignments
    WHERE unit_id = ANY($1::uuid[]) AND active_from <= $3::date AND (active_to IS NULL OR active_to >= $2::date)
)
SELECT convert_to(format('{{"person_id":"%s","staff_no":%s,"name":%s,"unit_id":"%s","section_id":%s,'
                         '"staff_category":%s,"days_in_period":%s,"weeks_due":%s,"weeks_submitted":%s,'
                         '"weeks_on_time":%s,"months_due":%s,"monthly_reports":%s,"mean_leader_mark":%s,'
                         '"tasks":%s,"task_load":"%s","task_completion":%s,"attendance":{{%s}},'
                         '"leave_days_in_year":%s}}',
    q.person_id, to_json(q.staff_no), to_json(q.name), q.unit_id, coalesce('"' || q.section_id || '"', 'null'),
    to_json(q.staff_category), q.days, q.weeks_due, coalesce(q.submitted, 0), coalesce(q.timely, 0), q.months_due,
    coalesce(q.reports, 0), coalesce('"' || {_half_even("q.mean", 2)} || '"', 'null'), coalesce(q.tasks, 0),
    coalesce({_half_even("q.load", 4)}, '0'), coalesce('"' || {_half_even("q.completion", 2)} || '"', 'null'),
    q.attendance, coalesce(q.leave::text, 'null')), 'UTF8')
FROM (
    SELECT p.person_id, x.staff_no, x.name, p.unit_id, p.section_id, p.staff_category, p.days, p.weeks_due,
           p.months_due, l.submitted, l.timely, r.reports, m.mean, t.tasks, t.load, t.completion,
           CASE WHEN $17 THEN {leave} END AS leave,
           concat_ws(',', {attendance}) AS attendance
    FROM (
        -- days, weeks and months due add up over the placements; the latest describes the person
        SELECT DISTINCT ON (person_id) person_id, unit_id, section_id, staff_category,
               sum(last_day - first_day + 1) OVER w AS days,
               -- Mondays: 1900-01-01 was one
               sum((last_day - date '1900-01-01') / 7 - (first_day - date '1900-01-02') / 7) OVER w AS weeks_due,
               sum((date_part('year', last_day) * 12 + date_part('month', last_day))::int
                   - (date_part('year', first_day) * 12 + date_part('month', first_day))::int + 1) OVER w
                   AS months_due
        FROM placed
        WINDOW w AS (PARTITION BY person_id)
        ORDER BY person_id, active_from DESC
    ) AS p
    JOIN {S}.persons AS x ON x.id = p.person_id
    LEFT JOIN (
        -- on time: before the week's deadline ($16), or by the rule itself for a week that is none
        SELECT w.person_id, count(*) AS submitted,
               count(*) FILTER (WHERE CASE WHEN w.iso_week BETWEEN 1 AND 53
                   THEN coalesce(w.submitted_at < ($16::timestamptz[])[w.iso_year * 100 + w.iso_week - $4 + 1],
                                 {_ON_TIME_PER_ROW})
                   ELSE {_ON_TIME_PER_ROW} END) AS timely
        FROM {S}.work_logs AS w
        WHERE w.unit_id = ANY($1::uuid[]) AND {_weeks_in_period("w")}
        GROUP BY w.person_id
    ) AS l ON l.person_id = p.person_id
    LEFT JOIN (
        SELECT r.person_id, count(*) AS reports FROM {S}.monthly_reports AS r
        WHERE r.unit_id = ANY($1::uuid[]) AND {_months_in_period("r")}
        GROUP BY r.person_id
    ) AS r ON r.person_id = p.person_id
    LEFT JOIN (
        -- the marks on the period's weekly records and monthly reports in the units
        SELECT person_id, avg(mark) AS mean FROM (
            SELECT c.person_id, c.mark FROM {S}.work_logs AS w
            JOIN {S}.leader_comments AS c ON c.target_kind = 'work_log' AND c.target_id = w.id
            WHERE w.unit_id = ANY($1::uuid[]) AND {_weeks_in_period("w")}
            UNION ALL
            SELECT c.person_id, c.mark FROM {S}.monthly_reports AS r
            JOIN {S}.leader_comments AS c ON c.target_kind = 'monthly_report' AND c.target_id = r.id
            WHERE r.unit_id = ANY($1::uuid[]) AND {_months_in_period("r")}
        ) AS marks
        GROUP BY person_id
    ) AS m ON m.person_id = p.person_id
    LEFT JOIN (
        SELECT person_id, count(*) AS tasks, sum(quantity * intensity * difficulty) AS load,
               sum(quantity * intensity * difficulty * progress) / sum(quantity * intensity * difficulty)
                   AS completion
        FROM {S}.tasks
        WHERE unit_id = ANY($1::uuid[]) AND status <> 'cancelled' AND due_on BETWEEN $2::date AND $3::date
        GROUP BY person_id
    ) AS t ON t.person_id = p.person_id
    LEFT JOIN (
        SELECT person_id, {counts}
        FROM {S}.attendance
        WHERE unit_id = ANY($1::uuid[]) AND day BETWEEN $2::date AND $3::date
        GROUP BY person_id
    ) AS d ON d.person_id = p.person_id
    LEFT JOIN (
        -- the rest of the year's leave in any unit (d has the period's in the units): a few index
        -- lookups a person for a county (attendance_leave_idx), a scan for a province
        SELECT person_id, count(*) AS leave FROM {S}.attendance
        WHERE $17 AND person_id IN (SELECT person_id FROM {S}.assignments WHERE unit_id = ANY($1::uuid[]))
          AND status IN {LEAVE} AND day BETWEEN $14::date AND $15::date
          AND NOT (unit_id = ANY($1::uuid[]) AND day BETWEEN $2::date AND $3::date)
        GROUP BY person_id
    ) AS v ON v.person_id = p.person_id
    ORDER BY x.staff_no{' COLLATE "C"' if bytewise else ''}
) AS q
"""  # noqa: S608 (no input in the text: the statuses are the model's)


def _parameters(unit_ids: list[uuid.UUID], period: Period) -> list[Any]:
    (first_year, first_week, _), (last_year, last_week, _) = period.start.isocalendar(), period.end.isocalendar()
    start, end = period.start, period.end
    return [unit_ids, start, end, first_year * 100 + first_week, last_year * 100 + last_week,
            first_year, first_week, last_year, last_week, start.year, start.month, end.year, end.month,
            date(start.year, 1, 1), date(start.year, 12, 31)]


async def summary_json(session: AsyncSession, unit_ids: list[uuid.UUID], period: Period, *,
                       leave_in_year: bool = True) -> bytes:
    """The period summary of the units' people as the JSON body of the summary routes."""
    parameters = _parameters(unit_ids, period)
    connection = await session.connection()
    # through SQLAlchemy, which begins the transaction the settings are local to
    prepared = await connection.exec_driver_sql(_PREPARE, (parameters[3], parameters[4], list(STATUSES)))
    settings: Sequence[Any] = prepared.one()
    statuses, deadlines, bytewise = settings[0], settings[1], settings[2]
    driver: Any = (await connection.get_raw_connection()).driver_connection
    rows = await driver.fetch(_summary_sql(statuses, bytewise), *parameters, deadlines, leave_in_year)
    return b"".join([b'{"period":', orjson.dumps(period.code), b',"unit_ids":',
                     orjson.dumps([str(u) for u in unit_ids]), b',"people":[',
                     b",".join([row[0] for row in rows]), b"]}"])


LeaveInYear = Annotated[bool, Query(description="count each person's leave in the period's whole year "
                                               "(leave_days_in_year); false skips it and gives null")]


@router.get("/units/{unit_id}/summary", response_model=PeriodSummary,
            summary="Per person: weekly records and monthly reports due / submitted, mean leader mark, "
                    "weighted task completion, attendance by status, leave in the year")
async def unit_summary(unit_id: uuid.UUID, period: PeriodDep, session: SessionDep, caller: CallerDep,
                       leave_in_year: LeaveInYear = True) -> Response:
    await get_unit_or_raise(session, unit_id, caller=caller)
    return Response(await summary_json(session, [unit_id], period, leave_in_year=leave_in_year),
                    media_type="application/json")


@router.get("/regions/{region_id}/groups/{group}/summary", response_model=PeriodSummary,
            summary="The same for an evaluation group: every unit of the region sharing it")
async def group_summary(region_id: uuid.UUID, group: Annotated[str, Path(max_length=64)], period: PeriodDep,
                        session: SessionDep, caller: CallerDep, leave_in_year: LeaveInYear = True) -> Response:
    await _visible_region(session, caller, region_id)
    unit_ids = list(await session.scalars(select(Unit.id).where(Unit.region_id == region_id,
                                                                Unit.evaluation_group == group)))
    if not unit_ids:
        raise NotFound(f"no evaluation group {group!r} in region {region_id}", code="group_not_found")
    return Response(await summary_json(session, unit_ids, period, leave_in_year=leave_in_year),
                    media_type="application/json")


async def _visible_region(session: AsyncSession, caller: Caller, region_id: uuid.UUID) -> None:
    await get_region_or_raise(session, region_id, caller=caller)
