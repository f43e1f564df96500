"""Paging by key, as a property: whatever the rows and the page size, following ``next`` from the
first page yields every row exactly once, in the list's order (a unit's sections by name; its
members by staff number, start of placement and id, keys of three types)."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_roster import make_person, make_region, make_unit

names = st.lists(st.text(alphabet="科室办一二三AaZz ", min_size=1, max_size=4).map(str.strip).filter(bool),
                 min_size=0, max_size=9, unique=True)


async def walk(client: httpx.AsyncClient, path: str, params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    pages = []
    response = await client.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json()["items"])
        link = response.json()["next"]
        if link is None:
            return pages
        assert response.headers["link"] == f'<{link}>; rel="next"' and link.startswith(f"{path}?")
        response = await client.get(link)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(wanted=names, limit=st.integers(min_value=1, max_value=4))
async def test_every_section_once_in_order(client: httpx.AsyncClient, wanted: list[str], limit: int) -> None:
    region = await make_region(client, f"p{abs(hash((tuple(wanted), limit))) % 10**8}")
    unit = await make_unit(client, region["id"], "U")
    path = f"/api/v1/records/units/{unit['id']}/sections"
    for name in wanted:
        assert (await client.post(path, json={"name": name})).status_code == 201
    pages = await walk(client, path, {"limit": limit})
    seen = [s["name"] for page in pages for s in page]
    # the database's order (its collation), the same as one page of everything gives
    assert seen == [s["name"] for s in (await client.get(path, params={"limit": 500})).json()["items"]]
    assert sorted(seen) == sorted(wanted)
    assert all(len(page) == limit for page in pages[:-1]) and len(pages[-1]) <= limit
    assert len(pages) == max(1, -(-len(wanted) // limit))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(starts=st.lists(st.sampled_from(["2024-01-01", "2025-02-01", "2025-03-01"]), min_size=1, max_size=7),
       limit=st.integers(min_value=1, max_value=3))
async def test_every_member_once_in_order(client: httpx.AsyncClient, starts: list[str], limit: int) -> None:
    region = await make_region(client, f"m{abs(hash((tuple(starts), limit))) % 10**8}")
    unit = await make_unit(client, region["id"], "U")
    tag = region["code"]
    people = [await make_person(client, unit["id"], f"{tag}-{i % 3}{i}", active_from=start)
              for i, start in enumerate(starts)]
    path = f"/api/v1/records/units/{unit['id']}/members"
    pages = await walk(client, path, {"period": "2025", "limit": limit})
    seen = [m["id"] for page in pages for m in page]
    whole = (await client.get(path, params={"period": "2025", "limit": 500})).json()["items"]
    assert seen == [m["id"] for m in whole] and len(set(seen)) == len(people)
    assert {m["person_id"] for m in whole} == {p["id"] for p in people}
