"""A unit's sections renamed and their coefficient (科室系数) changed: the summary a close reads
gives the new one."""

from __future__ import annotations

import uuid

import httpx

from .test_roster import make_person, make_region, make_unit


async def test_a_sections_name_and_coefficient_are_changed(client: httpx.AsyncClient) -> None:
    region = await make_region(client)
    unit = await make_unit(client, region["id"], "A", kind="department")
    office = (await client.post(f"/api/v1/records/units/{unit['id']}/sections",
                                json={"name": "办公室", "coefficient": "1.2"})).json()
    person = await make_person(client, unit["id"], "S1", section_id=office["id"])
    path = f"/api/v1/records/units/{unit['id']}/sections/{office['id']}"

    response = await client.patch(path, json={"coefficient": "1.35"})
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["coefficient"]) == ("办公室", "1.350")
    response = await client.patch(path, json={"name": "综合办公室"})
    assert (response.json()["name"], response.json()["coefficient"]) == ("综合办公室", "1.350")
    summary = await client.get(f"/api/v1/records/units/{unit['id']}/summary", params={
        "period": "2025Q2", "fields": "section_id,section_coefficient,section_name"})
    assert summary.status_code == 200, summary.text
    row = next(p for p in summary.json()["people"] if p["person_id"] == person["id"])
    assert (row["section_name"], row["section_coefficient"]) == ("综合办公室", "1.350")

    response = await client.patch(path, json={"coefficient": None})  # no coefficient: the scheme's default
    assert response.status_code == 200 and response.json()["coefficient"] is None


async def test_bad_changes_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    region = await make_region(client)
    unit = await make_unit(client, region["id"], "A", kind="department")
    other = await make_unit(client, region["id"], "B", kind="department")
    sections = {}
    for name in ("办公室", "业务科"):
        sections[name] = (await client.post(f"/api/v1/records/units/{unit['id']}/sections",
                                            json={"name": name})).json()["id"]
    path = f"/api/v1/records/units/{unit['id']}/sections/{sections['办公室']}"
    for body, field in (({"name": None}, "body.name"), ({"name": ""}, "body.name"),
                        ({"coefficient": "0"}, "body.coefficient"), ({"coefficient": "11"}, "body.coefficient"),
                        ({"rank": 1}, "body.rank")):
        response = await client.patch(path, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"].startswith(field)  # body.name.constrained-str for ""
    response = await client.patch(path, json={"name": "业务科"})
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "duplicate"
    # A section of another unit, or none: not found under this unit.
    for unit_id, section_id in ((other["id"], sections["办公室"]), (unit["id"], str(uuid.uuid4()))):
        response = await client.patch(f"/api/v1/records/units/{unit_id}/sections/{section_id}",
                                      json={"coefficient": "1.1"})
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "section_not_found"
    listed = (await client.get(f"/api/v1/records/units/{unit['id']}/sections")).json()["items"]
    assert {s["name"]: s["coefficient"] for s in listed} == {"办公室": None, "业务科": None}  # nothing written
