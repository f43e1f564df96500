"""A region's bulletins: drafted from the data, edited, issued (第N期) and then kept unchanged.

Only the region's organisation department (its administrators, and the province's) drafts, edits,
issues and reads them: a bulletin names every unit of the region and its people, and is sent to
the units as the issued document, not read by them here. Anyone else is told there is no such
region (404).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.bulletins import content
from scoring.bulletins.content import Content, Line, UnitLine
from scoring.bulletins.models import Bulletin, BulletinNumber
from scoring.bulletins.words import title_of
from scoring.clients import Neighbours
from scoring.errors import BulletinIssued, BulletinNotFound, RegionNotFound, bad_field
from scoring.examples import PERSON_ID, UNIT_ID
from scoring.periods import parsed
from scoring.scope import Scope
from shared.business_time import business_day
from shared.labels import label_of
from shared.openapi import examples_of, page_examples
from shared.pagination import KeyColumn, Page, PageQuery
from shared.periods import PERIOD_SCHEMA
from shared.touched import touch


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"period": "2025Q2"}]})
    period: str = Field(max_length=7, json_schema_extra=PERIOD_SCHEMA,
                        description="the period reported on: a quarter 2025Q1, a year 2025, …",
                        examples=["2025Q1"])
    preface: str | None = Field(default=None, min_length=1, max_length=5000)


class RemoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=200, description="the key of a line of the draft")
    reason: str = Field(min_length=1, max_length=2000)


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"remove": [{"key": "de", "reason": "录入有误，更正"}]}]})
    preface: str | None = Field(default=None, min_length=1, max_length=5000,
                                description="the opening text; left out: unchanged")
    remove: list[RemoveIn] = Field(default_factory=list, max_length=500,
                                   description="lines taken out, each with why (kept and listed in `removed`)")


class Removed(BaseModel):
    key: str
    reason: str
    by: str
    at: datetime
    line: dict[str, Any] = Field(description="the line as it was")


class BulletinSummary(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "period": "2025Q2",
         "state": "issued",
         "year": 2025,
         "number": 1,
         "title": "关于2025年第二季度平时考核结果的通报",
         "created_at": "2025-07-01T09:30:00Z",
         "created_by": "admin",
         "issued_at": "2025-07-01T09:30:00Z",
         "issued_by": "admin"}]})
    id: uuid.UUID
    region_id: uuid.UUID
    period: str
    state: str = Field(description="draft or issued")
    state_label: ClassVar[Any] = label_of("bulletin_state", "state")
    year: int | None = Field(description="issued: the year of issue its number counts in")
    number: int | None = Field(description="issued: 第N期 of the region's year")
    title: str
    created_at: datetime
    created_by: str
    issued_at: datetime | None
    issued_by: str | None


class BulletinPage(Page[BulletinSummary]):
    """A region's bulletins: drafts first, then the issued ones, newest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(BulletinSummary))


#: A commendation's or a criticism's line of the example bulletin.
NAMED_LINE: dict[str, Any] = {"key": "de", "kind": "four_good", "unit_id": UNIT_ID, "unit_name": "夏村镇",
                              "person_id": PERSON_ID, "name": "夏村镇", "text": "夏村镇2025年第二季度考核结果"}


class BulletinRead(BulletinSummary):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {**examples_of(BulletinSummary)[0], "state": "draft",
         "preface": "根据县委考核办安排",
         "region_name": "演示县",
         "ranking_rule": "score",
         "units": [{"key": "de",
                    "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                    "unit_name": "夏村镇",
                    "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                    "scheme_name": "夏村镇机关干部",
                    "review_state": "approved",
                    "closed_at": "2025-07-01T09:30:00Z",
                    "close_version": 1,
                    "published_at": "2025-07-01T09:30:00Z",
                    "people": 1,
                    "mean_score": "86.50",
                    "good_share": "0.3",
                    "rank": 1,
                    "late": "not_published"}],
         "commendations": [NAMED_LINE],
         "criticisms": [NAMED_LINE],
         "removed": [{"key": "de", "reason": "录入有误，更正", "by": "admin", "at": "2025-07-01T09:30:00Z",
                      "line": {}}]}]})
    preface: str | None
    region_name: str
    ranking_rule: str = Field(description="how units are ranked")
    units: list[UnitLine] = Field(description="progress and ranking, ranked units first")
    commendations: list[Line]
    criticisms: list[Line]
    removed: list[Removed]


RANKING_RULE = ("units with published results ranked by their mean score, highest first, then by their share of "
                "好; equal on both, equal rank")


def _read(bulletin: Bulletin) -> BulletinRead:
    stored = Content.model_validate(bulletin.content)
    gone = {r["key"] for r in bulletin.removed}
    return BulletinRead(
        **summary(bulletin).model_dump(), preface=bulletin.preface, region_name=stored.region_name,
        ranking_rule=RANKING_RULE, units=[u for u in stored.units if u.key not in gone],
        commendations=[x for x in stored.commendations if x.key not in gone],
        criticisms=[x for x in stored.criticisms if x.key not in gone],
        removed=[Removed.model_validate(r) for r in bulletin.removed])


def summary(bulletin: Bulletin) -> BulletinSummary:
    return BulletinSummary(id=bulletin.id, region_id=bulletin.region_id, period=bulletin.period, state=bulletin.state,
                           year=bulletin.year, number=bulletin.number, title=bulletin.title,
                           created_at=bulletin.created_at, created_by=bulletin.created_by,
                           issued_at=bulletin.issued_at, issued_by=bulletin.issued_by)


def _region(region_id: uuid.UUID, scope: Scope) -> None:
    touch(region_id=region_id)
    if not scope.caller.administers_region(region_id):
        raise RegionNotFound(f"no region {region_id} of yours")


async def draft_bulletin(session: AsyncSession, neighbours: Neighbours, region_id: uuid.UUID, body: DraftIn,
                         scope: Scope, today: date) -> BulletinRead:
    _region(region_id, scope)
    period = parsed(body.period, "body.period")
    made = await content.generate_content(session, neighbours, region_id, period, scope, today)
    bulletin = Bulletin(region_id=region_id, period=period.code, state="draft", preface=body.preface,
                        title=title_of(made.region_name, period), content=made.model_dump(mode="json"), removed=[],
                        created_by=scope.caller.subject)
    session.add(bulletin)
    await session.flush()
    await session.refresh(bulletin)
    return _read(bulletin)


async def _one(session: AsyncSession, region_id: uuid.UUID, bulletin_id: uuid.UUID, scope: Scope, *,
               lock: bool = False) -> Bulletin:
    _region(region_id, scope)
    query = select(Bulletin).where(Bulletin.id == bulletin_id, Bulletin.region_id == region_id)
    bulletin = await session.scalar(query.with_for_update() if lock else query)
    if bulletin is None:
        raise BulletinNotFound(f"region {region_id} has no bulletin {bulletin_id}")
    return bulletin


async def read_bulletin(session: AsyncSession, region_id: uuid.UUID, bulletin_id: uuid.UUID,
                        scope: Scope) -> BulletinRead:
    return _read(await _one(session, region_id, bulletin_id, scope))


async def list_bulletins(session: AsyncSession, region_id: uuid.UUID, scope: Scope, page: PageQuery, *,
                         state: str | None, period: str | None) -> BulletinPage:
    _region(region_id, scope)
    query = select(Bulletin).where(Bulletin.region_id == region_id)
    if state is not None:
        query = query.where(Bulletin.state == state)
    if period is not None:
        query = query.where(Bulletin.period == parsed(period, "query.period").code)
    # drafts (no year, no number) first: they sort as the largest
    keys: list[KeyColumn] = [func.coalesce(Bulletin.year, _DRAFT), func.coalesce(Bulletin.number, _DRAFT),
                             Bulletin.created_at, Bulletin.id]
    found, last = await page.fetch(session, query, keys, lambda b: (
        _DRAFT if b.year is None else b.year, _DRAFT if b.number is None else b.number, b.created_at, b.id),
        descending=True, scalars=True)
    return page.page(BulletinPage, [summary(b) for b in found], last)


_DRAFT = 2**31 - 1


def _issued(bulletin: Bulletin) -> None:
    if bulletin.state == "issued":
        raise BulletinIssued(f"bulletin {bulletin.id} was issued as {bulletin.year}年第{bulletin.number}期: it is "
                             "kept as issued; draft a new one", extra={"number": bulletin.number})


async def edit_draft(session: AsyncSession, region_id: uuid.UUID, bulletin_id: uuid.UUID, body: EditIn,
               scope: Scope) -> BulletinRead:
    """A draft's preface, and lines removed with a reason (all or nothing)."""
    bulletin = await _one(session, region_id, bulletin_id, scope, lock=True)
    _issued(bulletin)
    stored = Content.model_validate(bulletin.content)
    lines = {x.key: x.model_dump(mode="json") for x in stored.units}
    lines.update((x.key, x.model_dump(mode="json")) for x in (*stored.commendations, *stored.criticisms))
    gone = {r["key"] for r in bulletin.removed}
    now = await session.scalar(select(func.now()))
    removed = list(bulletin.removed)
    for index, item in enumerate(body.remove):
        if item.key not in lines:
            raise bad_field(f"the bulletin has no line {item.key!r}", f"body.remove.{index}.key")
        if item.key in gone:
            raise bad_field(f"line {item.key!r} is removed already", f"body.remove.{index}.key")
        gone.add(item.key)
        removed.append({"key": item.key, "reason": item.reason, "by": scope.caller.subject,
                        "at": now.isoformat() if now else None, "line": lines[item.key]})
    if body.preface is not None:
        bulletin.preface = body.preface
    bulletin.removed = removed
    bulletin.updated_at = func.now()
    await session.flush()
    await session.refresh(bulletin)
    return _read(bulletin)


async def issue_bulletin(session: AsyncSession, region_id: uuid.UUID, bulletin_id: uuid.UUID,
                         scope: Scope) -> BulletinRead:
    """Numbered from the region's counter of the year of issue, in the issuing transaction: a
    second issuer waits on the counter's row, and a rolled-back issue gives its number back."""
    bulletin = await _one(session, region_id, bulletin_id, scope, lock=True)
    _issued(bulletin)
    now = await session.scalar(select(func.now()))
    assert now is not None
    year = business_day(now).year
    counter = insert(BulletinNumber).values(region_id=region_id, year=year, last=1)
    number = await session.scalar(counter.on_conflict_do_update(
        index_elements=[BulletinNumber.region_id, BulletinNumber.year],
        set_={"last": BulletinNumber.last + 1}).returning(BulletinNumber.last))
    bulletin.state, bulletin.year, bulletin.number = "issued", year, number
    bulletin.issued_at, bulletin.issued_by = now, scope.caller.subject
    await session.flush()
    await session.refresh(bulletin)
    return _read(bulletin)
