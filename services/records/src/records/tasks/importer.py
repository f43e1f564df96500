"""Tasks from the year's task sheet: 工号, 任务名称, 强度, 难度, 数量, 完成时限 (, 督办).

A task is known by person, name and due date: sending the sheet again changes nothing, and a
changed weight updates the task in place. All or nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import IO

from pydantic import ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from records import events, scope, staff_numbers
from records import examples as ex
from records.attendance.importer import FileImport, RawRow, RowError, parse_day, read_rows, staff_no_of
from records.attendance.service import ImportRejected, rejected
from records.progress import PROGRESS_ROWS, Progress
from records.roster.models import Assignment, Person, Unit
from records.tasks.models import Task
from shared.cells import code_text
from shared.row_errors import Reason, RowProblem
from shared.service_auth import Caller
from shared.tabular import Table

COLUMNS = {
    "staff_no": ("工号", "人员编号", "staff_no"),
    "title": ("任务名称", "任务", "工作任务", "title"),
    "intensity": ("强度", "工作强度", "intensity"),
    "difficulty": ("难度", "工作难度", "difficulty"),
    "quantity": ("数量", "工作数量", "quantity"),
    "due_on": ("完成时限", "截止日期", "due_on"),
    "supervised": ("督办", "是否督办", "supervised"),
}
REQUIRED = ("staff_no", "title", "intensity", "difficulty", "quantity", "due_on")
YES = {"是", "督办", "y", "yes", "true", "1"}


class TaskImportResult(FileImport):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.TASK_IMPORT))
    rows: int
    added: int
    updated: int
    unchanged: int


def read_sheet(filename: str, stream: IO[bytes], sheet: str | None = None) -> tuple[Table, list[RawRow]]:
    table, rows = read_rows(stream, COLUMNS, REQUIRED, filename=filename, sheet=sheet)
    return table, list(rows)


def _weight(value: object) -> Decimal:
    try:
        weight = Decimal(code_text(value))
    except InvalidOperation as exc:
        raise RowProblem("not_a_number") from exc
    if not Decimal(0) < weight <= Decimal(1000):
        raise RowProblem("weight_out_of_range")
    return weight


async def import_tasks(session: AsyncSession, rows: list[RawRow], *, caller: Caller,
                       table: Table | None = None, progress: Progress | None = None) -> TaskImportResult:
    if not rows:
        raise ImportRejected(Reason("no_rows").text(), errors=[])
    staff_nos = {staff_no_of(r.values.get("staff_no")) for r in rows}
    known = await staff_numbers.widths(session)
    stored = await staff_numbers.stored_numbers(session, staff_nos, known) if known else {}
    found = await session.execute(
        select(Person.staff_no, Person.id, Assignment.unit_id, Unit.region_id, Assignment.active_to)
        .join(Assignment, Assignment.person_id == Person.id).join(Unit, Unit.id == Assignment.unit_id)
        .where(Person.staff_no.in_([*staff_nos, *stored.values()])).order_by(Assignment.active_from))
    current = {staff_no: (pid, unit, region, active_to) for staff_no, pid, unit, region, active_to in found}
    for number, padded in stored.items():  # a number without its zeros: the person of the padded one
        if number not in current and padded in current:
            current[number] = current[padded]
    errors: list[RowError] = []
    plan = []
    seen: dict[tuple[str, str, object], int] = {}
    for row in rows:
        v = row.values
        bad = len(errors)
        if "__error__" in v:
            errors.append(RowError(row.number, "*", "", v["__error__"]))
            continue
        staff_no = staff_no_of(v.get("staff_no"))
        person = current.get(staff_no)
        refused = (staff_numbers.nobody(v.get("staff_no"), staff_no) if person is None else
                   scope.refusal_for_placed_person(caller, unit_id=person[1], region_id=person[2]))
        if refused:
            errors.append(RowError(row.number, "staff_no", staff_no, refused))
        title = str(v.get("title") or "").strip()
        if not title or len(title) > 200:
            errors.append(RowError(row.number, "title", title[:100], Reason("bad_text_length", limit=200)))
        weights = {}
        for column in ("intensity", "difficulty", "quantity"):
            try:
                weights[column] = _weight(v.get(column))
            except RowProblem as exc:
                errors.append(RowError(row.number, column, str(v.get(column) or ""), exc.reason))
        try:
            due_on = parse_day(v.get("due_on"))
        except RowProblem as exc:
            errors.append(RowError(row.number, "due_on", str(v.get("due_on") or ""), exc.reason))
            due_on = None
        key = (staff_no, title, due_on)
        if key in seen:
            errors.append(RowError(row.number, "title", title, Reason("duplicate_task", first=seen[key])))
        seen.setdefault(key, row.number)
        if len(errors) == bad and person is not None and due_on is not None:
            supervised = str(v.get("supervised") or "").strip().lower() in YES
            plan.append((person, title, due_on, weights, supervised))
    if errors:
        raise rejected(errors, table, bad=len({e.row for e in errors}), rows=len(rows))
    existing = {(t.person_id, t.title, t.due_on): t for t in await session.scalars(
        select(Task).where(Task.person_id.in_([p[0] for p, *_ in plan])))}
    added: list[Task] = []
    updated = unchanged = 0
    now = datetime.now(UTC)
    for (person_id, unit_id, _region, _active_to), title, due_on, weights, supervised in plan:
        task = existing.get((person_id, title, due_on))
        if task is None:
            added.append(Task(id=uuid.uuid4(), person_id=person_id, unit_id=unit_id, title=title, due_on=due_on,
                              supervised=supervised, status="open", progress=Decimal(0), created_by=caller.subject,
                              **weights))
        elif (task.intensity, task.difficulty, task.quantity, task.supervised) != (
                weights["intensity"], weights["difficulty"], weights["quantity"], supervised):
            task.intensity, task.difficulty, task.quantity = (weights["intensity"], weights["difficulty"],
                                                              weights["quantity"])
            task.supervised, task.updated_at = supervised, now
            updated += 1
        else:
            unchanged += 1
    kept = len(rows) - len(added)  # rows that changed a task in place, or nothing
    for start in range(0, len(added), PROGRESS_ROWS):  # the new tasks written a batch at a time
        session.add_all(added[start:start + PROGRESS_ROWS])
        await session.flush()
        if progress is not None:
            await progress(kept + min(len(added), start + PROGRESS_ROWS))
    await events.tasks_assigned(session, [(t, t.person_id) for t in added])
    return TaskImportResult(rows=len(rows), added=len(added), updated=updated, unchanged=unchanged)
