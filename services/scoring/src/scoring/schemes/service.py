"""Schemes and their versions, and the hand-given inputs of a period: marks, bonus and deduction
items, negative-list events. Every rule is checked before anything is stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from sqlalchemy import any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.corrections import history
from scoring.definitions import Rules, SchemeDefinition, compile_rules
from scoring.errors import InputInvalid, SchemeNotFound, bad_reference
from scoring.evaluated import readable_scheme
from scoring.models import AdjustmentRow, Mark, NegativeEvent, Scheme, SchemeVersion
from scoring.schemes import review
from scoring.schemes.schemas import (
    AdjustmentCreate,
    MarksPut,
    NegativeEventCreate,
    SchemeCreate,
    SchemePage,
    SchemeRead,
    SchemeUpdate,
)
from scoring.scope import Scope, check_people, lead_unit_of_new_scheme, scheme_or_404, unit_of_new_scheme
from shared.errors import Forbidden
from shared.pagination import Key, PageQuery
from shared.periods import Period
from shared.touched import touch


async def latest_version(session: AsyncSession, scheme_id: uuid.UUID) -> SchemeVersion:
    version = await session.scalar(select(SchemeVersion).where(SchemeVersion.scheme_id == scheme_id)
                                   .order_by(SchemeVersion.version.desc()).limit(1))
    assert version is not None
    return version


async def rules_of(session: AsyncSession, scheme_id: uuid.UUID) -> tuple[SchemeVersion, Rules]:
    version = await latest_version(session, scheme_id)
    return version, compile_rules(SchemeDefinition.model_validate(version.definition))


async def rules_at(session: AsyncSession, scheme_id: uuid.UUID, version: int) -> Rules:
    found = await session.get(SchemeVersion, (scheme_id, version))
    assert found is not None
    return compile_rules(SchemeDefinition.model_validate(found.definition))


def read(scheme: Scheme, version: SchemeVersion, state: tuple[str, datetime]) -> SchemeRead:
    """The scheme at ``version``, in its review ``state`` (and since when)."""
    return SchemeRead(id=scheme.id, region_id=scheme.region_id, unit_id=scheme.unit_id, group=scheme.group_name,
                      lead_unit_id=scheme.lead_unit_id, staff_category=scheme.staff_category, name=scheme.name,
                      created_at=scheme.created_at, created_by=scheme.created_by, version=version.version,
                      version_created_at=version.created_at, definition=version.definition,
                      state=state[0], state_at=state[1])


def read_for_person(scheme: Scheme, version: SchemeVersion, state: tuple[str, datetime]) -> SchemeRead:
    """The scheme as a person it evaluates reads it: all of its rules (公开透明); not who made it (an
    administrator's account id, nothing the rules depend on)."""
    return read(scheme, version, state).model_copy(update={"created_by": None})


def _definition_json(definition: SchemeDefinition) -> dict[str, Any]:
    compile_rules(definition)
    return definition.model_dump(mode="json")


async def create(session: AsyncSession, neighbours: Neighbours, body: SchemeCreate, scope: Scope) -> SchemeRead:
    """The caller administers the region, or the unit (of that region: records is asked) is theirs,
    or, for a group's scheme, the lead unit (of that region and group: records is asked) is."""
    caller = scope.caller
    own = body.unit_id if body.unit_id is not None else body.lead_unit_id
    touch(region_id=body.region_id, unit_id=own)
    if not (caller.administers_region(body.region_id)
            or (own is not None and "unit_admin" in caller.roles and str(own) in caller.unit_ids)):
        raise SchemeNotFound(f"no region {body.region_id} or unit {own} you administer",
                             code="scope_not_found")
    # the objects named first (a 422 invalid_reference), then the rules
    if body.unit_id is not None:
        await unit_of_new_scheme(neighbours, scope, region_id=body.region_id, unit_id=body.unit_id)
    elif body.lead_unit_id is not None:
        await lead_unit_of_new_scheme(neighbours, scope, region_id=body.region_id, group=str(body.group),
                                      lead_unit_id=body.lead_unit_id)
    elif not await neighbours.region_exists(body.region_id, caller=caller):
        raise bad_reference(f"no region {body.region_id} that you can see", "body.region_id")
    if body.lead_unit_id is not None and body.group is None:
        raise _bad("a lead unit is only named for an evaluation group's scheme (give group, not unit_id)",
                   "body.lead_unit_id")
    definition = _definition_json(body.definition)
    scheme = Scheme(id=uuid.uuid4(), region_id=body.region_id, unit_id=body.unit_id, group_name=body.group,
                    lead_unit_id=body.lead_unit_id, staff_category=body.staff_category, name=body.name,
                    created_by=caller.subject)
    session.add(scheme)
    await session.flush()
    version = SchemeVersion(scheme_id=scheme.id, version=1, definition=definition, created_by=caller.subject)
    version.stated = sorted(body.definition.model_fields_set)
    session.add(version)
    await session.flush()
    await session.refresh(scheme)
    await session.refresh(version)
    return read(scheme, version, (await review.saved(session, version, caller, scheme), version.created_at))


async def new_version(session: AsyncSession, scheme_id: uuid.UUID, body: SchemeDefinition,
                      scope: Scope) -> SchemeRead:
    """Versions are never changed; results keep the version they were computed under. A unit
    administrator's is a draft until its region approves it (see ``scoring.schemes.review``)."""
    caller = scope.caller
    scheme = await scheme_or_404(session, scheme_id, scope)
    definition = _definition_json(body)
    # Serialise concurrent edits of one scheme: the row lock makes version numbers consecutive.
    await session.execute(select(Scheme.id).where(Scheme.id == scheme_id).with_for_update())
    number = (await latest_version(session, scheme_id)).version + 1
    version = SchemeVersion(scheme_id=scheme_id, version=number, definition=definition, created_by=caller.subject)
    version.stated = sorted(body.model_fields_set)
    session.add(version)
    await session.flush()
    await session.refresh(version)
    return read(scheme, version, (await review.saved(session, version, caller, scheme), version.created_at))


async def update_scheme(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, body: SchemeUpdate,
                        scope: Scope) -> SchemeRead:
    """A group scheme's lead unit set, changed or taken away, by the region's administrator: a unit
    of the scheme's region in its evaluation group (records is asked), else a 422 naming
    ``body.lead_unit_id``. Its versions and results stay as they were."""
    scheme = await scheme_or_404(session, scheme_id, scope, manage=False)
    if not scope.caller.administers_region(scheme.region_id):
        raise Forbidden("only the region's administrator changes a scheme's lead unit")
    await session.execute(select(Scheme.id).where(Scheme.id == scheme_id).with_for_update())
    if "lead_unit_id" in body.model_fields_set:
        lead = body.lead_unit_id
        if lead is not None:
            if scheme.group_name is None:
                raise _bad("a lead unit is only named for an evaluation group's scheme; this is a unit's",
                           "body.lead_unit_id")
            await lead_unit_of_new_scheme(neighbours, scope, region_id=scheme.region_id, group=scheme.group_name,
                                          lead_unit_id=lead)
        scheme.lead_unit_id = lead
        await session.flush()
    latest = await latest_version(session, scheme_id)
    return read(scheme, latest, await review.state_of(session, latest))


async def read_scheme(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, scope: Scope,
                      version: int | None = None) -> SchemeRead:
    """For whoever sees the scheme, and for a person it evaluates (without who made it: an account id)."""
    scheme, evaluated = await readable_scheme(session, neighbours, scheme_id, scope)
    if version is None:
        found = await latest_version(session, scheme_id)
    else:
        maybe = await session.get(SchemeVersion, (scheme_id, version))
        if maybe is None:
            raise SchemeNotFound(f"scheme {scheme_id} has no version {version}")
        found = maybe
    state = await review.state_of(session, found)
    return read_for_person(scheme, found, state) if evaluated else read(scheme, found, state)


async def list_schemes(session: AsyncSession, scope: Scope, page: PageQuery, *, region_id: uuid.UUID | None,
                       unit_id: uuid.UUID | None) -> SchemePage:
    query = select(Scheme).where(scope.schemes())
    if region_id is not None:
        query = query.where(Scheme.region_id == region_id)
    if unit_id is not None:  # the unit's schemes, and those of the groups it leads
        query = query.where(or_(Scheme.unit_id == unit_id, Scheme.lead_unit_id == unit_id))
    schemes, last = await page.fetch(session, query, [Scheme.created_at, Scheme.id], lambda s: (s.created_at, s.id),
                                     scalars=True)
    latest = [(scheme, await latest_version(session, scheme.id)) for scheme in schemes]
    under_review = await review.states(session, [(s.id, v.version) for s, v in latest])
    return page.page(SchemePage, [read(s, v, under_review.get((s.id, v.version), ("approved", v.created_at)))
                      for s, v in latest], last)


# ------------------------------------------------------------------ inputs of a period


def _bad(message: str, field: str) -> InputInvalid:
    return InputInvalid(message, errors=[{"field": field, "message": message}])


async def put_marks(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, period: Period,
                    body: MarksPut, scope: Scope) -> int:
    """All or nothing: every mark is checked against the scheme first, and every person named is
    one of the scheme's people in the period."""
    caller = scope.caller
    scheme = await scheme_or_404(session, scheme_id, scope)
    _, rules = await rules_of(session, scheme_id)
    seen = set()
    for index, mark in enumerate(body.marks):
        if mark.indicator not in rules.manual_leaves:
            raise _bad(f"{mark.indicator!r} is not a hand-marked indicator of the scheme "
                       f"({', '.join(sorted(rules.manual_leaves)) or 'none'})", f"body.marks.{index}.indicator")
        if Fraction(mark.mark) > rules.mark_max:
            raise _bad(f"mark {mark.mark} is above the scheme's maximum of {rules.mark_max}",
                       f"body.marks.{index}.mark")
        key = (mark.person_id, mark.indicator)
        if key in seen:
            raise _bad("the same person and indicator twice", f"body.marks.{index}")
        seen.add(key)
    await check_people(neighbours, scheme, period, scope,
                       [(f"body.marks.{i}.person_id", m.person_id) for i, m in enumerate(body.marks)])
    await mark_history(session, scheme_id, period.code, body, caller.subject)
    rows = [{"scheme_id": scheme_id, "period": period.code, "person_id": m.person_id, "indicator": m.indicator,
             "mark": m.mark, "marked_by": caller.subject} for m in body.marks]
    statement = insert(Mark)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["scheme_id", "period", "person_id", "indicator"],
        set_={"mark": statement.excluded.mark, "marked_by": statement.excluded.marked_by, "updated_at": func.now()}),
        rows)
    return len(rows)


async def mark_history(session: AsyncSession, scheme_id: uuid.UUID, period: str, body: MarksPut, by: str) -> None:
    """Marks that change a mark already given are corrections: kept in the history with the old
    value, who gave it, who changed it, when, and the PUT's reason if it gives one (a sheet keyed
    again over the period's marks is a PUT like the first, so a reason is asked for, not required;
    taking a mark away always needs one). Marks given for the first time, or again the same, are
    not listed."""
    persons = sorted({m.person_id for m in body.marks})
    old = {(p, i): (v, who) for p, i, v, who in await session.execute(
        select(Mark.person_id, Mark.indicator, Mark.mark, Mark.marked_by)
        .where(Mark.scheme_id == scheme_id, Mark.period == period,
               Mark.person_id == any_(bindparam("persons", persons, type_=ARRAY(PgUUID(as_uuid=True)))))
        .with_for_update())}
    changed = [(m, old[(m.person_id, m.indicator)]) for m in body.marks
               if (m.person_id, m.indicator) in old and old[(m.person_id, m.indicator)][0] != m.mark]
    await history.record(session, scheme_id=scheme_id, period=period, kind="mark", action="amend",
                         changes=[(None, m.person_id, {"indicator": m.indicator, "mark": str(value), "marked_by": who},
                                   {"indicator": m.indicator, "mark": str(m.mark)}) for m, (value, who) in changed],
                         reason=body.reason, by=by)


async def add_adjustment(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, period: Period,
                         body: AdjustmentCreate, scope: Scope) -> AdjustmentRow:
    """Refused if the person is not one of the scheme's people in the period, or, under the scheme's
    ``adjustments.over_cap: refuse`` (the default), if it would take the item, or the direction's
    total, past its cap for the person (under ``cut`` it is kept, and the result counts it up to
    the cap)."""
    caller = scope.caller
    scheme = await scheme_or_404(session, scheme_id, scope)
    _, rules = await rules_of(session, scheme_id)
    item = rules.items.get(body.item)
    if item is None:
        raise _bad(f"{body.item!r} is not in the scheme's catalogue ({', '.join(sorted(rules.items)) or 'empty'})",
                   "body.item")
    await check_people(neighbours, scheme, period, scope, [("body.person_id", body.person_id)])
    if rules.caps.over_cap == "refuse":
        await within_caps(session, scheme_id, period.code, body.person_id, body.item, body.points, rules)
    signed = body.points if item.direction == "bonus" else -body.points
    row = AdjustmentRow(id=uuid.uuid4(), scheme_id=scheme_id, period=period.code, person_id=body.person_id,
                        item=body.item, points=signed, evidence=body.evidence, approved_by=body.approved_by,
                        created_by=caller.subject)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    await history.record(session, scheme_id=scheme_id, period=period.code, kind="adjustment", action="add",
                         changes=[(row.id, row.person_id, None, adjustment_values(row))], reason=None,
                         by=caller.subject)
    return row


def adjustment_values(row: AdjustmentRow) -> dict[str, Any]:
    """What the history keeps of an item: its item, signed points, evidence and approver."""
    return {"item": row.item, "points": str(row.points), "evidence": row.evidence, "approved_by": row.approved_by}


async def within_caps(session: AsyncSession, scheme_id: uuid.UUID, period: str, person_id: uuid.UUID, item_code: str,
                      points: Decimal, rules: Rules, *, leaving_out: uuid.UUID | None = None) -> None:
    """A 422 if ``points`` more of the item would take the item, or its direction's total, past its
    cap for the person (voided items, and the item ``leaving_out`` being amended, not counted)."""
    item = rules.items[item_code]
    # Serialise additions for one person so two at once cannot both slip under a cap.
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"adj:{scheme_id}:{person_id}"))))
    query = (select(AdjustmentRow.item, AdjustmentRow.points)
             .where(AdjustmentRow.scheme_id == scheme_id, AdjustmentRow.period == period,
                    AdjustmentRow.person_id == person_id, AdjustmentRow.voided_at.is_(None)))
    if leaving_out is not None:
        query = query.where(AdjustmentRow.id != leaving_out)
    existing = list(await session.execute(query))
    item_total = sum((abs(p) for i, p in existing if i == item_code), Decimal(0)) + points
    if item_total > item.max_points:
        raise _bad(f"{item_code}: {item_total} points in {period} would pass the item's cap of "
                   f"{item.max_points}", "body.points")
    same = sum((abs(p) for i, p in existing if i in rules.items and rules.items[i].direction == item.direction),
               Decimal(0)) + points
    limit = rules.caps.bonus_total if item.direction == "bonus" else rules.caps.deduction_total
    if same > limit:
        raise _bad(f"{same} {item.direction} points in {period} would pass the total cap of "
                   f"{Decimal(limit.numerator) / limit.denominator}", "body.points")


Item = TypeVar("Item", AdjustmentRow, NegativeEvent)


async def list_items(session: AsyncSession, model: type[Item], scheme_id: uuid.UUID, period: Period, scope: Scope,
                     page: PageQuery, include_voided: bool = False) -> tuple[list[Item], Key]:
    """The period's bonus and deduction items, or negative-list events (``model``), that a close counts,
    oldest first; with ``include_voided``, the voided ones too (flagged by their voided_at)."""
    await scheme_or_404(session, scheme_id, scope)
    query = select(model).where(model.scheme_id == scheme_id, model.period == period.code)
    if not include_voided:
        query = query.where(model.voided_at.is_(None))
    return await page.fetch(session, query, [model.created_at, model.id], lambda r: (r.created_at, r.id),
                            scalars=True)


async def add_negative(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, period: Period,
                       body: NegativeEventCreate, scope: Scope) -> NegativeEvent:
    caller = scope.caller
    scheme = await scheme_or_404(session, scheme_id, scope)
    _, rules = await rules_of(session, scheme_id)
    if body.item not in rules.negative:
        raise _bad(f"{body.item!r} is not on the scheme's negative list "
                   f"({', '.join(sorted(rules.negative)) or 'empty'})", "body.item")
    await check_people(neighbours, scheme, period, scope, [("body.person_id", body.person_id)])
    row = NegativeEvent(id=uuid.uuid4(), scheme_id=scheme_id, period=period.code, person_id=body.person_id,
                        item=body.item, note=body.note, created_by=caller.subject)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    await history.record(session, scheme_id=scheme_id, period=period.code, kind="negative_event", action="add",
                         changes=[(row.id, row.person_id, None, {"item": row.item, "note": row.note})], reason=None,
                         by=caller.subject)
    return row
