"""Allocation use cases: simulate from a request body, keep inputs, run, compare, publish."""

from __future__ import annotations

import hashlib
import json
import uuid
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from quota.allocations.honours import with_honour_points
from quota.allocations.models import CHANGES, AllocationInputs, AllocationPublication, AllocationRun
from quota.allocations.schemas import (
    AllocationResultRead,
    ComparisonRead,
    PolicyIn,
    PoolBoundsRead,
    PoolRead,
    RunChanges,
    RunPage,
    RunRead,
    RunSummary,
    RunUnitRead,
    StoredUnitIn,
    TraceStepRead,
    UnitAllocationRead,
    UnitDifference,
    UnitIn,
    WarningRead,
)
from quota.clients.records import RecordsClient
from quota.domain.allocation import (
    Allocation,
    AllocationError,
    DesignatedRule,
    DesignatedTable,
    Policy,
    UnitInput,
    allocate,
)
from quota.domain.allocation_policy import UnknownGrade, validate_policy
from quota.domain.apportion import ApportionmentError, canonical_method
from quota.errors import InputsMissing, InvalidAllocation, UndefinedReference
from quota.numbers import decimal_str
from quota.scope import ensure_region, ensure_run, ensure_units_of_region
from shared import change_feed
from shared.pagination import PageQuery
from shared.service_auth import Caller

# ------------------------------------------------------------------ conversions


def to_policy(policy: PolicyIn, *, where: str = "body.policy") -> Policy:
    try:
        tilt_method = canonical_method(policy.tilt_method)
    except ApportionmentError as exc:
        raise InvalidAllocation(str(exc), errors=[{"field": f"{where}.tilt_method",
                                                   "message": str(exc)}]) from exc
    table = None
    if policy.designated is not None:
        by_commendation = {str(level): slots for level, slots in policy.designated.by_commendation.items()}
        table = DesignatedTable(by_grade=dict(policy.designated.by_grade), by_commendation=by_commendation)
    return Policy(
        ratio_by_grade={grade: Fraction(ratio) for grade, ratio in policy.ratio_by_grade.items()},
        unit_cap_ratio=Fraction(policy.unit_cap_ratio),
        township_uplift=Fraction(policy.township_uplift),
        designated_rules=tuple(DesignatedRule(r.condition, r.slots) for r in policy.designated_rules),
        tilt_kinds=frozenset(policy.tilt_kinds),
        comparison_kinds=frozenset(policy.comparison_kinds),
        tilt_method=tilt_method,
        leftover=policy.leftover,
        township_uplift_kind=policy.township_uplift_kind,
        pool_min=Fraction(policy.pool_min),
        pool_max=Fraction(policy.pool_max),
        designated=table,
    )


def check_policy(policy: PolicyIn, *, where: str = "body") -> Policy:
    """The policy sent as the whole body (``where`` names it), as the engine takes it; refused
    with a 422 naming the setting if it breaks a rule."""
    domain_policy = to_policy(policy, where=where)
    try:
        validate_policy(domain_policy)
    except AllocationError as exc:
        raise refusal(exc, where, exc.field.removeprefix("policy.")) from exc
    return domain_policy


def refusal(exc: AllocationError, where: str,
            field: str | None = None) -> InvalidAllocation | UndefinedReference:
    """The 422 for inputs the engine refuses: `invalid_reference` for a name the inputs do not define (a grade
    without a ratio), `allocation_invalid` for a rule they break; ``field`` is under ``where``."""
    kind = UndefinedReference if isinstance(exc, UnknownGrade) else InvalidAllocation
    return kind(str(exc), errors=[{"field": f"{where}.{field or exc.field}", "message": str(exc)}])


def to_units(units: list[UnitIn]) -> list[UnitInput]:
    return [UnitInput(id=u.id, kind=u.kind, headcount=u.headcount, grade=u.grade,
                      points=Fraction(u.points), conditions=frozenset(u.conditions),
                      red_lines=frozenset(u.red_lines), group=u.group, commendation=u.commendation)
            for u in units]


def _ratio(value: Fraction | None) -> str | None:
    return None if value is None else decimal_str(value)


def render(result: Allocation, policy: Policy) -> AllocationResultRead:
    return AllocationResultRead(
        units=[UnitAllocationRead(
            id=u.id, kind=u.kind, headcount=u.headcount, grade=u.grade, points=decimal_str(u.points),
            exact_quota=decimal_str(u.exact_quota), exact_quota_fraction=str(u.exact_quota), cap=u.cap,
            floor=u.floor, designated=u.designated, tilt=u.tilt, remainder=u.remainder, total=u.total,
            ratio=decimal_str(u.ratio), ratio_before=decimal_str(u.ratio_before), eligible=u.eligible,
            members=list(u.members))
            for u in result.units],
        pool=PoolRead(collected=result.pool_collected, used=result.pool_used, left=result.pool_left,
                      fraction_left=decimal_str(result.fraction_left), left_reason=result.left_reason),
        township_ratio=_ratio(result.township_ratio),
        department_ratio=_ratio(result.department_ratio),
        required_township_ratio=_ratio(result.required_township_ratio),
        uplift=_ratio(result.uplift),
        uplift_points=_ratio(result.uplift_points),
        uplift_kind=policy.township_uplift_kind,
        pool_bounds=PoolBoundsRead(min=decimal_str(policy.pool_min), max=decimal_str(policy.pool_max),
                                   returned=result.pool_returned, topped_up=result.pool_topped_up),
        feasible=result.feasible,
        shortfall=result.shortfall,
        warnings=[WarningRead(code=w.code, message=w.message, unit_id=w.unit) for w in result.warnings],
        trace=[TraceStepRead(step=s.step, text=s.text, unit=s.unit, slots=s.slots, rule=s.rule)
               for s in result.trace],
    )


def compute(units: list[UnitIn], policy: PolicyIn) -> AllocationResultRead:
    try:
        domain_policy = to_policy(policy)
        return render(allocate(to_units(units), domain_policy), domain_policy)
    except AllocationError as exc:
        raise refusal(exc, "body") from exc


def simulate(units: list[UnitIn], policy: PolicyIn) -> AllocationResultRead:
    return compute(units, policy)


def digest(units: list[dict[str, Any]], policy: dict[str, Any]) -> str:
    canonical = json.dumps({"units": sorted(units, key=lambda u: str(u["id"])), "policy": policy},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# ------------------------------------------------------------------ stored inputs


async def _inputs(session: AsyncSession, region_id: uuid.UUID, year: int) -> AllocationInputs | None:
    return await session.get(AllocationInputs, (region_id, year))


async def put_inputs(session: AsyncSession, *, region_id: uuid.UUID, year: int, caller: Caller,
                     units: list[StoredUnitIn] | None = None, policy: PolicyIn | None = None,
                     records: RecordsClient | None = None) -> AllocationInputs:
    ensure_region(caller, region_id)
    if units is not None and records is not None:
        await ensure_units_of_region(records, region_id, year, [u.id for u in units])
    values: dict[str, Any] = {"region_id": region_id, "year": year, "updated_by": caller.subject}
    if units is not None:
        ids = [u.id for u in units]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise InvalidAllocation(f"unit id {duplicates[0]!r} appears twice",
                                    errors=[{"field": "body.units", "message": f"duplicate ids: {duplicates}"}])
        values["units"] = [u.model_dump(mode="json", exclude_none=True) for u in units]
    if policy is not None:
        check_policy(policy)
        values["policy"] = policy.model_dump(mode="json")
    update = {k: v for k, v in values.items() if k in ("units", "policy", "updated_by")}
    statement = insert(AllocationInputs).values(**values).on_conflict_do_update(
        index_elements=["region_id", "year"], set_={**update, "updated_at": func.now()})
    await session.execute(statement)
    stored = await session.scalar(
        select(AllocationInputs).where(AllocationInputs.region_id == region_id,
                                       AllocationInputs.year == year)
        .execution_options(populate_existing=True))
    assert stored is not None
    return stored


async def get_inputs_or_raise(session: AsyncSession, *, region_id: uuid.UUID, year: int,
                              caller: Caller) -> AllocationInputs:
    ensure_region(caller, region_id)
    stored = await _inputs(session, region_id, year)
    if stored is None:
        raise InputsMissing(f"nothing is stored for region {region_id} in {year}")
    return stored


# ------------------------------------------------------------------ runs


async def _published_run_ids(session: AsyncSession, run_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not run_ids:
        return set()
    rows = await session.scalars(select(AllocationPublication.run_id)
                                 .where(AllocationPublication.run_id.in_(run_ids)))
    return set(rows)


def _run_read(run: AllocationRun, *, published: bool) -> RunRead:
    return RunRead(id=run.id, region_id=run.region_id, year=run.year, created_at=run.created_at,
                   created_by=run.created_by, input_digest=run.input_digest, published=published,
                   policy=PolicyIn.model_validate(run.policy),
                   units=[RunUnitRead.model_validate(u) for u in run.units],
                   result=AllocationResultRead.model_validate(run.result))


async def _with_headcounts(records: RecordsClient, stored: list[dict[str, Any]], *, region_id: uuid.UUID,
                           year: int, caller: Caller) -> list[dict[str, Any]]:
    """The stored units with the roster's year-end headcount wherever the roster knows the unit."""
    roster = await records.year_end_headcounts(region_id, year, caller=caller) or {}
    units, missing = [], []
    for unit in stored:
        known = roster.get(str(unit["id"]))
        if known is not None:
            units.append({**unit, "headcount": known.headcount, "headcount_source": "records"})
        elif unit.get("headcount") is not None:
            units.append({**unit, "headcount_source": "stored"})
        else:
            missing.append(str(unit["id"]))
    if missing:
        raise InputsMissing(f"no headcount for {len(missing)} unit(s): the records roster of region {region_id} "
                            f"does not know them and none is stored: {', '.join(missing[:10])}",
                            errors=[{"field": "units", "message": f"no headcount for {u}"} for u in missing[:50]])
    return units


async def run(session: AsyncSession, records: RecordsClient, *, region_id: uuid.UUID, year: int,
              caller: Caller) -> RunRead:
    """Allocate from the stored inputs and keep inputs, policy and result as one immutable run."""
    stored = await get_inputs_or_raise(session, region_id=region_id, year=year, caller=caller)
    if stored.units is None or stored.policy is None:
        missing = "units" if stored.units is None else "policy"
        raise InputsMissing(f"region {region_id} has no {missing} stored for {year}")
    snapshot = await _with_headcounts(records, stored.units, region_id=region_id, year=year, caller=caller)
    policy = PolicyIn.model_validate(stored.policy)
    snapshot, honour_trace = await with_honour_points(records, snapshot, policy, region_id=region_id, year=year,
                                                      caller=caller)
    units = [UnitIn.model_validate({k: v for k, v in u.items() if k != "headcount_source"}) for u in snapshot]
    result = compute(units, policy)
    result.trace[:0] = honour_trace
    record = AllocationRun(id=uuid.uuid4(), region_id=region_id, year=year, units=snapshot,
                           policy=stored.policy, result=result.model_dump(mode="json"),
                           input_digest=digest(snapshot, stored.policy), created_by=caller.subject)
    session.add(record)
    await session.flush()
    await session.refresh(record)
    return _run_read(record, published=False)


async def get_run_or_raise(session: AsyncSession, run_id: uuid.UUID, *, caller: Caller) -> AllocationRun:
    return ensure_run(caller, run_id, await session.get(AllocationRun, run_id))


async def read_run(session: AsyncSession, run_id: uuid.UUID, *, caller: Caller) -> RunRead:
    record = await get_run_or_raise(session, run_id, caller=caller)
    return _run_read(record, published=bool(await _published_run_ids(session, [record.id])))


async def _summaries(session: AsyncSession, records: list[AllocationRun]) -> list[RunSummary]:
    published = await _published_run_ids(session, [r.id for r in records])
    return [RunSummary(id=r.id, created_at=r.created_at, created_by=r.created_by,
                       input_digest=r.input_digest, feasible=bool(r.result["feasible"]),
                       published=r.id in published, warnings=len(r.result.get("warnings") or []))
            for r in records]


async def list_runs(session: AsyncSession, page: PageQuery, *, region_id: uuid.UUID, year: int,
                    caller: Caller) -> RunPage:
    """The region's runs of the year, newest first."""
    ensure_region(caller, region_id)
    where = (AllocationRun.region_id == region_id, AllocationRun.year == year)
    total = await session.scalar(select(func.count()).select_from(AllocationRun).where(*where)) or 0
    records, last = await page.fetch(session, select(AllocationRun).where(*where),
                                     [AllocationRun.created_at, AllocationRun.id], lambda r: (r.created_at, r.id),
                                     descending=True, scalars=True)
    return page.page(RunPage, await _summaries(session, records), last, total=total)


async def runs_changed(session: AsyncSession, page: PageQuery, *, region_id: uuid.UUID, year: int,
                       updated_after: str, caller: Caller) -> RunChanges:
    """The region's runs of the year kept or published since the cursor (``shared.change_feed``)."""
    ensure_region(caller, region_id)
    found = await change_feed.changes(
        session, CHANGES, table="allocation_runs", cursor=updated_after, limit=page.limit,
        scope=and_(change_feed.scope_in(CHANGES, "region_id", [region_id]),
                   change_feed.scope_in(CHANGES, "year", [year])))
    ids = [c.row_id for c in found.changes if not c.deleted]
    records = list(await session.scalars(select(AllocationRun).where(
        AllocationRun.id.in_(ids), AllocationRun.region_id == region_id, AllocationRun.year == year)))
    return change_feed.answer(page, RunChanges, found, {r.id: r for r in await _summaries(session, records)})


COMPARED_FIELDS = ("headcount", "floor", "designated", "tilt", "remainder", "total")


async def compare(session: AsyncSession, base_id: uuid.UUID, other_id: uuid.UUID, *,
                  caller: Caller) -> ComparisonRead:
    base = await get_run_or_raise(session, base_id, caller=caller)
    other = await get_run_or_raise(session, other_id, caller=caller)
    before = {u["id"]: u for u in base.result["units"]}
    after = {u["id"]: u for u in other.result["units"]}
    differences = []
    for unit_id in sorted(before.keys() | after.keys()):
        b, a = before.get(unit_id), after.get(unit_id)
        fields = {f: [b[f] if b else None, a[f] if a else None] for f in COMPARED_FIELDS
                  if (b or {}).get(f) != (a or {}).get(f)}
        if fields:
            total_b = b["total"] if b else None
            total_a = a["total"] if a else None
            differences.append(UnitDifference(id=unit_id, before=total_b, after=total_a,
                                              change=(total_a or 0) - (total_b or 0), fields=fields))
    policy_changes = {k: [base.policy.get(k), other.policy.get(k)]
                      for k in sorted(base.policy.keys() | other.policy.keys())
                      if base.policy.get(k) != other.policy.get(k)}
    return ComparisonRead(base_id=base.id, other_id=other.id,
                          same_inputs=base.input_digest == other.input_digest,
                          units=differences, policy_changes=policy_changes)
