"""A cadre's file (干部成长档案): everything the evaluation knows of one person, in one answer, for
the officers vetting a promotion (把查阅绩效考核结果作为干部考察工作的必经程序).

Every published period's grade, score and rank (the latest published version of each period of
each scheme that evaluates the person), the bonus and deduction items and negative-list events
(not voided), the person's objections and their outcomes, and from records their honours, their
tasks and their completion, and their unit and post history.

Who: the administrators of a region the person is or was placed in, and the province's. A read
needs a reason and is recorded (``file_reads``: who, when, why); the person, and the same
officers, see the reads. The person, and an administrator or leader of their unit, may see the person
but not their file (403); anyone else is told of no such person (404).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.cadre.calibration import latest_definitions
from scoring.clients import Neighbours
from scoring.errors import InputInvalid
from scoring.evaluated import placed_in, schemes_of_placed
from scoring.examples import AT, ID, PERSON_ID, SCHEME_ID, Examples
from scoring.models import AdjustmentRow, Close, FileRead, NegativeEvent, Objection, Result, Scheme
from scoring.procedure.clock import TodayDep
from scoring.results.schemas import ObjectionRead
from scoring.scope import ScopeDep
from shared.db import SessionDep
from shared.errors import Forbidden, NotFound, UpstreamUnavailable
from shared.openapi import examples_of, page_examples
from shared.pagination import Page, PageDep, every_item
from shared.periods import parse_period
from shared.service_auth import SYSTEM_CALLER, Caller
from shared.touched import disclose, touch

router = APIRouter(prefix="/api/v1/scoring", tags=["cadre file"])


class FilePeriod(BaseModel):
    scheme_id: uuid.UUID
    scheme_name: str
    period: str
    close_id: uuid.UUID = Field(description="the latest published version of the period")
    version: int
    published_at: datetime | None
    unit_id: uuid.UUID | None
    score: str | None
    rank: int | None
    grade: str | None


class FileItem(BaseModel):
    """A bonus or deduction item, or a negative-list event, of a period."""

    id: uuid.UUID
    scheme_id: uuid.UUID
    period: str
    item: str
    name: str | None = Field(description="the item's name in the scheme as it stands")
    direction: str | None = Field(default=None, description="bonus or deduction (items only)")
    points: str | None = None
    note: str = Field(description="the evidence of an item, the note of an event")
    created_at: datetime


class FileObjection(ObjectionRead):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {**examples_of(ObjectionRead)[0], "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596", "period": "2025Q2"}]})
    scheme_id: uuid.UUID
    period: str


#: A bonus or deduction item, or a negative-list event, as the file lists it.
FILE_ITEM: Examples = {"id": ID, "scheme_id": SCHEME_ID, "period": "2025Q2", "item": "honour", "name": "夏村镇",
                       "direction": "bonus", "points": "2", "note": "已核实", "created_at": AT}
READ: Examples = {"id": ID, "person_id": PERSON_ID, "reason": "录入有误，更正", "read_at": AT, "read_by": "admin"}


class FileReadOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        READ]})
    id: uuid.UUID
    person_id: uuid.UUID
    reason: str
    read_at: datetime
    read_by: str


class FileReadPage(Page[FileReadOut]):
    """Reads of a person's file, newest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(FileReadOut))


class PersonFile(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
         "staff_no": "X-001",
         "name": "王芳",
         "history": [{}],
         "periods": [{"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                      "scheme_name": "夏村镇机关干部",
                      "period": "2025Q2",
                      "close_id": "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82",
                      "version": 1,
                      "published_at": "2025-07-01T09:30:00Z",
                      "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                      "score": "86.50",
                      "rank": 1,
                      "grade": "good"}],
         "adjustments": [FILE_ITEM],
         "negative_events": [FILE_ITEM],
         # an objection as its own route answers it (pending here, to be upheld), with its scheme and period
         "objections": [{**examples_of(ObjectionRead)[0], "status": "pending", "decision": "upheld",
                         "scheme_id": SCHEME_ID, "period": "2025Q2"}],
         "honours": [{}],
         "tasks": [{}],
         "read": READ}]})
    person_id: uuid.UUID
    staff_no: str
    name: str
    history: list[dict[str, Any]] = Field(description="unit and post history, oldest first, with each unit's name")
    periods: list[FilePeriod] = Field(description="published periods, newest first")
    adjustments: list[FileItem]
    negative_events: list[FileItem]
    objections: list[FileObjection]
    honours: list[dict[str, Any]] = Field(description="the honours of the ledger (voided ones left out)")
    tasks: list[dict[str, Any]] = Field(description="tasks due in the years of the file, with their completion")
    read: FileReadOut




async def _records(neighbours: Neighbours, path: str, params: dict[str, str] | None = None) -> Any:
    response = await neighbours.records.request("GET", path, caller=SYSTEM_CALLER, params=params)
    if response.status_code != 200:
        raise UpstreamUnavailable(f"records answered {response.status_code} for {path}")
    return orjson.loads(response.content)


async def _every(neighbours: Neighbours, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    found = await every_item(neighbours.records, path, caller=SYSTEM_CALLER, params=params)
    if found is None:
        raise UpstreamUnavailable(f"records did not answer for {path}")
    return found


async def person_for(neighbours: Neighbours, caller: Caller, person_id: uuid.UUID, *,
                     officers_only: bool) -> tuple[dict[str, Any], list[tuple[str, str, str | None, str]],
                                                   dict[str, dict[str, Any] | None]]:
    """The person (records' answer), their placements and units, once the caller is found to be one
    of the officers of a region the person is or was placed in (or, unless ``officers_only``, the
    person themself: else a 403 for them, as for an administrator or leader of one of their units)."""
    response = await neighbours.records.request("GET", f"/api/v1/records/persons/{person_id}", caller=SYSTEM_CALLER)
    missing = NotFound(f"no person {person_id}", code="person_not_found")
    if response.status_code in (404, 422):
        raise missing
    if response.status_code != 200:
        raise UpstreamUnavailable(f"records answered {response.status_code} for person {person_id}")
    person: dict[str, Any] = orjson.loads(response.content)
    units: dict[str, dict[str, Any] | None] = {}
    placed = await placed_in(neighbours, person["history"], units)
    if placed:
        touch(region_id=placed[-1][1], unit_id=placed[-1][0])
    if any(caller.administers_region(region) for _, region, _, _ in placed):
        return person, placed, units
    if caller.is_person(person_id) and not officers_only:
        return person, placed, units
    if caller.is_person(person_id) or set(caller.unit_ids) & {unit for unit, _, _, _ in placed}:
        raise Forbidden("only the region's officers read a person's file (the person sees who read it)")
    raise missing


async def _periods(session: AsyncSession, schemes: dict[uuid.UUID, Scheme], pid: uuid.UUID) -> list[FilePeriod]:
    closes = {c.id: c for c in await session.scalars(
        select(Close).where(Close.scheme_id.in_(list(schemes)), Close.published_at.is_not(None))
        .order_by(Close.scheme_id, Close.period, Close.version.desc()).ext(distinct_on(Close.scheme_id, Close.period)))}
    rows = await session.scalars(select(Result).where(Result.close_id.in_(list(closes)), Result.person_id == pid))
    out = [FilePeriod(scheme_id=c.scheme_id, scheme_name=schemes[c.scheme_id].name, period=c.period, close_id=c.id,
                      version=c.version, published_at=c.published_at, unit_id=r.unit_id,
                      score=None if r.score is None else format(r.score.normalize(), "f"), rank=r.rank, grade=r.grade)
           for r in rows for c in (closes[r.close_id],)]
    return sorted(out, key=lambda p: (parse_period(p.period).end, parse_period(p.period).start, p.scheme_name),
                  reverse=True)


async def _items(session: AsyncSession, schemes: dict[uuid.UUID, Scheme],
                 pid: uuid.UUID) -> tuple[list[FileItem], list[FileItem]]:
    ids = list(schemes)
    definitions = await latest_definitions(session, ids)
    adjustments = [FileItem(id=a.id, scheme_id=a.scheme_id, period=a.period, item=a.item,
                            name=item.get("name"), direction=item.get("direction"),
                            points=format(a.points.normalize(), "f"), note=a.evidence, created_at=a.created_at)
                   for a in await session.scalars(
                       select(AdjustmentRow).where(AdjustmentRow.scheme_id.in_(ids), AdjustmentRow.person_id == pid,
                                                   AdjustmentRow.voided_at.is_(None))
                       .order_by(AdjustmentRow.period, AdjustmentRow.created_at))
                   for item in (definitions[a.scheme_id].get("adjustments", {}).get("items", {}).get(a.item, {}),)]
    events = [FileItem(id=e.id, scheme_id=e.scheme_id, period=e.period, item=e.item,
                       name=definitions[e.scheme_id].get("negative_items", {}).get(e.item, {}).get("name"),
                       note=e.note, created_at=e.created_at)
              for e in await session.scalars(
                  select(NegativeEvent).where(NegativeEvent.scheme_id.in_(ids), NegativeEvent.person_id == pid,
                                              NegativeEvent.voided_at.is_(None))
                  .order_by(NegativeEvent.period, NegativeEvent.created_at))]
    return adjustments, events


async def person_file(session: AsyncSession, neighbours: Neighbours, caller: Caller, person_id: uuid.UUID,
                      reason: str, today: date) -> PersonFile:
    person, placed, units = await person_for(neighbours, caller, person_id, officers_only=True)
    schemes = {s.id: s for s in await schemes_of_placed(session, placed)}
    periods = await _periods(session, schemes, person_id)
    adjustments, events = await _items(session, schemes, person_id)
    objections = [FileObjection(**ObjectionRead.model_validate(o).model_dump(), scheme_id=scheme_id, period=period)
                  for o, scheme_id, period in await session.execute(
                      select(Objection, Close.scheme_id, Close.period).join(Close, Close.id == Objection.close_id)
                      .where(Objection.person_id == person_id).order_by(Objection.created_at, Objection.id))]
    honours = await _every(neighbours, "/api/v1/records/honours", {"person_id": str(person_id)})
    tasks: list[dict[str, Any]] = []
    for year in sorted({parse_period(p.period).end.year for p in periods} | {today.year}):
        tasks += await _every(neighbours, "/api/v1/records/tasks", {"person_id": str(person_id), "period": str(year)})
    history = [{**h, "unit_name": (units.get(str(h["unit_id"])) or {}).get("name")} for h in person["history"]]
    read = FileRead(id=uuid.uuid4(), person_id=person_id, region_id=uuid.UUID(placed[-1][1]) if placed else None,
                    reason=reason, read_by=caller.subject)
    session.add(read)
    await session.flush()
    await session.refresh(read)
    return PersonFile(person_id=person_id, staff_no=person["staff_no"], name=person["name"], history=history,
                      periods=periods, adjustments=adjustments, negative_events=events, objections=objections,
                      honours=honours, tasks=tasks, read=FileReadOut.model_validate(read, from_attributes=True))


READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "the person themself, or an administrator or leader of their unit"},
    404: {"description": "no such person in the caller's regions"},
    422: {"description": "no reason given (query.reason)"}}
ReasonQuery = Annotated[str, Query(min_length=1, max_length=500, description="why the file is read (e.g. 干部考察)")]


def checked_reason(reason: str) -> str:
    """The reason, stripped; a 422 naming ``query.reason`` if nothing is left."""
    if not reason.strip():
        raise InputInvalid("a file is read with a reason", errors=[{"field": "query.reason",
                                                                    "message": "a reason is required"}])
    return reason.strip()


@router.get("/persons/{person_id}/file", response_model=PersonFile, responses=READ_RESPONSES,
            summary="A cadre's file (干部成长档案): every published result, item, event, objection, honour, task "
                    "and placement of a person; the read is recorded with its reason")
async def read_file(person_id: uuid.UUID, session: SessionDep, scope: ScopeDep, request: Request,
                    reason: ReasonQuery, today: TodayDep) -> PersonFile:
    """A cadre's file (干部成长档案): every published result, bonus and deduction item, negative-list event,
    objection, honour, task and placement of a person, period by period. The read is recorded with the
    reason given (`reason`), and the person can see who read it. 404 for a person the caller may not see.
    """
    found = await person_file(session, request.app.state.neighbours, scope.caller, person_id, checked_reason(reason),
                              today)
    disclose("read", len(found.periods), person_id=person_id)
    return found


@router.get("/persons/{person_id}/file/reads", response_model=FileReadPage,
            summary="Who read a person's file, when and why, newest first (the person sees their own)",
            responses={403: {"description": "an administrator or leader of the person's unit"},
                       404: {"description": "no such person the caller may see the reads of"}})
async def file_reads(person_id: uuid.UUID, session: SessionDep, scope: ScopeDep, request: Request,
                     page: PageDep) -> FileReadPage:
    """Who read a person's file, when and why, newest first; a person sees the reads of their own file; a page of the
    shared form (`limit`/`after`, `next`). 404 for a person the caller may not see.
    """
    await person_for(request.app.state.neighbours, scope.caller, person_id, officers_only=False)
    reads, last = await page.fetch(session, select(FileRead).where(FileRead.person_id == person_id),
                                   [FileRead.read_at, FileRead.id], lambda r: (r.read_at, r.id), descending=True,
                                   scalars=True)
    return page.page(FileReadPage, [FileReadOut.model_validate(r, from_attributes=True) for r in reads], last)
