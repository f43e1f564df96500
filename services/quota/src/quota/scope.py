"""Whose regions, runs and units a caller may touch in quota: the service's one scope check.

A region the caller does not administer does not exist for them (404, not 403); a run is its
region's; a unit named in a region's inputs must be a unit of that region in records, so one
region's allocation can never hand slots to (or read the headcount of) another region's unit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from quota.allocations.models import AllocationRun
from quota.clients.records import RecordsClient
from quota.errors import AllocationNotFound, InvalidAllocation, RegionNotFound
from shared.service_auth import SYSTEM_CALLER, Caller
from shared.touched import touch


def ensure_region(caller: Caller, region_id: uuid.UUID) -> None:
    touch(region_id=region_id)
    if not caller.administers_region(region_id):
        raise RegionNotFound(f"no region {region_id}")


def ensure_run(caller: Caller, run_id: uuid.UUID, run: AllocationRun | None) -> AllocationRun:
    if run is not None:
        touch(region_id=run.region_id)
    if run is None or not caller.administers_region(run.region_id):
        raise AllocationNotFound(f"no allocation run {run_id}")
    return run


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def ensure_units_of_region(records: RecordsClient, region_id: uuid.UUID, year: int,
                                 unit_ids: Sequence[str]) -> None:
    """Every unit id that is a records id (a UUID) must be a unit of the region; other ids are the
    region's own labels for units records does not keep, and must carry their headcount."""
    if not any(_is_uuid(u) for u in unit_ids):
        return
    known = await records.year_end_headcounts(region_id, year, caller=SYSTEM_CALLER) or {}
    errors = [{"field": f"body.units[{i}].id", "message": f"{u} is not a unit of region {region_id}"}
              for i, u in enumerate(unit_ids) if _is_uuid(u) and str(uuid.UUID(u)) not in known]
    if errors:
        raise InvalidAllocation(f"{len(errors)} unit(s) are not units of region {region_id}", errors=errors)
