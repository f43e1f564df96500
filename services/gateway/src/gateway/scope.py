"""Whose accounts an administrator may make, change or bind: the gateway's one scope check.

A province administrator acts everywhere; a region administrator only inside their region. A
unit, leader or member account is bound to a unit (and a member's to a person) that records
knows: the unit is looked up with the caller's own identity (a unit they cannot see is not
found), its region must be one the caller administers, and a person must be placed in that unit
today. The account keeps the region and unit it was bound to, so the region's administrators see
it in their list and audit trail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from gateway.clients.services import Downstreams
from gateway.models import User
from shared.business_time import business_today
from shared.errors import Forbidden, NotFound, Unprocessable, UpstreamUnavailable
from shared.service_auth import Caller


@dataclass(frozen=True)
class Binding:
    role: str
    region_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    person_id: uuid.UUID | None


def _problem(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, code="binding_invalid", errors=[{"loc": f"body.{field}", "msg": message}])


async def _records(downstreams: Downstreams, path: str, caller: Caller) -> dict[str, Any] | None:
    response = await downstreams.clients["records"].request("GET", path, caller=caller)
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise UpstreamUnavailable(f"records answered {response.status_code} for {path}")
    found: dict[str, Any] = response.json()
    return found


def may_administer_accounts_of(caller: Caller, user: User) -> bool:
    """An existing account is the caller's to change if it is bound inside the caller's region."""
    if caller.is_province_wide:
        return True
    if "region_admin" not in caller.roles or user.role == "province_admin":
        return False
    return user.region_id is not None and str(user.region_id) in caller.region_ids


async def check_binding(downstreams: Downstreams, caller: Caller, wanted: Binding) -> Binding:
    """The binding as it will be stored (region and unit filled in from records), or a 403/404/422."""
    if not caller.is_province_wide:
        if "region_admin" not in caller.roles:
            raise Forbidden("only province and region administrators manage accounts")
        if wanted.role == "province_admin":
            raise Forbidden("only a province administrator makes province administrators")
    if wanted.role == "province_admin":
        return Binding(wanted.role, None, None, wanted.person_id)
    if wanted.role == "region_admin":
        if wanted.region_id is None:
            raise _problem("region_id", "a region_admin needs region_id")
        region = await _records(downstreams, f"/api/v1/records/regions/{wanted.region_id}", caller)
        if region is None or not caller.administers_region(wanted.region_id):
            raise NotFound(f"no region {wanted.region_id}", code="region_not_found")
        return Binding(wanted.role, wanted.region_id, None, None)

    unit_id = wanted.unit_id
    if unit_id is not None:
        region_id = await _unit_region(downstreams, caller, unit_id)
    if wanted.person_id is not None:
        person = await _records(downstreams, f"/api/v1/records/persons/{wanted.person_id}", caller)
        if person is None:
            raise NotFound(f"no person {wanted.person_id}", code="person_not_found")
        today = business_today().isoformat()
        placed = {str(p["unit_id"]) for p in person.get("history", [])
                  if p["active_from"] <= today and (p["active_to"] is None or p["active_to"] >= today)}
        if unit_id is None:
            if len(placed) != 1:
                raise _problem("unit_id", "the person is not placed in one unit today: name the unit")
            unit_id = uuid.UUID(placed.pop())
            region_id = await _unit_region(downstreams, caller, unit_id)
        elif str(unit_id) not in placed:
            raise _problem("person_id", f"the person is not placed in unit {unit_id} today")
    if unit_id is None:
        raise _problem("unit_id", f"a {wanted.role} needs unit_id")
    if wanted.region_id is not None and wanted.region_id != region_id:
        raise _problem("region_id", f"unit {unit_id} is not in region {wanted.region_id}")
    return Binding(wanted.role, region_id, unit_id, wanted.person_id)


async def _unit_region(downstreams: Downstreams, caller: Caller, unit_id: uuid.UUID) -> uuid.UUID:
    """The unit's region, if the caller administers it; else the unit is not found."""
    unit = await _records(downstreams, f"/api/v1/records/units/{unit_id}", caller)
    if unit is None or not caller.administers_region(unit["region_id"]):
        raise NotFound(f"no unit {unit_id}", code="unit_not_found")
    return uuid.UUID(str(unit["region_id"]))

