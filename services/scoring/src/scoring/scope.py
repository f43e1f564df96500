"""Who may see and change which scoring object: every check of a scheme, round, result version and
objection against the caller's region, unit and person, in one place.

Everything of scoring belongs to one region: a scheme has a region (and, for a unit's scheme, a
unit of that region), and its rounds, result versions, objections and bonus runs are the
scheme's. So each object is authorised by its scheme's own region and unit:

- a region's administrators (and the province's) manage every scheme of the region;
- a unit's administrator manages the unit's schemes, a unit's leader sees them — only where
  records says the unit is of the scheme's region (a scheme naming another region's unit, made
  before creation checked it, is nobody's in that other region);
- a group's scheme naming a lead unit (the supervising department of a merged group) is the lead
  unit's as a unit's scheme is the unit's; the administrators and leaders of the group's other
  units see it, and only their own units' rows of its results;
- a person sees their own results and objections, and a rater the rounds they rate in.

An object the caller may not see is a 404 (its existence is not revealed); one they may see but not
change is a 403. Each loader notes the object's region and unit for the gateway's audit trail
(``shared.touched``) as soon as it has the object, before deciding, so refused attempts are
recorded too. Ids named in a body go through the same functions as ids in the path.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import UNITS_KEPT_SECONDS, Neighbours
from scoring.errors import (
    InputInvalid,
    ObjectionNotFound,
    ResultNotFound,
    RoundNotFound,
    SchemeNotFound,
    bad_reference,
)
from scoring.models import Close, Objection, RatingRound, RoundRater, Scheme
from shared.errors import Forbidden, UpstreamUnavailable
from shared.periods import Period
from shared.service_auth import SYSTEM_CALLER, Caller, CallerDep
from shared.touched import touch

#: most rows a 422 lists (a sheet of 50,000 bad rows need not come back whole)
MAX_LISTED = 100


@dataclass(frozen=True)
class Scope:
    """The caller, with the region of each of their own units as records knows it."""

    caller: Caller
    unit_regions: Mapping[str, str]  # the caller's units (a unit admin's, a leader's) → their region
    unit_groups: Mapping[str, str] = field(default_factory=dict)  # those of them in an evaluation group → it

    def _in_own_unit(self, scheme: Scheme) -> bool:
        """The scheme is of one of the caller's units: the unit's own, or a group's led by it."""
        owner = scheme.unit_id if scheme.unit_id is not None else scheme.lead_unit_id
        return owner is not None and self.unit_regions.get(str(owner)) == str(scheme.region_id)

    def leads(self, scheme: Scheme) -> bool:
        """A group's scheme whose lead unit is one of the caller's (its administrators and leaders see every row)."""
        return scheme.unit_id is None and self._in_own_unit(scheme)

    def in_group(self, scheme: Scheme) -> bool:
        """One of the caller's units is of the scheme's region and in the scheme's evaluation group."""
        return scheme.group_name is not None and any(
            self.unit_regions.get(unit) == str(scheme.region_id) for unit, group in self.unit_groups.items()
            if group == scheme.group_name)

    def manages(self, scheme: Scheme) -> bool:
        """The region's administrators manage every scheme of it; a unit administrator their unit's."""
        return self.caller.administers_region(scheme.region_id) or (
            "unit_admin" in self.caller.roles and self._in_own_unit(scheme))

    def sees(self, scheme: Scheme) -> bool:
        """Also the unit's leaders; and a group's scheme, the administrators and leaders of its units."""
        return self.manages(scheme) or self._in_own_unit(scheme) or self.in_group(scheme)

    def schemes(self, *, manage: bool = False) -> ColumnElement[bool]:
        """The WHERE clause of the schemes the caller sees (or manages): the same rule as ``sees``."""
        if self.caller.is_province_wide:
            return true()
        clauses: list[ColumnElement[bool]] = []
        if self.caller.region_ids:
            clauses.append(Scheme.region_id.in_([uuid.UUID(r) for r in self.caller.region_ids]))
        if not manage or "unit_admin" in self.caller.roles:
            clauses.extend(and_(or_(Scheme.unit_id == uuid.UUID(unit), Scheme.lead_unit_id == uuid.UUID(unit)),
                                Scheme.region_id == uuid.UUID(region))
                           for unit, region in self.unit_regions.items())
        if not manage:
            clauses.extend(and_(Scheme.group_name == self.unit_groups[unit], Scheme.region_id == uuid.UUID(region))
                           for unit, region in self.unit_regions.items() if unit in self.unit_groups)
        return or_(*clauses) if clauses else false()


async def scope_of(caller: Caller, neighbours: Neighbours) -> Scope:
    """The caller's scope: their own units' regions and evaluation groups, looked up in records (as
    the system) and kept a minute: a unit never changes region, but it may be regrouped, and a
    regrouping shows within a minute; a unit's administrator's calls then ask records nothing."""
    regions: dict[str, str] = {}
    groups: dict[str, str] = {}
    for unit in caller.unit_ids:
        found = await _kept_unit(neighbours, unit)
        if found is not None:
            regions[unit] = str(found["region_id"])
            if found.get("evaluation_group"):
                groups[unit] = str(found["evaluation_group"])
    return Scope(caller=caller, unit_regions=regions, unit_groups=groups)


async def _kept_unit(neighbours: Neighbours, unit_id: str) -> dict[str, Any] | None:
    now = time.monotonic()
    kept = neighbours.units_kept.get(unit_id)
    if kept is not None and kept[0] > now:
        return kept[1]
    found = await unit_of(neighbours, unit_id)
    if found is not None:
        if len(neighbours.units_kept) >= 100_000:
            neighbours.units_kept.clear()
        neighbours.units_kept[unit_id] = (now + UNITS_KEPT_SECONDS, found)
    return found


async def unit_of(neighbours: Neighbours, unit_id: object, *, caller: Caller = SYSTEM_CALLER) -> dict[str, Any] | None:
    """A unit as records knows it (its region and evaluation group); None if records knows no such
    unit, or, asked with an end caller's identity, if that caller may not see it."""
    response = await neighbours.records.request("GET", f"/api/v1/records/units/{unit_id}", caller=caller)
    if response.status_code in (403, 404, 422):
        return None
    if response.status_code != 200:
        raise UpstreamUnavailable(f"records answered {response.status_code} for unit {unit_id}")
    found: dict[str, Any] = orjson.loads(response.content)
    return found


async def unit_seen_by(neighbours: Neighbours, scope: Scope, unit_id: uuid.UUID) -> dict[str, Any] | None:
    """A unit as records shows it to the caller (with its region and evaluation group); None if they may not see it."""
    return await unit_of(neighbours, unit_id, caller=scope.caller)


async def get_scope(request: Request, caller: CallerDep) -> Scope:
    return await scope_of(caller, request.app.state.neighbours)


ScopeDep = Annotated[Scope, Depends(get_scope)]


def _touch(scheme: Scheme) -> None:
    """The scheme's region, and its unit (a group's scheme: its lead unit, if it names one)."""
    touch(region_id=scheme.region_id, unit_id=scheme.unit_id if scheme.unit_id is not None else scheme.lead_unit_id)


def _allow(scope: Scope, scheme: Scheme, *, manage: bool, missing: Exception) -> None:
    """404 unless the caller sees the scheme; 403 if they see it but must manage it and do not."""
    if not scope.sees(scheme):
        raise missing
    if manage and not scope.manages(scheme):
        raise Forbidden("you may see this but not change it")


# ------------------------------------------------------------------ loaders


async def scheme_or_404(session: AsyncSession, scheme_id: uuid.UUID, scope: Scope, *, manage: bool = True) -> Scheme:
    scheme = await session.get(Scheme, scheme_id)
    if scheme is None:
        raise SchemeNotFound(f"no scheme {scheme_id}")
    _touch(scheme)
    _allow(scope, scheme, manage=manage, missing=SchemeNotFound(f"no scheme {scheme_id}"))
    return scheme


async def scheme_for_person_or_404(session: AsyncSession, scheme_id: uuid.UUID, scope: Scope,
                                   person_id: uuid.UUID) -> Scheme:
    """A scheme as seen for one person's result: by whoever sees the scheme, or by the person."""
    scheme = await session.get(Scheme, scheme_id)
    if scheme is None:
        raise ResultNotFound(f"no scheme {scheme_id}")
    _touch(scheme)
    if not (scope.caller.is_person(person_id) or scope.sees(scheme)):
        raise ResultNotFound(f"no scheme {scheme_id}")
    return scheme


async def _scheme_of(session: AsyncSession, scheme_id: uuid.UUID) -> Scheme:
    """The scheme an existing round, version or objection belongs to, noted for the audit trail."""
    scheme = await session.get(Scheme, scheme_id)
    assert scheme is not None
    _touch(scheme)
    return scheme


async def scheme_of_input_or_404(session: AsyncSession, scheme_id: uuid.UUID, scope: Scope, *,
                                 missing: Exception) -> Scheme:
    """The scheme of an input named by its own id (a bonus or deduction item, a negative-list event),
    for its managers: ``missing`` (a 404) for whoever does not see the scheme, a 403 for who only sees it."""
    scheme = await _scheme_of(session, scheme_id)
    _allow(scope, scheme, manage=True, missing=missing)
    return scheme


async def round_or_404(session: AsyncSession, round_id: uuid.UUID, scope: Scope) -> tuple[RatingRound, Scheme]:
    """A round, for its scheme's managers and its own raters."""
    round_ = await session.get(RatingRound, round_id)
    if round_ is None:
        raise RoundNotFound(f"no rating round {round_id}")
    scheme = await _scheme_of(session, round_.scheme_id)
    if scope.manages(scheme):
        return round_, scheme
    person = scope.caller.person_id
    if person is not None and await session.get(RoundRater, (round_id, uuid.UUID(person))) is not None:
        return round_, scheme
    raise RoundNotFound(f"no rating round {round_id}")


async def round_of_code(session: AsyncSession, round_id: uuid.UUID) -> tuple[RatingRound, Scheme]:
    """The round of a one-time rating code, for its holder (the code is the credential: whoever
    holds an unused one may rate in that round once); noted for the audit trail."""
    round_ = await session.get(RatingRound, round_id)
    assert round_ is not None
    return round_, await _scheme_of(session, round_.scheme_id)


async def close_or_404(session: AsyncSession, close_id: uuid.UUID, scope: Scope, *,
                       manage: bool = True) -> tuple[Close, Scheme]:
    close = await session.get(Close, close_id)
    if close is None:
        raise ResultNotFound(f"no result version {close_id}")
    scheme = await _scheme_of(session, close.scheme_id)
    _allow(scope, scheme, manage=manage, missing=ResultNotFound(f"no result version {close_id}"))
    return close, scheme


async def own_close_or_404(session: AsyncSession, close_id: uuid.UUID, scope: Scope) -> tuple[Close, Scheme]:
    """A result version a person objects to: whether it holds their result is checked by the caller."""
    close = await session.get(Close, close_id)
    if close is None:
        raise ResultNotFound(f"no result version {close_id}")
    scheme = await _scheme_of(session, close.scheme_id)
    if scope.caller.person_id is None:
        raise ResultNotFound(f"no result version {close_id}")
    return close, scheme


async def objection_or_404(session: AsyncSession, objection_id: uuid.UUID, scope: Scope, *,
                           manage: bool = False) -> tuple[Objection, Close, Scheme]:
    """An objection, for its scheme's managers and the person who filed it (who may not review it: 403)."""
    objection = await session.get(Objection, objection_id)
    if objection is None:
        raise ObjectionNotFound(f"no objection {objection_id}")
    close = await session.get(Close, objection.close_id)
    assert close is not None
    scheme = await _scheme_of(session, close.scheme_id)
    if scope.manages(scheme):
        return objection, close, scheme
    if not scope.caller.is_person(objection.person_id):
        raise ObjectionNotFound(f"no objection {objection_id}")
    if manage:
        raise Forbidden("only the scheme's administrators review an objection")
    return objection, close, scheme


def objections(scope: Scope) -> ColumnElement[bool]:
    """The WHERE clause of the objections the caller sees (joined to their close's scheme)."""
    clauses = [scope.schemes(manage=True)]
    if scope.caller.person_id is not None:
        clauses.append(Objection.person_id == uuid.UUID(scope.caller.person_id))
    return or_(*clauses)


# ------------------------------------------------------------------ ids in a body


def bad_rows(message: str, locs: Sequence[str]) -> InputInvalid:
    """A 422 naming each bad row (the first ``MAX_LISTED``), in the form every scoring 422 has."""
    shown = list(locs[:MAX_LISTED])
    more = f" (and {len(locs) - len(shown)} more)" if len(locs) > len(shown) else ""
    return InputInvalid(f"{len(locs)} row(s): {message}{more}",
                        errors=[{"field": loc, "message": message} for loc in shown])


async def unit_of_new_scheme(neighbours: Neighbours, scope: Scope, *, region_id: uuid.UUID,
                             unit_id: uuid.UUID) -> None:
    """A new unit scheme's unit is of the scheme's region, and one the caller sees: asked of records
    with the caller's identity. A unit the caller cannot see, or of another region, is a 422
    ``invalid_reference`` naming ``body.unit_id`` either way (like any id in a body that does not
    resolve), so the answer tells nobody whether another region's unit exists."""
    region = await neighbours.unit_region(unit_id, caller=scope.caller)
    if region is None or region != str(region_id):
        raise bad_reference(f"no unit {unit_id} of region {region_id} that you can see", "body.unit_id")


async def lead_unit_of_new_scheme(neighbours: Neighbours, scope: Scope, *, region_id: uuid.UUID, group: str,
                                  lead_unit_id: uuid.UUID) -> None:
    """A new group scheme's lead unit is a unit of the scheme's region in the scheme's evaluation
    group, that the caller sees (records is asked with the caller's identity); else a 422
    ``invalid_reference`` naming ``body.lead_unit_id``, whichever it is."""
    unit = await unit_of(neighbours, lead_unit_id, caller=scope.caller)
    if unit is None or str(unit["region_id"]) != str(region_id) or unit.get("evaluation_group") != group:
        raise bad_reference(f"no unit {lead_unit_id} of region {region_id} in evaluation group {group!r} that you "
                            "can see", "body.lead_unit_id")


async def people_of(neighbours: Neighbours, scheme: Scheme, period: Period, caller: Caller,
                    *, fields: Sequence[str] = (), deadlines: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """The scheme's people in the period, from the records summary (one call), filtered by staff
    category: their unit and section (and category, for a scheme of one), and the summary's
    ``fields``. Asked with the caller's identity: records checks they may see these people."""
    category = () if scheme.staff_category is None else ("staff_category",)
    people = await neighbours.summary(region_id=scheme.region_id, unit_id=scheme.unit_id, group=scheme.group_name,
                                      period=period.code, caller=caller,
                                      fields=tuple(dict.fromkeys(("unit_id", "section_id", *category, *fields))),
                                      deadlines=deadlines)
    if scheme.staff_category is not None:
        people = [p for p in people if p["staff_category"] == scheme.staff_category]
    return people


async def check_people(neighbours: Neighbours, scheme: Scheme, period: Period, scope: Scope,
                       rows: Iterable[tuple[str, uuid.UUID]]) -> None:
    """Every person named (``(loc, person_id)`` per row) is one of the scheme's people in the
    period, as records knows them; else a 422 naming each row that is not, and nothing is stored."""
    people = await people_of(neighbours, scheme, period, scope.caller)
    known = {str(p["person_id"]) for p in people}
    bad = [loc for loc, person_id in rows if str(person_id) not in known]
    if bad:
        raise bad_rows(f"not one of the scheme's people in {period.code}", bad)


async def check_raters(neighbours: Neighbours, scheme: Scheme, rows: Sequence[tuple[str, uuid.UUID]],
                       known: Iterable[str]) -> None:
    """Every rater named exists and belongs to the scheme's region: one of ``known`` (the scheme's
    people, already fetched), or a person records knows placed in a unit of the region (looked up
    one by one as the system, after the caller was authorised; unit regions are kept)."""
    inside = set(known)
    region = str(scheme.region_id)
    bad = []
    for loc, person_id in rows:
        if str(person_id) in inside:
            continue
        units = await neighbours.person_units(person_id) or []
        for unit in units:
            if await neighbours.unit_region(unit) == region:
                break
        else:
            bad.append(loc)
    if bad:
        raise bad_rows(f"no such person in region {region}", bad)
