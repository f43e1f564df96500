"""The progress of a region's units in a period (督导), for its organisation department: per unit (and
scheme), the scheme's review state, the procedure's stage, weekly records and monthly reports
written and on time of those due, ballots cast of those expected, the close and the publication
(when), objections open and the grade distribution against the scheme's caps; units late or off
their caps flagged with each reason (records written late only once the period is over: until then
the weeks and months still to come count as due). Seven queries and two calls to records, whatever the number
of units: no call or query per unit.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any, ClassVar, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.errors import RegionNotFound
from scoring.models import (
    Close,
    Objection,
    ProcedureRun,
    RatingRound,
    RatingRow,
    Result,
    RoundRater,
    Scheme,
    SchemeVersion,
)
from scoring.schemes.review import latest_of_region, states
from scoring.scope import Scope
from scoring.supervision.notices import officer_of
from shared.errors import UpstreamUnavailable
from shared.labels import labels_of
from shared.periods import Period
from shared.service_auth import SYSTEM_CALLER

#: why a unit is flagged: the lateness reasons, and off_caps
LATE = ("no_scheme", "not_approved", "stage_overdue", "records_late", "ballots_missing", "not_closed")
REASONS = (*LATE, "over_cap")
Sort = Literal["flags", "unit", "review", "stage", "records", "ballots", "objections", "closed"]
Flag = Literal["late", "off_caps", "any"]


class UnitProgress(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    group: str | None
    scheme_id: uuid.UUID | None = Field(description="none: the unit has no scheme of its own or of its group")
    scheme_name: str | None
    version: int | None
    review_state: str = Field(description="no_scheme, not_submitted, submitted, returned or approved")
    stage: str | None = Field(description="the procedure's current stage (code); none: not started")
    stage_name: str | None
    stage_closes: date | None
    people: int
    weeks_due: int
    weeks_written: int
    weeks_on_time: int
    months_due: int
    reports_written: int
    reports_on_time: int
    ballots_expected: int = Field(description="raters named in the period's rounds (of the scheme)")
    ballots_cast: int = Field(description="of them, those who rated")
    closed_at: datetime | None = Field(description="the latest result version's")
    close_version: int | None
    published_at: datetime | None
    objections_open: int
    grades: dict[str, int] = Field(description="the latest result version's people of this unit by grade")
    caps: dict[str, str] = Field(description="the scheme's caps: grade → largest share")
    over_caps: list[str] = Field(description="grades whose share is above their cap")
    reasons: list[str] = Field(description=f"why flagged: {', '.join(REASONS)}")
    reasons_labels: ClassVar[Any] = labels_of("progress_reason", "reasons")
    late: bool
    off_caps: bool


class ProgressRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "period": "2025Q2",
         "today": "2025-06-30",
         "counts": {"de": 1},
         "items": [{"unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                    "unit_name": "夏村镇",
                    "group": "leadership",
                    "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                    "scheme_name": "夏村镇机关干部",
                    "version": 1,
                    "review_state": "approved",
                    "stage": "rating",
                    "stage_name": "民主测评",
                    "stage_closes": "2025-06-30",
                    "people": 1,
                    "weeks_due": 1,
                    "weeks_written": 1,
                    "weeks_on_time": 1,
                    "months_due": 1,
                    "reports_written": 1,
                    "reports_on_time": 1,
                    "ballots_expected": 1,
                    "ballots_cast": 1,
                    "closed_at": "2025-07-01T09:30:00Z",
                    "close_version": 1,
                    "published_at": "2025-07-01T09:30:00Z",
                    "objections_open": 1,
                    "grades": {"de": 1},
                    "caps": {"de": "caps"},
                    "over_caps": ["over_cap"],
                    "reasons": ["records_late"],
                    "late": False,
                    "off_caps": False}]}]})
    region_id: uuid.UUID
    period: str
    today: date
    counts: dict[str, int] = Field(description="units (rows), late, off_caps")
    items: list[UnitProgress]


async def _unit_totals(neighbours: Neighbours, region_id: uuid.UUID, period: Period) -> dict[str, dict[str, int]]:
    response = await neighbours.records.request("GET", f"/api/v1/records/regions/{region_id}/unit-totals",
                                                caller=SYSTEM_CALLER, params={"period": period.code})
    if response.status_code == 404:  # a province administrator naming a region nobody has
        raise RegionNotFound(f"no region {region_id}")
    if response.status_code != 200:
        raise UpstreamUnavailable(f"records answered {response.status_code} for the region's unit totals")
    return {u["unit_id"]: u for u in orjson.loads(response.content)["units"]}


async def _facts(session: AsyncSession, ids: list[uuid.UUID], period: Period) -> dict[str, Any]:
    """Everything of the schemes ``ids`` in the period, in five queries."""
    runs = {r.scheme_id: r for r in await session.scalars(
        select(ProcedureRun).where(ProcedureRun.scheme_id.in_(ids), ProcedureRun.period == period.code))}
    closes: dict[uuid.UUID, Close] = {}
    published: dict[uuid.UUID, datetime] = {}
    for close in await session.scalars(select(Close).where(Close.scheme_id.in_(ids), Close.period == period.code)
                                       .order_by(Close.version)):
        closes[close.scheme_id] = close
        if close.published_at is not None:
            published[close.scheme_id] = close.published_at
    grades: dict[tuple[uuid.UUID, str | None], Counter[str]] = defaultdict(Counter)
    if closes:
        latest = {c.id: sid for sid, c in closes.items()}
        for close_id, unit, grade, count in await session.execute(
                select(Result.close_id, Result.unit_id, Result.grade, func.count())
                .where(Result.close_id.in_(list(latest))).group_by(Result.close_id, Result.unit_id, Result.grade)):
            grades[(latest[close_id], None if unit is None else str(unit))][grade or "none"] += count
    objections: Counter[tuple[uuid.UUID, str | None]] = Counter()
    for sid, unit, count in await session.execute(
            select(Close.scheme_id, Result.unit_id, func.count()).select_from(Objection)
            .join(Close, Close.id == Objection.close_id)
            .outerjoin(Result, (Result.close_id == Objection.close_id) & (Result.person_id == Objection.person_id))
            .where(Close.scheme_id.in_(ids), Close.period == period.code, Objection.status == "pending")
            .group_by(Close.scheme_id, Result.unit_id)):
        objections[(sid, None if unit is None else str(unit))] += count
    expected = (select(RoundRater.round_id, func.count().label("n")).group_by(RoundRater.round_id).subquery())
    cast = (select(RatingRow.round_id, func.count(distinct(RatingRow.rater_id)).label("n"))
            .group_by(RatingRow.round_id).subquery())
    ballots: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0])  # expected, cast, missing in a due round
    for sid, closed, closes_at, n_expected, n_cast in await session.execute(
            select(RatingRound.scheme_id, RatingRound.status == "closed", RatingRound.closes_at,
                   func.coalesce(expected.c.n, 0), func.coalesce(cast.c.n, 0))
            .outerjoin(expected, expected.c.round_id == RatingRound.id)
            .outerjoin(cast, cast.c.round_id == RatingRound.id)
            .where(RatingRound.scheme_id.in_(ids), RatingRound.period == period.code)):
        ballots[sid][0] += n_expected
        ballots[sid][1] += n_cast
        if closed or (closes_at is not None and closes_at < datetime.now(closes_at.tzinfo)):
            ballots[sid][2] += n_expected - n_cast
    return {"runs": runs, "closes": closes, "published": published, "grades": grades, "objections": objections,
            "ballots": ballots}


def _stage(run: ProcedureRun | None) -> tuple[str | None, str | None, date | None, bool]:
    if run is None:
        return None, None, None, False
    stage = run.stages[run.stage]
    closes = date.fromisoformat(stage["closes"]) if stage.get("closes") else None
    return stage["code"], stage["name"], closes, stage.get("produces") == "final"


def _over(grades: Counter[str], caps: dict[str, str]) -> list[str]:
    people = sum(grades.values())
    return [g for g, share in caps.items() if people and Fraction(grades.get(g, 0), people) > Fraction(share)]


async def progress(session: AsyncSession, neighbours: Neighbours, region_id: uuid.UUID, period: Period,
                   scope: Scope, today: date, *, min_on_time: Fraction, grace_days: int) -> ProgressRead:
    officer_of(scope, region_id)
    schemes = await latest_of_region(session, region_id)
    ids = [s.id for s, _ in schemes]
    review = await states(session, [(s.id, v.version) for s, v in schemes])
    facts = await _facts(session, ids, period) if ids else None
    units = await neighbours.region_units(region_id=region_id, caller=scope.caller)
    totals = await _unit_totals(neighbours, region_id, period)
    by_unit: dict[str, list[tuple[Scheme, SchemeVersion]]] = defaultdict(list)
    for scheme, version in schemes:
        if scheme.unit_id is not None:
            by_unit[str(scheme.unit_id)].append((scheme, version))
        else:
            for unit in units:
                if unit.get("evaluation_group") == scheme.group_name:
                    by_unit[str(unit["id"])].append((scheme, version))
    ended = today > period.end + timedelta(days=grace_days)
    items = []
    for unit in units:
        uid = str(unit["id"])
        counted = totals.get(uid, {})
        pairs: list[tuple[Scheme | None, SchemeVersion | None]] = list(by_unit.get(uid, [])) or [(None, None)]
        for own, own_version in pairs:
            items.append(_row(unit, counted, own, own_version, review, facts, today, ended,
                              min_on_time if today > period.end else Fraction(0)))
    return _answer(region_id, period, today, items)


def _row(unit: dict[str, Any], counted: dict[str, int], scheme: Scheme | None, version: SchemeVersion | None,
         review: dict[tuple[uuid.UUID, int], tuple[str, datetime]], facts: dict[str, Any] | None, today: date,
         ended: bool, min_on_time: Fraction) -> UnitProgress:
    uid = str(unit["id"])
    reasons: list[str] = []
    row: dict[str, Any] = {
        "unit_id": uid, "unit_name": unit["name"], "group": unit.get("evaluation_group"),
        "people": counted.get("people", 0),
        "weeks_due": counted.get("weeks_due", 0), "weeks_written": counted.get("weeks_submitted", 0),
        "weeks_on_time": counted.get("weeks_on_time", 0), "months_due": counted.get("months_due", 0),
        "reports_written": counted.get("monthly_reports", 0), "reports_on_time": counted.get("reports_on_time", 0)}
    for due, on_time in (("weeks_due", "weeks_on_time"), ("months_due", "reports_on_time")):
        if row[due] and Fraction(row[on_time], row[due]) < min_on_time and "records_late" not in reasons:
            reasons.append("records_late")
    if scheme is None or version is None or facts is None:
        reasons.insert(0, "no_scheme")
        return UnitProgress(**row, scheme_id=None, scheme_name=None, version=None, review_state="no_scheme",
                            stage=None, stage_name=None, stage_closes=None, ballots_expected=0, ballots_cast=0,
                            closed_at=None, close_version=None, published_at=None, objections_open=0, grades={},
                            caps={}, over_caps=[], reasons=reasons, late=True, off_caps=False)
    state = review.get((scheme.id, version.version), ("approved", version.created_at))[0]
    code, name, closes, finished = _stage(facts["runs"].get(scheme.id))
    expected, cast, missing = facts["ballots"].get(scheme.id, (0, 0, 0))
    close = facts["closes"].get(scheme.id)
    grades = facts["grades"].get((scheme.id, uid)) or (  # a unit's scheme: its rows, whatever unit they name
        facts["grades"].get((scheme.id, None)) if scheme.unit_id is not None else None) or Counter()
    caps = {str(c["grade"]): str(c["max_share"]) for c in (version.definition.get("grades") or {}).get("caps", [])}
    over = _over(grades, caps)
    late = [("not_approved", state != "approved"), ("stage_overdue", closes is not None and closes < today
                                                     and not finished),
            ("ballots_missing", missing > 0), ("not_closed", ended and close is None)]
    reasons = [r for r, found in late if found] + reasons + (["over_cap"] if over else [])
    return UnitProgress(
        **row, scheme_id=scheme.id, scheme_name=scheme.name, version=version.version,
        review_state="not_submitted" if state == "draft" else state, stage=code, stage_name=name, stage_closes=closes,
        ballots_expected=expected, ballots_cast=cast, closed_at=None if close is None else close.created_at,
        close_version=None if close is None else close.version, published_at=facts["published"].get(scheme.id),
        objections_open=facts["objections"].get((scheme.id, uid), 0) + (
            facts["objections"].get((scheme.id, None), 0) if scheme.unit_id is not None else 0),
        grades=dict(grades), caps=caps, over_caps=over, reasons=reasons,
        late=any(r in LATE for r in reasons), off_caps=bool(over))


def _answer(region_id: uuid.UUID, period: Period, today: date, items: list[UnitProgress]) -> ProgressRead:
    counts = {"units": len(items), "late": sum(r.late for r in items), "off_caps": sum(r.off_caps for r in items)}
    return ProgressRead(region_id=region_id, period=period.code, today=today, counts=counts, items=items)


def _on_time(row: UnitProgress) -> Fraction:
    due = row.weeks_due + row.months_due
    return Fraction(row.weeks_on_time + row.reports_on_time, due) if due else Fraction(1)


SORTS: dict[str, Any] = {
    "flags": lambda r: (-len(r.reasons), r.unit_name),
    "unit": lambda r: (r.unit_name,),
    "review": lambda r: (r.review_state != "approved", r.review_state, r.unit_name),
    "stage": lambda r: (r.stage or "", r.unit_name),
    "records": lambda r: (_on_time(r), r.unit_name),
    "ballots": lambda r: (Fraction(r.ballots_cast, r.ballots_expected) if r.ballots_expected else Fraction(1),
                          r.unit_name),
    "objections": lambda r: (-r.objections_open, r.unit_name),
    "closed": lambda r: (r.closed_at is not None, r.closed_at or datetime.min, r.unit_name),
}


def chosen(read: ProgressRead, sort: Sort, flag: Flag | None) -> ProgressRead:
    """The rows with the flag asked (late, off_caps or any), in the order asked."""
    rows = [r for r in read.items if flag is None or (flag == "late" and r.late)
            or (flag == "off_caps" and r.off_caps) or (flag == "any" and (r.late or r.off_caps))]
    return read.model_copy(update={"items": sorted(rows, key=SORTS[sort])})


HEADERS = ("单位", "考核组", "方案", "方案状态", "当前环节", "环节截止", "人数", "应交周纪实", "已交", "按时",
           "应交月汇报", "已交", "按时", "应投票", "已投票", "结果生成", "公布时间", "待处理异议", "等次分布",
           "超比例等次", "提示")


def sheet_rows(read: ProgressRead) -> list[list[Any]]:
    from shared.labels import label
    from shared.xlsx import local_time

    return [[r.unit_name, r.group, r.scheme_name, label("review_state", r.review_state, "zh-CN"), r.stage_name,
             r.stage_closes, r.people, r.weeks_due, r.weeks_written, r.weeks_on_time, r.months_due,
             r.reports_written, r.reports_on_time, r.ballots_expected, r.ballots_cast, local_time(r.closed_at),
             local_time(r.published_at), r.objections_open,
             "、".join(f"{label('grade', g, 'zh-CN')}{n}" for g, n in sorted(r.grades.items())),
             "、".join(label("grade", g, "zh-CN") for g in r.over_caps),
             "、".join(label("progress_reason", c, "zh-CN") for c in r.reasons)] for r in read.items]
