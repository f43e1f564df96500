"""When the records a period's result is computed from were last written: one statement, so that
scoring can tell, once per reading of a period's versions, whether any of them is stale.

The records counted are those the period summary reads (records.summary_statement) for the units:
attendance days in the period's dates, weekly records of its weeks, monthly reports of its months,
the leaders' comments and marks on those, and the tasks due in it (a task corrected out of the
period counts too). Each is counted once, at its last write (recorded, submitted, changed,
progress reported, confirmed). Every branch starts from an index on (unit, time of the last
write): what is read is what was written after ``since``, not the period's records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from records import examples as ex
from records.db import SCHEMA as S
from records.errors import InvalidReference
from records.summary_statement import months_in_period, parameters, weeks_in_period
from shared.periods import Period

EARLIEST = datetime(1, 1, 1, tzinfo=UTC)

# $1 the unit ids; $2..$13 the period as in records.summary_statement; $14 the earliest ``since``;
# $15 every ``since``
WRITES = f"""
WITH writes AS MATERIALIZED (
    SELECT a.recorded_at AS at FROM {S}.attendance AS a
    WHERE a.unit_id = ANY($1::uuid[]) AND a.recorded_at > $14 AND a.day BETWEEN $2::date AND $3::date
    UNION ALL
    SELECT coalesce(w.updated_at, w.submitted_at) FROM {S}.work_logs AS w
    WHERE w.unit_id = ANY($1::uuid[]) AND coalesce(w.updated_at, w.submitted_at) > $14 AND {weeks_in_period("w")}
    UNION ALL
    SELECT coalesce(r.updated_at, r.submitted_at) FROM {S}.monthly_reports AS r
    WHERE r.unit_id = ANY($1::uuid[]) AND coalesce(r.updated_at, r.submitted_at) > $14 AND {months_in_period("r")}
    UNION ALL
    SELECT coalesce(c.updated_at, c.created_at) FROM {S}.leader_comments AS c
    LEFT JOIN {S}.work_logs AS w ON c.target_kind = 'work_log' AND w.id = c.target_id
    LEFT JOIN {S}.monthly_reports AS r ON c.target_kind = 'monthly_report' AND r.id = c.target_id
    WHERE c.unit_id = ANY($1::uuid[]) AND coalesce(c.updated_at, c.created_at) > $14
      AND (w.id IS NOT NULL AND ({weeks_in_period("w")}) OR r.id IS NOT NULL AND ({months_in_period("r")}))
    UNION ALL
    SELECT coalesce(t.updated_at, t.created_at) FROM {S}.tasks AS t
    WHERE t.unit_id = ANY($1::uuid[]) AND coalesce(t.updated_at, t.created_at) > $14
      AND t.due_on BETWEEN $2::date AND $3::date
    UNION ALL
    SELECT max(x.changed_at) FROM {S}.record_changes AS x JOIN {S}.tasks AS t ON t.id = x.record_id
    WHERE x.kind = 'task' AND x.unit_id = ANY($1::uuid[]) AND x.changed_at > $14
      AND (x.old ->> 'due_on')::date BETWEEN $2::date AND $3::date AND t.due_on NOT BETWEEN $2::date AND $3::date
    GROUP BY x.record_id
)
SELECT (SELECT max(at) FROM writes), (SELECT count(*) FROM writes),
       array(SELECT count(w.at) FROM unnest($15::timestamptz[]) WITH ORDINALITY AS s(since, n)
             LEFT JOIN writes AS w ON w.at > s.since GROUP BY s.n ORDER BY s.n)
"""  # noqa: S608 (no input in the text)


class SinceCount(BaseModel):
    since: datetime
    count: int = Field(description="records written after this instant")


class LatestWrites(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.LATEST))
    period: str
    unit_ids: list[uuid.UUID]
    latest_at: datetime | None = Field(description="the last write of the period's records in the units (after "
                                                   "the earliest `since`, if given); null if none")
    count: int = Field(description="the records written (after the earliest `since`, if given), each once")
    since: list[SinceCount] = Field(description="for each `since` asked, in its order, the records written after it")


async def latest_writes(session: AsyncSession, unit_ids: list[uuid.UUID], period: Period,
                        since: Sequence[datetime]) -> LatestWrites:
    try:  # an instant without a zone is UTC's; one that has none in UTC (year 1 east of it) is refused
        moments = [(s if s.tzinfo is not None else s.replace(tzinfo=UTC)).astimezone(UTC) for s in since]
    except OverflowError as exc:
        raise InvalidReference("an instant out of range", errors=[
            {"field": "query.since", "message": "not an instant after year 1, UTC"}]) from exc
    connection = await session.connection()
    row: Any = (await connection.exec_driver_sql(
        WRITES, (*parameters(unit_ids, period)[:13], min(moments, default=EARLIEST), moments))).one()
    return LatestWrites(period=period.code, unit_ids=unit_ids, latest_at=row[0], count=row[1],
                        since=[SinceCount(since=s, count=n) for s, n in zip(moments, row[2], strict=True)])
