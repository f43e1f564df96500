"""What a bulletin (通报) says, generated from the data of a region and a period.

- **Progress** (工作进展), one line per scheme of the region (and per unit without one): the review
  state of its latest version (``scoring.schemes.review``), whether and when the period was closed
  and its results published.
- **Ranking** (排名): the units whose results of the period are published, by the mean score of
  their latest published result version, then the share of 好 (``scoring.domain.unit_ranking``).
- **Commendations** (表扬): for a year, or its fourth quarter, the people graded 好 in all four
  quarters of the year (each quarter read from its latest published result version); the honours
  of the records ledger awarded within the period.
- **Criticisms** (批评): units late with the period (no scheme, not closed, or closed and not
  published); rectification items (``scoring.supervision``) of the region overdue on the day the
  bulletin is drafted whose deadline fell on or before the period's end (an item still overdue is
  criticised again in each later period's bulletin, one due after the period waits for its own);
  people at the bottom of their group in consecutive months where their scheme ranks monthly
  (``scoring.results.bottom``), for a quarter or each quarter of a year.

A period in which no scheme of the region has closed is refused (422 naming ``body.period``).
Queries: the review list's four, one for the closes, one for the published results' means, one
for the overdue items, one for the four quarters' 好, one for the schemes that keep a bottom list;
the bottom lists of those schemes; records for the units, the region's name, the honours and the
names of people listed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from fractions import Fraction
from typing import Any, ClassVar

from pydantic import BaseModel, Field
from sqlalchemy import Integer, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.bulletins.words import date_words, period_words
from scoring.clients import Neighbours
from scoring.domain.unit_ranking import rank_units
from scoring.errors import NothingClosed
from scoring.models import Close, Result, SchemeVersion
from scoring.results.bottom import bottom_list
from scoring.schemes import review
from scoring.scope import Scope
from scoring.supervision.models import FINAL, Notice, NoticeItem
from shared.labels import label_of
from shared.numbers import decimal_str
from shared.periods import Period, of_kind

GOOD = "good"


class UnitLine(BaseModel):
    key: str = Field(description="the line's key, to remove it from a draft")
    unit_id: uuid.UUID | None
    unit_name: str | None
    scheme_id: uuid.UUID | None
    scheme_name: str | None
    review_state: str = Field(description="as in the region's review list: approved, submitted, … or no_scheme")
    review_state_label: ClassVar[Any] = label_of("review_state", "review_state")
    closed_at: datetime | None = Field(description="when the period's latest result version was computed")
    close_version: int | None
    published_at: datetime | None = Field(description="when its latest published result version was published")
    people: int | None = Field(description="people in the published results")
    mean_score: str | None = Field(description="their mean score, to 2 places")
    good_share: str | None = Field(description="their share graded 好, to 4 places")
    rank: int | None = Field(description="by mean score, then share of 好; none: nothing published")
    late: str | None = Field(description="no_scheme, not_closed or not_published; none: on time")
    late_label: ClassVar[Any] = label_of("bulletin_line", "late")


class Line(BaseModel):
    key: str = Field(description="the line's key, to remove it from a draft")
    kind: str = Field(description="four_good or honour (commendations); late_unit, overdue_rectification or "
                                  "bottom_running (criticisms)")
    kind_label: ClassVar[Any] = label_of("bulletin_line", "kind")
    unit_id: uuid.UUID | None
    unit_name: str | None
    person_id: uuid.UUID | None
    name: str | None
    text: str = Field(description="the line as the bulletin prints it")


class Content(BaseModel):
    region_name: str
    units: list[UnitLine]
    commendations: list[Line]
    criticisms: list[Line]


LATE_WORDS = {"no_scheme": "尚未制定平时考核方案", "not_closed": "未按时完成{p}考核结果核定",
              "not_published": "{p}考核结果已核定但尚未公示公布"}


async def generate_content(session: AsyncSession, neighbours: Neighbours, region_id: uuid.UUID, period: Period,
                           scope: Scope, today: date) -> Content:
    listing = await review.region_list(session, neighbours, region_id, period, scope)
    ids = [row.scheme_id for row in listing.items if row.scheme_id is not None]
    latest: dict[uuid.UUID, Close] = {}
    published: dict[uuid.UUID, Close] = {}
    if ids:
        for found in await session.scalars(select(Close).where(Close.scheme_id.in_(ids), Close.period == period.code)
                                           .order_by(Close.version)):
            latest[found.scheme_id] = found
            if found.published_at is not None:
                published[found.scheme_id] = found
    if not latest:
        raise NothingClosed(f"no scheme of region {region_id} has closed {period.code}: there is nothing to report "
                            "on yet")
    measured = await _measured(session, list(published.values()))
    words = period_words(period)
    units: list[UnitLine] = []
    exact: dict[str, tuple[Fraction, Fraction]] = {}  # the ranking's measures, unrounded
    for row in listing.items:
        close: Close | None = latest.get(row.scheme_id) if row.scheme_id else None
        shown: Close | None = published.get(row.scheme_id) if row.scheme_id else None
        people, mean, share = measured.get(shown.id, (0, None, None)) if shown is not None else (None, None, None)
        late = "no_scheme" if row.scheme_id is None else "not_closed" if close is None else \
            "not_published" if shown is None else None
        units.append(UnitLine(
            key=f"unit:{row.scheme_id or row.unit_id}", unit_id=row.unit_id, unit_name=row.unit_name,
            scheme_id=row.scheme_id, scheme_name=row.scheme_name, review_state=row.state,
            closed_at=None if close is None else close.created_at,
            close_version=None if close is None else close.version,
            published_at=None if shown is None else shown.published_at, people=people,
            mean_score=None if mean is None else decimal_str(mean, 2),
            good_share=None if share is None else decimal_str(share, 4), rank=None, late=late))
        if mean is not None:
            exact[units[-1].key] = (mean, share or Fraction(0))
    ranks = rank_units(exact)
    for line in units:
        line.rank = ranks.get(line.key)
    units.sort(key=lambda x: (x.rank is None, x.rank or 0, x.unit_name or ""))
    criticisms = [Line(key=f"late:{u.scheme_id or u.unit_id}", kind="late_unit", unit_id=u.unit_id,
                       unit_name=u.unit_name, person_id=None, name=None,
                       text=f"{u.unit_name or u.scheme_name}{LATE_WORDS[u.late].format(p=words)}")
                  for u in units if u.late is not None]
    criticisms += await _overdue(session, neighbours, region_id, period, scope, today,
                                 {str(row.unit_id): row.unit_name for row in listing.items if row.unit_id})
    criticisms += await _bottom(session, neighbours, ids, period, scope)
    commendations = await _four_good(session, neighbours, ids, period, scope)
    commendations += await _honours(neighbours, region_id, period, scope, {str(u.unit_id): u.unit_name for u in units})
    return Content(region_name=await neighbours.region_name(region_id=region_id), units=units,
                   commendations=commendations, criticisms=criticisms)


async def _measured(session: AsyncSession, closes: list[Close]) -> dict[uuid.UUID, tuple[int, Fraction | None,
                                                                                          Fraction | None]]:
    """Per published result version (one query): its people, their exact mean score (of those
    scored) and share graded 好 (of those graded)."""
    if not closes:
        return {}
    good = func.sum(func.cast(Result.grade == GOOD, Integer))
    rows = await session.execute(
        select(Result.close_id, func.count(), func.sum(Result.score), func.count(Result.score), good,
               func.count(Result.grade))
        .where(Result.close_id.in_([c.id for c in closes])).group_by(Result.close_id))
    return {cid: (people, Fraction(total) / scored if scored else None,
                  Fraction(int(g or 0), graded) if graded else None) for cid, people, total, scored, g, graded in rows}


async def _names(neighbours: Neighbours, people: list[str], period: Period, scope: Scope) -> dict[str, dict[str, Any]]:
    if not people:
        return {}
    return await neighbours.names(people, on=period.end, caller=scope.caller)


async def _four_good(session: AsyncSession, neighbours: Neighbours, ids: list[uuid.UUID], period: Period,
                     scope: Scope) -> list[Line]:
    """People graded 好 in each of the year's four quarters (their latest published versions)."""
    if not ids or not (period.kind == "year" or period.code.endswith("Q4")):
        return []
    quarters = [of_kind("quarter", period.year, q).code for q in range(1, 5)]
    shown = (select(Close.id, Close.period).where(Close.scheme_id.in_(ids), Close.period.in_(quarters),
                                                  Close.published_at.is_not(None))
             .order_by(Close.scheme_id, Close.period, Close.version.desc())
             .ext(distinct_on(Close.scheme_id, Close.period)).subquery())
    rows = await session.execute(
        select(Result.person_id, Result.unit_id).join(shown, shown.c.id == Result.close_id)
        .where(Result.grade == GOOD).group_by(Result.person_id, Result.unit_id)
        .having(func.count(func.distinct(shown.c.period)) == 4))
    people = sorted((str(pid), unit) for pid, unit in rows)
    names = await _names(neighbours, [pid for pid, _ in people], period, scope)
    lines = []
    for pid, unit in people:
        found = names.get(pid, {})
        lines.append(Line(key=f"four_good:{pid}", kind="four_good", unit_id=unit, unit_name=found.get("unit_name"),
                          person_id=uuid.UUID(pid), name=found.get("name"),
                          text=f"{found.get('unit_name') or ''}{found.get('name') or pid}"
                               f"{period.year}年四个季度平时考核均为“好”等次"))
    return lines


async def _honours(neighbours: Neighbours, region_id: uuid.UUID, period: Period, scope: Scope,
                   unit_names: dict[str, str | None]) -> list[Line]:
    honours = await neighbours.honours(region_id=region_id, first=period.start, last=period.end)
    names = await _names(neighbours, sorted({str(h["person_id"]) for h in honours if h.get("person_id")}),
                         period, scope)
    lines = []
    for h in honours:
        pid = None if h.get("person_id") is None else str(h["person_id"])
        person = names.get(pid, {}) if pid else {}
        unit = unit_names.get(str(h["unit_id"])) or person.get("unit_name")
        who = f"{unit or ''}{person.get('name') or ''}"
        lines.append(Line(key=f"honour:{h['id']}", kind="honour", unit_id=h["unit_id"], unit_name=unit,
                          person_id=pid, name=person.get("name"),
                          text=f"{who}获{h['awarded_by']}授予“{h['title']}”（{h['awarded_on']}）"))
    return lines


async def _overdue(session: AsyncSession, neighbours: Neighbours, region_id: uuid.UUID, period: Period,
                   scope: Scope, today: date, unit_names: dict[str, str | None]) -> list[Line]:
    """The region's rectification items past their deadline today, neither signed off nor closed,
    due on or before the period's end (one query): the earliest deadline first."""
    rows = list(await session.execute(
        select(Notice.unit_id, Notice.title, Notice.issued_on, NoticeItem)
        .join(NoticeItem, NoticeItem.notice_id == Notice.id)
        .where(Notice.region_id == region_id, NoticeItem.state.not_in(FINAL), NoticeItem.deadline < today,
               NoticeItem.deadline <= period.end)
        .order_by(NoticeItem.deadline, Notice.issued_at, NoticeItem.position)))
    if any(str(unit) not in unit_names for unit, *_ in rows):  # a member unit of a merged scheme
        unit_names = {**{str(u["id"]): str(u["name"]) for u in await neighbours.region_units(
            region_id=region_id, caller=scope.caller)}, **unit_names}
    lines = []
    for unit_id, title, issued_on, item in rows:
        name = unit_names.get(str(unit_id))
        lines.append(Line(
            key=f"overdue:{item.id}", kind="overdue_rectification", unit_id=unit_id, unit_name=name, person_id=None,
            name=None, text=f"{name or unit_id}未按期完成整改：{date_words(issued_on)}《{title}》第{item.position}项"
                            f"“{item.text}”限{date_words(item.deadline)}前整改到位，至今未销号"))
    return lines


async def _bottom(session: AsyncSession, neighbours: Neighbours, ids: list[uuid.UUID], period: Period,
                  scope: Scope) -> list[Line]:
    """The bottom lists of the schemes that keep one, for the quarter (or each quarter of the year)."""
    quarters = [period] if period.kind == "quarter" else period.quarters_of() if period.kind == "year" else []
    if not ids or not quarters:
        return []
    newest = (select(SchemeVersion.scheme_id, func.max(SchemeVersion.version).label("version"))
              .where(SchemeVersion.scheme_id.in_(ids)).group_by(SchemeVersion.scheme_id).subquery())
    keeping = list(await session.scalars(
        select(SchemeVersion.scheme_id).join(newest, (newest.c.scheme_id == SchemeVersion.scheme_id)
                                             & (newest.c.version == SchemeVersion.version))
        .where(SchemeVersion.definition["bottom_rule"].is_not(None),
               func.jsonb_typeof(SchemeVersion.definition["bottom_rule"]) == "object")
        .order_by(SchemeVersion.scheme_id)))
    lines = []
    for scheme_id in keeping:
        for quarter in quarters:
            found = await bottom_list(session, neighbours, scheme_id, quarter, scope)
            for group in found.groups:
                for p in group.people:
                    months = "、".join(m.period for m in p.months if m.at_bottom)
                    lines.append(Line(
                        key=f"bottom:{scheme_id}:{quarter.code}:{p.person_id}", kind="bottom_running",
                        unit_id=p.unit_id, unit_name=p.unit_name, person_id=p.person_id, name=p.name,
                        text=f"{p.unit_name or ''}{p.name or p.person_id}在{group.name}中连续{p.months_running}"
                             f"个月排名末位（{months}）"))
    return lines
