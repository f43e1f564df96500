"""A group scheme's lead unit set, changed or taken away after the scheme was made, by the
region's administrator; a unit outside the group or the region is refused naming the field."""

from __future__ import annotations

import uuid

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers

from .test_merged_group import DEFINITION, Q, admin_of, county


def region_admin(region_id: str) -> dict[str, str]:
    return service_headers(Caller(subject=f"user:ra-{region_id[:8]}", roles=("region_admin",),
                                  region_ids=(region_id,)))


async def test_the_region_sets_changes_and_takes_away_the_lead_unit(client: httpx.AsyncClient,
                                                                    records: httpx.AsyncClient) -> None:
    c = await county(records)
    d, i = c["units"]["D"], c["units"]["I"]
    ra = region_admin(c["region"])
    created = await client.post("/api/v1/scoring/schemes", headers=ra, json={
        "region_id": c["region"], "group": "G", "name": "部门及所属事业单位", "definition": DEFINITION})
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    path = f"/api/v1/scoring/schemes/{sid}"
    marks = {"marks": [{"person_id": c["people"]["A"], "indicator": "ji", "mark": 90}]}

    # No lead unit yet: the department's administrator sees the scheme (of their unit's group) but
    # does not run it.
    assert (await client.put(f"{path}/periods/{Q}/marks", headers=admin_of(d), json=marks)).status_code == 403

    response = await client.patch(path, headers=ra, json={"lead_unit_id": d})
    assert response.status_code == 200, response.text
    assert (response.json()["lead_unit_id"], response.json()["group"], response.json()["version"]) == (d, "G", 1)
    response = await client.put(f"{path}/periods/{Q}/marks", headers=admin_of(d), json=marks)
    assert response.status_code == 200, response.text

    # The lead unit's administrator runs the scheme but does not choose its lead.
    response = await client.patch(path, headers=admin_of(d), json={"lead_unit_id": i})
    assert response.status_code == 403, response.text
    response = await client.patch(path, headers=ra, json={"lead_unit_id": i})
    assert response.status_code == 200 and response.json()["lead_unit_id"] == i
    assert (await client.put(f"{path}/periods/{Q}/marks", headers=admin_of(d), json=marks)).status_code == 403
    assert (await client.put(f"{path}/periods/{Q}/marks", headers=admin_of(i), json=marks)).status_code == 200

    response = await client.patch(path, headers=ra, json={})  # nothing asked: nothing changes
    assert response.status_code == 200 and response.json()["lead_unit_id"] == i
    response = await client.patch(path, headers=ra, json={"lead_unit_id": None})
    assert response.status_code == 200 and response.json()["lead_unit_id"] is None
    assert (await client.put(f"{path}/periods/{Q}/marks", headers=admin_of(i), json=marks)).status_code == 403
    assert (await client.get(path, headers=ra)).json()["lead_unit_id"] is None


async def test_a_lead_unit_outside_the_group_or_region_is_refused(client: httpx.AsyncClient,
                                                                  records: httpx.AsyncClient) -> None:
    c = await county(records)
    elsewhere = await county(records)
    ra = region_admin(c["region"])
    created = await client.post("/api/v1/scoring/schemes", headers=ra, json={
        "region_id": c["region"], "group": "G", "lead_unit_id": c["units"]["D"], "name": "G",
        "definition": DEFINITION})
    path = f"/api/v1/scoring/schemes/{created.json()['id']}"
    for unit in (c["units"]["O"], elsewhere["units"]["D"], str(uuid.uuid4())):  # group H; another region; none
        response = await client.patch(path, headers=ra, json={"lead_unit_id": unit})
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["body.lead_unit_id"]
    assert (await client.get(path, headers=ra)).json()["lead_unit_id"] == c["units"]["D"]  # unchanged
    response = await client.patch(path, headers=ra, json={"lead_unit_id": "D"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.lead_unit_id"
    # Another region's administrator does not see the scheme.
    response = await client.patch(path, headers=region_admin(elsewhere["region"]), json={"lead_unit_id": None})
    assert response.status_code == 404, response.text

    unit_scheme = await client.post("/api/v1/scoring/schemes", headers=ra, json={
        "region_id": c["region"], "unit_id": c["units"]["D"], "name": "D", "definition": DEFINITION})
    response = await client.patch(f"/api/v1/scoring/schemes/{unit_scheme.json()['id']}", headers=ra,
                                  json={"lead_unit_id": c["units"]["D"]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.lead_unit_id"
