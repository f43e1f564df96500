"""The scope module's loaders tell the gateway which region and unit a named object is in,
also when they turn the caller away (the audit files refused attempts under the object)."""

from __future__ import annotations

import uuid

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers
from shared.touched import REGION_HEADER, UNIT_HEADER

from .test_roster import make_person, make_region, make_unit


async def test_a_refused_read_still_names_the_objects_region_and_unit(client: httpx.AsyncClient) -> None:
    tag = uuid.uuid4().hex[:6]
    mine, theirs = await make_region(client, f"m{tag}"), await make_region(client, f"o{tag}")
    home, away = await make_unit(client, mine["id"], "H"), await make_unit(client, theirs["id"], "A")
    person = await make_person(client, away["id"], f"{tag}s")
    log = await client.post("/api/v1/records/work-logs", json={"person_id": person["id"], "week": "2025-W02",
                                                               "content": "调研"})
    outsider = service_headers(Caller(subject="user:u", roles=("unit_admin",), unit_ids=(home["id"],)))
    for path in (f"/api/v1/records/units/{away['id']}", f"/api/v1/records/persons/{person['id']}"):
        response = await client.get(path, headers=outsider)
        assert response.status_code == 404
        assert (response.headers[REGION_HEADER], response.headers[UNIT_HEADER]) == (theirs["id"], away["id"])
    edit = await client.patch(f"/api/v1/records/work-logs/{log.json()['id']}", headers=outsider,
                              json={"content": "改"})
    assert edit.status_code == 404
    assert (edit.headers[REGION_HEADER], edit.headers[UNIT_HEADER]) == (theirs["id"], away["id"])


async def test_a_region_read_names_the_region(client: httpx.AsyncClient) -> None:
    region = await make_region(client, f"r{uuid.uuid4().hex[:6]}")
    response = await client.get(f"/api/v1/records/regions/{region['id']}")
    assert response.status_code == 200
    assert response.headers[REGION_HEADER] == region["id"] and UNIT_HEADER not in response.headers
