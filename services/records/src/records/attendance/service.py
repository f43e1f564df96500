"""Attendance: all-or-nothing loads at COPY speed, listing and export."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from records import examples as ex
from records import scope, staff_numbers
from records.attendance.importer import MISSING, FileImport, RawRow, RowError, parse_day, parse_status, staff_no_of
from records.attendance.models import Attendance
from records.errors import InvalidReference
from records.progress import Progress
from records.roster.models import Assignment, Person, Unit
from shared.db import raw_connection
from shared.errors import Unprocessable
from shared.pagination import Key, PageQuery
from shared.periods import Period
from shared.row_errors import Reason, RowProblem
from shared.service_auth import Caller
from shared.tabular import Table, UnreadableFile

BATCH = 5000
MAX_ERRORS_LISTED = 1000
COPY_COLUMNS = ["row_no", "person_id", "day", "unit_id", "status", "note"]


class ImportRejected(Unprocessable):
    code = "import_rejected"
    title = "The file has bad rows; nothing was written"


class RowsNameNobody(ImportRejected):
    """Rows whose one fault is a staff number of nobody the caller manages: their form is right, the
    people they name are missing (the roster is behind, or the caller's scope is another)."""

    code = "invalid_reference"
    title = "A referenced record does not exist or does not fit"


#: the reasons a row names nobody the caller manages
NAMES_NOBODY = frozenset({"unknown_staff_no", "unknown_staff_no_lost_zeros"})


def rejected(errors: list[RowError], table: Table | None, *, bad: int, rows: int,
             extra: dict[str, Any] | None = None) -> ImportRejected:
    """Every bad row (the first ``MAX_ERRORS_LISTED``), each reason in the caller's language: code
    ``invalid_reference`` when every one only names nobody the caller manages, else ``import_rejected``."""
    whole = 0 < len(errors) < MAX_ERRORS_LISTED
    kind = RowsNameNobody if whole and all(e.reason.code in NAMES_NOBODY for e in errors) else ImportRejected
    return kind(Reason("bad_rows", bad=bad, rows=rows).text(),
                errors=[e.as_dict(table) for e in errors[:MAX_ERRORS_LISTED]], extra=extra)


def refused_file(exc: UnreadableFile) -> ImportRejected:
    """A file that cannot be read as a whole, said in the caller's language."""
    reason = exc.text()
    return ImportRejected(reason, errors=[{"row": 1, "column": "*", "value": "", "code": exc.reason.code,
                                           "reason": reason}])


class ImportResult(FileImport):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.ATTENDANCE_IMPORT))
    rows: int
    inserted: int
    updated: int
    unchanged: int


@dataclass
class _Person:
    id: uuid.UUID
    placements: list[tuple[date, date | None, uuid.UUID, uuid.UUID]]  # from, to, unit, region


@dataclass
class _Loader:
    session: AsyncSession
    caller: Caller
    today: date  # in the regions' time zone: a day after it is refused
    source: str = "import"  # or "correction": rows sent one by one, a changed day needs a reason
    reason: str | None = None
    table: Table | None = None  # the file the rows come from, for the sheet and headings in row errors
    people: dict[str, _Person | None] = field(default_factory=dict)
    widths: set[int] | None = None  # the regions' staff-number widths, read once
    errors: list[RowError] = field(default_factory=list)
    bad_rows: int = 0
    rows: int = 0
    started: bool = False
    direct: int = 0  # rows copied straight into the table: none of them existed before
    staged: int = 0  # rows that may replace existing ones: upserted from a temporary table at the end
    seen: dict[int, int] = field(default_factory=dict)  # (person, day) -> first row, for duplicates
    person_index: dict[uuid.UUID, int] = field(default_factory=dict)
    pending: asyncio.Future[None] | None = None

    def error(self, row: RawRow, column: str, value: Any, reason: Reason) -> None:
        if len(self.errors) < MAX_ERRORS_LISTED:
            self.errors.append(RowError(row.number, column, str(value if value is not None else "")[:100], reason))

    async def _resolve(self, staff_nos: set[str]) -> None:
        unknown = [s for s in staff_nos if s not in self.people]
        if not unknown:
            return
        if self.widths is None:
            self.widths = await staff_numbers.widths(self.session)
        stored = await staff_numbers.stored_numbers(self.session, unknown, self.widths) if self.widths else {}
        rows = await self.session.execute(
            select(Person.staff_no, Person.id, Assignment.active_from, Assignment.active_to, Unit.id, Unit.region_id)
            .join(Assignment, Assignment.person_id == Person.id).join(Unit, Unit.id == Assignment.unit_id)
            .where(Person.staff_no.in_([*unknown, *stored.values()])))
        for staff_no in unknown:
            self.people[staff_no] = None
        for staff_no, person_id, active_from, active_to, unit_id, region_id in rows:
            person = self.people.get(staff_no)
            if person is None:
                person = self.people[staff_no] = _Person(person_id, [])
            person.placements.append((active_from, active_to, unit_id, region_id))
        for number, padded in stored.items():  # a number without its zeros: the person of the padded one
            if self.people.get(number) is None:
                self.people[number] = self.people.get(padded)

    async def _driver(self) -> Any:
        return await raw_connection(self.session)

    async def _raw(self) -> Any:
        driver = await self._driver()
        if not self.started:
            # Dropped at commit; IF NOT EXISTS and TRUNCATE for a caller that loads twice in one
            # transaction.
            await driver.execute(
                "CREATE TEMP TABLE IF NOT EXISTS attendance_import (row_no integer, person_id uuid, day date, "
                "unit_id uuid, status text, note text) ON COMMIT DROP")
            await driver.execute("TRUNCATE attendance_import")
            self.started = True
        return driver

    async def add(self, batch: list[RawRow]) -> None:
        """Check a batch while the previous one is still being written (the checking is Python,
        the writing is PostgreSQL's work in another process), then write it."""
        self.rows += len(batch)
        staff_nos = {staff_no_of(r.values.get("staff_no")) for r in batch}
        if not staff_nos <= self.people.keys():
            await self._settle()
            await self._resolve(staff_nos)
        records = await asyncio.to_thread(self._check_batch, batch)
        await self._settle()
        if records and not self.bad_rows:
            self.pending = asyncio.ensure_future(self._write(records))

    async def _settle(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            await pending

    def _check_batch(self, batch: list[RawRow]) -> list[tuple[Any, ...]]:
        records = []
        for row in batch:
            record = self._check(row)
            if record is None or not self._first_of_its_day(row, record):
                self.bad_rows += 1
            elif not self.bad_rows:
                records.append(record)
        return records

    def _first_of_its_day(self, row: RawRow, record: tuple[Any, ...]) -> bool:
        index = self.person_index.setdefault(record[1], len(self.person_index))
        key = index << 20 | record[2].toordinal()
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            self.error(row, "day", record[2].isoformat(), Reason("duplicate_day", first=first))
            return False
        return True

    async def _write(self, records: list[tuple[Any, ...]]) -> None:
        """New rows go straight into the table with COPY; a batch touching existing rows is staged
        for an upsert at the end. Either way it is one transaction: a later bad row undoes all."""
        driver = await self._driver()
        days = [r[2] for r in records]
        existing = await driver.fetchval(
            "SELECT EXISTS (SELECT 1 FROM attendance WHERE person_id = ANY($1::uuid[]) AND day BETWEEN $2 AND $3)",
            list({r[1] for r in records}), min(days), max(days))
        if existing:
            await (await self._raw()).copy_records_to_table("attendance_import", records=records, columns=COPY_COLUMNS)
            self.staged += len(records)
        else:
            await driver.copy_records_to_table("attendance", records=[r[1:] for r in records], columns=COPY_COLUMNS[1:])
            self.direct += len(records)

    def _check(self, row: RawRow) -> tuple[Any, ...] | None:
        values = row.values
        if "__error__" in values:
            self.error(row, "*", "", values["__error__"])
            return None
        staff_no = staff_no_of(values.get("staff_no"))
        ok = True
        try:
            day = parse_day(values.get("day"))
        except RowProblem as exc:
            self.error(row, "day", values.get("day"), exc.reason)
            ok = False
        try:
            status = parse_status(values.get("status"))
        except RowProblem as exc:
            self.error(row, "status", values.get("status"), exc.reason)
            ok = False
        note = str(values.get("note") or "").strip()[:200] or None
        person = self.people.get(staff_no) if staff_no else None
        if not staff_no:
            self.error(row, "staff_no", "", MISSING)
            return None
        visible = person is not None and any(
            scope.refusal_for_placed_person(self.caller, unit_id=u, region_id=r) is None
            for _, _, u, r in person.placements)
        if person is None or not visible:
            self.error(row, "staff_no", staff_no, staff_numbers.nobody(values.get("staff_no"), staff_no))
            return None
        if not ok:
            return None
        if day > self.today:
            self.error(row, "day", day.isoformat(), Reason("day_in_future", today=self.today.isoformat()))
            return None
        placement = next(((u, r) for start, end, u, r in person.placements
                          if start <= day and (end is None or day <= end)), None)
        if placement is None:
            self.error(row, "day", day.isoformat(), Reason("not_on_roster", staff_no=staff_no))
            return None
        if scope.refusal_for_placed_person(self.caller, unit_id=placement[0], region_id=placement[1]):
            self.error(row, "day", day.isoformat(), Reason("unit_not_managed_that_day", staff_no=staff_no))
            return None
        return (row.number, person.id, day, placement[0], status, note)

    async def finish(self) -> ImportResult:
        await self._settle()
        if self.rows == 0:
            raise ImportRejected(Reason("no_rows").text(), errors=[])
        if self.bad_rows:
            raise rejected(self.errors, self.table, bad=self.bad_rows, rows=self.rows,
                           extra={"bad_rows": self.bad_rows})
        if not self.staged:
            return ImportResult(rows=self.rows, inserted=self.direct, updated=0, unchanged=0)
        driver = await self._raw()
        # The days replaced are locked first, so what the upsert reads as their old values (one
        # statement, one snapshot: ``old`` sees the days as they were before it) is what it replaces.
        await driver.execute("""
            SELECT FROM attendance a JOIN attendance_import i ON i.person_id = a.person_id AND i.day = a.day
            FOR UPDATE OF a""")
        counts = await driver.fetchrow("""
            WITH old AS (
                SELECT a.person_id, a.day, a.status, a.note
                FROM attendance a JOIN attendance_import i ON i.person_id = a.person_id AND i.day = a.day),
            upserted AS (
                INSERT INTO attendance (person_id, day, unit_id, status, note)
                SELECT person_id, day, unit_id, status, note FROM attendance_import
                ON CONFLICT (person_id, day) DO UPDATE
                SET unit_id = EXCLUDED.unit_id, status = EXCLUDED.status, note = EXCLUDED.note,
                    recorded_at = clock_timestamp()
                WHERE (attendance.unit_id, attendance.status, attendance.note)
                      IS DISTINCT FROM (EXCLUDED.unit_id, EXCLUDED.status, EXCLUDED.note)
                RETURNING person_id, day, unit_id, status, note, (xmax = 0) AS inserted),
            changed AS (
                INSERT INTO attendance_changes (person_id, unit_id, day, old_status, new_status, old_note, new_note,
                                                reason, source, changed_by)
                SELECT u.person_id, u.unit_id, u.day, o.status, u.status, o.note, u.note, $1, $2, $3
                FROM upserted u JOIN old o ON o.person_id = u.person_id AND o.day = u.day
                WHERE NOT u.inserted AND (o.status, o.note) IS DISTINCT FROM (u.status, u.note)
                RETURNING 1)
            SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated,
                   (SELECT count(*) FROM changed) AS changed
            FROM upserted""", self.reason, self.source, self.caller.subject)
        if counts["changed"] and self.source == "correction" and self.reason is None:
            raise Unprocessable(  # the session is rolled back: nothing of the call is kept
                f"{counts['changed']} recorded day(s) would change: say why", code="reason_required",
                errors=[{"field": "body.reason", "message": "required when the call changes a recorded day"}])
        inserted, updated = self.direct + int(counts["inserted"]), int(counts["updated"])
        return ImportResult(rows=self.rows, inserted=inserted, updated=updated,
                            unchanged=self.rows - inserted - updated)


async def load_sync_rows(session: AsyncSession, rows: Iterator[RawRow], *, caller: Caller, today: date,
                         source: str = "import", reason: str | None = None,
                         table: Table | None = None, progress: Progress | None = None) -> ImportResult:
    """Rows from a file parser (blocking): read a batch at a time in a worker thread. Each day
    whose status or note changes is kept in ``attendance_changes`` with ``source`` and ``reason``;
    a ``correction`` that changes a day without a reason is refused."""
    loader = _Loader(session, caller, today, source=source, reason=reason, table=table)

    def take() -> list[RawRow]:
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                break
        return batch

    while batch := await asyncio.to_thread(take):
        await loader.add(batch)
        if progress is not None:
            await progress(loader.rows)
    return await loader.finish()


async def load_async_rows(session: AsyncSession, rows: AsyncIterator[RawRow], *, caller: Caller,
                          today: date, progress: Progress | None = None) -> ImportResult:
    loader = _Loader(session, caller, today)
    batch: list[RawRow] = []
    async for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            await loader.add(batch)
            batch = []
            if progress is not None:
                await progress(loader.rows)
    if batch:
        await loader.add(batch)
    return await loader.finish()


async def list_attendance(session: AsyncSession, page: PageQuery, *, caller: Caller, unit_id: uuid.UUID | None,
                          person_id: uuid.UUID | None,
                          period: Period) -> tuple[list[tuple[Attendance, Person]], int, Key]:
    if unit_id is None and person_id is None:
        raise InvalidReference("give unit_id or person_id", errors=[{"field": "query.unit_id",
                                                                      "message": "unit_id or person_id is required"}])
    # A day belongs to the unit the person was in that day: days spent in units the caller does
    # not see stay hidden, before a transfer or after it.
    where = [Attendance.day >= period.start, Attendance.day <= period.end, scope.record_clause(caller, Attendance)]
    await scope.narrow(session, caller, Attendance, where, unit_id=unit_id, person_id=person_id)
    total = await session.scalar(select(func.count()).select_from(Attendance).where(*where)) or 0
    rows, last = await page.fetch(
        session, select(Attendance, Person).join(Person, Person.id == Attendance.person_id).where(*where),
        [Person.staff_no, Attendance.day], lambda r: (r[1].staff_no, r[0].day))
    return [(a, p) for a, p in rows], total, last


async def export_statement(session: AsyncSession, *, caller: Caller, unit_id: uuid.UUID,
                           period: Period) -> Select[str, str, date, str, str | None]:
    """The query of the unit's attendance in the period (the unit checked for the caller first)."""
    await scope.valid_unit(session, caller, unit_id)
    return (select(Person.staff_no, Person.name, Attendance.day, Attendance.status, Attendance.note)
            .join(Person, Person.id == Attendance.person_id)
            .where(Attendance.unit_id == unit_id, Attendance.day >= period.start, Attendance.day <= period.end)
            .order_by(Person.staff_no, Attendance.day))


async def export_rows(session: AsyncSession, *, caller: Caller, unit_id: uuid.UUID,
                      period: Period) -> list[tuple[str, str, date, str, str | None]]:
    rows = await session.execute(await export_statement(session, caller=caller, unit_id=unit_id, period=period))
    return [tuple(r) for r in rows]  # type: ignore[misc]

