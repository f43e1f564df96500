"""The scope module notes the region and unit of the object a caller named, refused or not."""

from __future__ import annotations

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers
from shared.touched import REGION_HEADER, UNIT_HEADER

from .conftest import unit_with_people
from .test_quarter import scheme


async def test_a_refused_read_still_names_the_objects_region_and_unit(client: httpx.AsyncClient,
                                                                      records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    scheme_id = await scheme(client, county)
    outsider = Caller(subject="user:outsider", roles=("region_admin",), region_ids=("00000000-0000-0000-0000-0000"
                                                                                    "00000001",))
    response = await client.get(f"/api/v1/scoring/schemes/{scheme_id}", headers=service_headers(outsider))
    assert response.status_code == 404
    assert response.headers[REGION_HEADER] == county["region"] and response.headers[UNIT_HEADER] == county["unit"]
    mine = await client.get(f"/api/v1/scoring/schemes/{scheme_id}")
    assert mine.status_code == 200 and mine.headers[REGION_HEADER] == county["region"]
