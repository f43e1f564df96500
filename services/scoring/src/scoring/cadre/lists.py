"""The lists the organisation department acts on (结果运用), per region and year, from the latest
published year result of each scheme of the region:

- ``four_good``: four quarters graded 好 (priority in commendation, training and promotion);
- ``reminders``: due a reminder talk, a notice or more under the escalation rules (``annual.escalation``);
- ``no_bonus``: no annual bonus, and why: excluded from the year's grading (a sanction or an
  investigation on the negative list, more leave than the scheme allows: the year close's reasons);
- ``excellent``: graded excellent (eligible for training or secondment).

Each as JSON and as XLSX, with names and units (one records call per 1,000 people). Two
statements whatever the region's size: the schemes, and the rows of their latest published years.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.models import Close, Result, Scheme
from scoring.scope import ScopeDep
from shared.db import SessionDep
from shared.errors import NotFound
from shared.labels import ZH, label, label_of
from shared.service_auth import Caller
from shared.touched import disclose, touch
from shared.xlsx import XLSX_RESPONSES, grade_name, workbook, write_table, xlsx_response

router = APIRouter(prefix="/api/v1/scoring", tags=["use of results"])

ListName = Literal["four_good", "reminders", "no_bonus", "excellent"]
ListPath = Annotated[ListName, Path(description="four_good, reminders, no_bonus or excellent")]
YearPath = Annotated[int, Path(ge=2000, le=2100)]
EXCLUDED, NO_GRADE = "excluded: ", "; no annual grade"  # the year close's reason of an exclusion


class ListRow(BaseModel):
    person_id: uuid.UUID
    staff_no: str | None
    name: str | None
    unit_id: uuid.UUID | None
    unit_name: str | None
    scheme_id: uuid.UUID
    close_id: uuid.UUID = Field(description="the published year result the row is of")
    score: str | None
    grade: str | None
    grade_label: ClassVar[Any] = label_of("grade", "grade")
    why: list[str] = Field(description="the escalation's consequences, the reason of an exclusion, the year's reasons")


class ActionList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "year": 2025,
         "list_name": "excellent",
         "rows": [{"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
                   "staff_no": "X-001",
                   "name": "王芳",
                   "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                   "unit_name": "夏村镇",
                   "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                   "close_id": "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82",
                   "score": "86.50",
                   "grade": "good",
                   "why": ["录入有误"]}]}]})
    region_id: uuid.UUID
    year: int
    list_name: str
    list_name_label: ClassVar[Any] = label_of("action_list", "list_name")
    rows: list[ListRow] = Field(description="by unit name, then name")


def _why(list_name: str, detail: dict[str, Any], grade: str | None) -> list[str] | None:
    """The row's reasons if the person is on the list, else None."""
    reasons = [str(r) for r in detail.get("grade", {}).get("reasons", [])]
    if list_name == "four_good":
        return [r for r in reasons if "four quarters" in r] if detail.get("four_good_priority") else None
    if list_name == "reminders":
        consequences = [str(c) for c in detail.get("consequences", [])]
        return consequences or None
    if list_name == "no_bonus":
        excluded = [r.removeprefix(EXCLUDED).removesuffix(NO_GRADE) for r in reasons if r.startswith(EXCLUDED)]
        return excluded if grade is None and excluded else None
    return reasons if grade == "excellent" else None


async def action_list(session: AsyncSession, neighbours: Neighbours, caller: Caller, region_id: uuid.UUID,
                      year: int, list_name: str) -> ActionList:
    schemes = select(Scheme.id).where(Scheme.region_id == region_id)
    latest = (select(Close.id).where(Close.scheme_id.in_(schemes), Close.period == str(year),
                                     Close.published_at.is_not(None))
              .order_by(Close.scheme_id, Close.version.desc()).ext(distinct_on(Close.scheme_id)))
    found = []
    rows = select(Result, Close.scheme_id).join(Close, Close.id == Result.close_id).where(Result.close_id.in_(latest))
    for result, scheme_id in await session.execute(rows):
        why = _why(list_name, result.detail, result.grade)
        if why is not None:
            found.append(ListRow(person_id=result.person_id, staff_no=None, name=None, unit_id=result.unit_id,
                                 unit_name=None, scheme_id=scheme_id, close_id=result.close_id,
                                 score=None if result.score is None else format(result.score.normalize(), "f"),
                                 grade=result.grade, why=why))
    names = await neighbours.names([r.person_id for r in found], on=date(year, 12, 31), caller=caller)
    for row in found:
        person = names.get(str(row.person_id))
        if person is not None:
            row.staff_no, row.name, row.unit_name = person["staff_no"], person["name"], person["unit_name"]
    found.sort(key=lambda r: (r.unit_name or "", r.name or "", str(r.person_id)))
    return ActionList(region_id=region_id, year=year, list_name=list_name, rows=found)


async def _checked(request: Request, scope: ScopeDep, session: AsyncSession, region_id: uuid.UUID, year: int,
                   list_name: str) -> ActionList:
    touch(region_id=region_id)
    if not scope.caller.administers_region(region_id):
        raise NotFound(f"no region {region_id}", code="region_not_found")
    return await action_list(session, request.app.state.neighbours, scope.caller, region_id, year, list_name)


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such region among the caller's"},
             422: {"description": "not a list (path.list_name) or not a year (path.year)"}}


@router.get("/regions/{region_id}/years/{year}/lists/{list_name}.xlsx", response_class=Response,
            responses={**XLSX_RESPONSES, **NOT_FOUND}, summary="A list the department acts on, as XLSX")
async def list_xlsx(region_id: uuid.UUID, year: YearPath, list_name: ListPath, session: SessionDep, scope: ScopeDep,
                    request: Request) -> Response:
    """The same list as an XLSX workbook. 404 `region_not_found`; 422 for an unknown list name."""
    found = await _checked(request, scope, session, region_id, year, list_name)
    title = f"{year}年度{label('action_list', list_name, ZH)}"
    book = workbook()
    headers = ["工号", "姓名", "单位", "年度得分", "等次", "说明"]
    write_table(book.create_sheet(label("action_list", list_name, ZH)), headers,
                ([r.staff_no, r.name, r.unit_name, r.score, grade_name(r.grade),
                  "；".join(r.why)] for r in found.rows), widths=(14, 10, 20, 10, 8, 60), title=title)
    disclose("export", len(found.rows), region_id=region_id, year=year, list_name=list_name)
    return xlsx_response(book, f"{list_name}-{year}", display_name=title)


@router.get("/regions/{region_id}/years/{year}/lists/{list_name}", response_model=ActionList, responses=NOT_FOUND,
            summary="A list the department acts on: four 好 quarters, reminder talks and notices, no annual bonus "
                    "and why, excellent; with names and units")
async def list_json(region_id: uuid.UUID, year: YearPath, list_name: ListPath, session: SessionDep, scope: ScopeDep,
                    request: Request) -> ActionList:
    """A list the organisation department acts on for a year (excellent, four quarters of 好, reminder talks and
    notices, no annual bonus and why), with names and units. 404 `region_not_found`; 422 for an unknown list
    name.
    """
    found = await _checked(request, scope, session, region_id, year, list_name)
    disclose("read", len(found.rows), region_id=region_id, year=year, list_name=list_name)
    return found
