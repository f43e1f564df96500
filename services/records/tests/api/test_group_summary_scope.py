"""Who reads an evaluation group's summary: the region's administrators, and the administrators and
leaders of a unit of the region in that group (a merged group's scheme is run by its lead unit)."""

from __future__ import annotations

import uuid

import httpx

from shared.http import NDJSON
from shared.service_auth import Caller
from shared.testing import service_headers

from .test_roster import make_person, make_region, make_unit


def as_(role: str, *, unit_id: str | None = None, region_id: str | None = None,
        person_id: str | None = None) -> dict[str, str]:
    return service_headers(Caller(subject=f"user:{role}", roles=(role,), unit_ids=(unit_id,) if unit_id else (),
                                  region_ids=(region_id,) if region_id else (), person_id=person_id))


async def test_a_groups_units_read_its_summary_and_no_one_else_does(client: httpx.AsyncClient) -> None:
    region = (await make_region(client, f"r{uuid.uuid4().hex[:6]}"))["id"]
    other_region = (await make_region(client, f"r{uuid.uuid4().hex[:6]}"))["id"]
    dept = (await make_unit(client, region, "D", "department", group="G"))["id"]
    inst = (await make_unit(client, region, "I", "institution", group="G"))["id"]
    town = (await make_unit(client, region, "T", group="H"))["id"]
    alone = (await make_unit(client, region, "N", "department"))["id"]
    tag = uuid.uuid4().hex[:4]
    person = (await make_person(client, dept, f"{tag}d"))["id"]
    await make_person(client, inst, f"{tag}i")
    await make_person(client, town, f"{tag}t")
    path = f"/api/v1/records/regions/{region}/groups/G/summary"

    async def status(headers: dict[str, str], at: str = path) -> int:
        return (await client.get(at, params={"period": "2025Q1"}, headers=headers)).status_code

    for allowed in (as_("unit_admin", unit_id=dept), as_("unit_admin", unit_id=inst), as_("leader", unit_id=inst),
                    as_("region_admin", region_id=region)):
        response = await client.get(path, params={"period": "2025Q1"}, headers=allowed)
        assert response.status_code == 200, response.text
        assert {p["staff_no"] for p in response.json()["people"]} == {f"{tag}d", f"{tag}i"}
    # another group's unit, a unit in no group, a member of the group, another region: as before, 404
    for refused in (as_("unit_admin", unit_id=town), as_("unit_admin", unit_id=alone),
                    as_("member", unit_id=dept, person_id=person), as_("region_admin", region_id=other_region)):
        assert await status(refused) == 404
        # asked for as JSON lines: the same problem, before any line
        lines = await client.get(path, params={"period": "2025Q1"}, headers={**refused, "accept": NDJSON})
        assert lines.status_code == 404 and lines.headers["content-type"] == "application/problem+json"
    # the unit's group in another region's path is not theirs
    assert await status(as_("unit_admin", unit_id=dept), f"/api/v1/records/regions/{other_region}/groups/G/summary") \
        == 404
    assert await status(as_("unit_admin", unit_id=dept), f"/api/v1/records/regions/{region}/groups/H/summary") == 404
