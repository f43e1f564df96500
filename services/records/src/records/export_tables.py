"""The records exports (a region's roster, a unit's attendance, a unit's tasks) by name, made in the request or
by a job.

Each export gathers its rows for the caller (checking the region or unit as its route always has); an
export of ``RECORDS_EXPORT_JOB_ROWS`` rows or more is written by a job in the records worker, which gathers
the same rows for the same caller and keeps the file with the job (``shared.jobs.files``): the call answers
with the file when the job is done within a second, else ``202 Accepted`` with the job. The call decides by
counting the export's rows up to that threshold only (``count(*)`` of the query cut at it), so a large
export's rows are read once, by the job.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, Literal

from fastapi import Request
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from records.attendance import service as attendance
from records.exporting import Table
from records.roster import service as roster
from records.roster.models import Person
from records.tasks import service as tasks
from shared.jobs import JobContext, task
from shared.jobs.files import caller_of, keep_file, start_export
from shared.pagination import ALL
from shared.periods import parse_period
from shared.service_auth import Caller

ATTENDANCE_STATUS_NAMES = {"present": "出勤", "business_trip": "出差", "sick_leave": "病假", "personal_leave": "事假",
                           "annual_leave": "年休假", "maternity_leave": "产假", "study": "学习", "absent": "旷工",
                           "rest": "休息"}
ATTENDANCE_HEADERS = ["工号", "姓名", "日期", "状态", "备注"]
TASK_HEADERS = ["工号", "任务名称", "强度", "难度", "数量", "完成时限", "督办", "进度", "状态"]

Gather = Callable[[AsyncSession, Caller, dict[str, Any]], Awaitable[Table]]
Query = Callable[[AsyncSession, Caller, dict[str, Any]], Awaitable[Select[*tuple[Any, ...]]]]


async def roster_table(session: AsyncSession, caller: Caller, args: dict[str, Any]) -> Table:
    """``region_id``, ``on`` (a day)."""
    region_id, day = uuid.UUID(args["region_id"]), date.fromisoformat(args["on"])
    rows = await roster.roster_on(session, region_id=region_id, on=day, caller=caller)
    return Table(["工号", "姓名", "单位编码", "单位名称", "科室", "人员类别", "起始日期", "岗位"], rows,
                 filename=f"roster-{region_id}-{day.isoformat()}", sheet="花名册",
                 widths=(14, 10, 10, 24, 14, 10, 12, 14),
                 about={"region_id": region_id, "on": day})


async def attendance_table(session: AsyncSession, caller: Caller, args: dict[str, Any]) -> Table:
    """``unit_id``, ``period`` (a code)."""
    unit_id, period = uuid.UUID(args["unit_id"]), parse_period(args["period"])
    rows = await attendance.export_rows(session, caller=caller, unit_id=unit_id, period=period)
    table = [[staff_no, name, day.isoformat(), ATTENDANCE_STATUS_NAMES.get(status, status), note or ""]
             for staff_no, name, day, status, note in rows]
    return Table(ATTENDANCE_HEADERS, table, filename=f"attendance-{unit_id}-{period.code}", sheet="考勤",
                 widths=(14, 10, 12, 8, 24), about={"unit_id": unit_id, "period": period.code})


async def tasks_table(session: AsyncSession, caller: Caller, args: dict[str, Any]) -> Table:
    """``unit_id``, ``period`` (a code)."""
    unit_id, period = uuid.UUID(args["unit_id"]), parse_period(args["period"])
    items, _, _ = await tasks.list_tasks(session, ALL, caller=caller, unit_id=unit_id, person_id=None, period=period)
    staff = dict((await session.execute(select(Person.id, Person.staff_no)
                                         .where(Person.id.in_({t.person_id for t in items})))).all())
    rows = [[staff[t.person_id], t.title, t.intensity, t.difficulty, t.quantity, t.due_on.isoformat(),
             "是" if t.supervised else "", t.progress, t.status] for t in items]
    return Table(TASK_HEADERS, rows, filename=f"tasks-{unit_id}-{period.code}", sheet="重点工作任务",
                 widths=(14, 30, 8, 8, 8, 12, 6, 8, 10), about={"unit_id": unit_id, "period": period.code})


TABLES: dict[str, Gather] = {"roster": roster_table, "attendance": attendance_table, "tasks": tasks_table}


async def roster_query(session: AsyncSession, caller: Caller, args: dict[str, Any]) -> Select[*tuple[Any, ...]]:
    return await roster.roster_statement(session, region_id=uuid.UUID(args["region_id"]),
                                         on=date.fromisoformat(args["on"]), caller=caller)


async def attendance_query(session: AsyncSession, caller: Caller, args: dict[str, Any]) -> Select[*tuple[Any, ...]]:
    return await attendance.export_statement(session, caller=caller, unit_id=uuid.UUID(args["unit_id"]),
                                             period=parse_period(args["period"]))


async def tasks_query(session: AsyncSession, caller: Caller, args: dict[str, Any]) -> Select[*tuple[Any, ...]]:
    return await tasks.tasks_statement(session, caller=caller, unit_id=uuid.UUID(args["unit_id"]),
                                       period=parse_period(args["period"]))


#: each export's rows as a query, checked for the caller as its table is: what the call counts to decide
QUERIES: dict[str, Query] = {"roster": roster_query, "attendance": attendance_query, "tasks": tasks_query}


async def rows_up_to(session: AsyncSession, query: Select[*tuple[Any, ...]], limit: int) -> int:
    """How many rows ``query`` has, counting no further than ``limit``."""
    cut = query.order_by(None).limit(limit).subquery()
    return int(await session.scalar(select(func.count()).select_from(cut)) or 0)


async def export(request: Request, session: AsyncSession, caller: Caller, name: str, args: dict[str, Any], *,
                 fmt: Literal["csv", "xlsx"], region_id: uuid.UUID | None = None,
                 unit_id: uuid.UUID | None = None) -> Response:
    """The export ``name`` for the caller: made here, or by a job when it has many rows (its ``total`` is known
    once the job has read them)."""
    threshold: int = request.app.state.settings.export_job_rows
    if await rows_up_to(session, await QUERIES[name](session, caller, args), threshold) >= threshold:
        return await start_export(request, "records.export", params={"table": name, "format": fmt, "args": args},
                                  caller=caller, region_id=region_id, unit_id=unit_id)
    found = await TABLES[name](session, caller, args)
    return found.file(fmt).response()


@task("records.export")
async def export_job(ctx: JobContext) -> Any:
    """An export's file, kept with the job until it is pruned (KAOHE_JOB_KEEP_DAYS)."""
    async with ctx.session() as session:
        await ctx.progress(phase="reading the rows")
        found = await TABLES[ctx.params["table"]](session, caller_of(ctx), ctx.params["args"])
        await ctx.progress(0, len(found.rows), "writing the file")
        file = found.file(ctx.params["format"])
        await ctx.progress(len(found.rows))
        await keep_file(ctx, session, file)
    return None
