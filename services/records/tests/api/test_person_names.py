"""People named by id for a page of rows: their placement on a day, and only those the caller may see."""

from __future__ import annotations

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers

from .test_roster import make_person, make_region, make_unit

NAMES = "/api/v1/records/persons/names"


async def test_each_person_is_named_by_their_placement_on_the_day(client: httpx.AsyncClient) -> None:
    region = await make_region(client)
    a, b = await make_unit(client, region["id"], "A"), await make_unit(client, region["id"], "B")
    office = (await client.post(f"/api/v1/records/units/{b['id']}/sections", json={"name": "办公室"})).json()
    mover = await make_person(client, a["id"], "N1", active_from="2024-01-01")
    stayer = await make_person(client, b["id"], "N2", active_from="2024-01-01", section_id=office["id"])
    moved = await client.post(f"/api/v1/records/persons/{mover['id']}/moves", json={
        "on": "2025-04-01", "unit_id": b["id"], "section_id": office["id"], "post": "综合文字岗"})
    assert moved.status_code == 200, moved.text

    async def named(on: str | None) -> list[tuple[str, str, str, str | None, str | None]]:
        response = await client.post(NAMES, json={"person_ids": [stayer["id"], mover["id"], stayer["id"]], "on": on})
        assert response.status_code == 200, response.text
        return [(p["name"], p["staff_no"], p["unit_name"], p["section_name"], p["post"])
                for p in response.json()["people"]]

    stays = ("人员N2", "N2", "单位B", "办公室", None)
    assert await named("2025-03-31") == [stays, ("人员N1", "N1", "单位A", None, None)]  # in the order asked, once
    assert await named("2025-04-01") == [stays, ("人员N1", "N1", "单位B", "办公室", "综合文字岗")]
    assert await named(None) == await named("2025-06-30")  # the latest
    assert await named("2023-06-30") == [stays, ("人员N1", "N1", "单位A", None, None)]  # before any: the first


async def test_only_those_the_caller_may_see_are_named(client: httpx.AsyncClient) -> None:
    region = await make_region(client)
    a, b = await make_unit(client, region["id"], "A"), await make_unit(client, region["id"], "B")
    me, colleague = await make_person(client, a["id"], "S1"), await make_person(client, a["id"], "S2")
    outsider = await make_person(client, b["id"], "S3")
    ids = [me["id"], colleague["id"], outsider["id"]]

    async def seen(caller: Caller) -> list[str]:
        response = await client.post(NAMES, json={"person_ids": ids}, headers=service_headers(caller))
        assert response.status_code == 200, response.text
        return [p["staff_no"] for p in response.json()["people"]]

    assert await seen(Caller(subject="user:m", roles=("member",), person_id=me["id"])) == ["S1"]
    assert await seen(Caller(subject="user:u", roles=("unit_admin",), unit_ids=(a["id"],))) == ["S1", "S2"]
    assert await seen(Caller(subject="user:r", roles=("region_admin",), region_ids=(region["id"],))) == [
        "S1", "S2", "S3"]
    other = await make_region(client, "other")
    assert await seen(Caller(subject="user:o", roles=("region_admin",), region_ids=(other["id"],))) == []


async def test_a_bad_list_is_a_422_naming_the_field(client: httpx.AsyncClient) -> None:
    for body, field in (({"person_ids": []}, "body.person_ids"), ({"person_ids": ["x"]}, "body.person_ids.0"),
                        ({"person_ids": [f"{i:08d}-0000-0000-0000-000000000000" for i in range(1001)]},
                         "body.person_ids")):
        response = await client.post(NAMES, json=body)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]
