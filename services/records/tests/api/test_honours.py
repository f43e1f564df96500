"""The honours ledger (荣誉台账): an honour of a person or a unit, authorised as a record of its
unit, listed by region, unit, person and dates, voided but kept."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from shared.service_auth import Caller
from shared.testing import service_headers

from .test_roster import make_person, make_region, make_unit

URL = "/api/v1/records/honours"


def unit_admin(unit_id: str) -> dict[str, str]:
    return service_headers(Caller(subject="user:ua", roles=("unit_admin",), unit_ids=(unit_id,)))


@pytest.fixture
async def county(client: httpx.AsyncClient) -> dict[str, Any]:
    """Township T and department D; Wang works in T until the end of June 2025, then in D."""
    region = await make_region(client, f"h{uuid.uuid4().hex[:6]}")
    t = await make_unit(client, region["id"], "T")
    d = await make_unit(client, region["id"], "D", "department")
    wang = await make_person(client, t["id"], f"{uuid.uuid4().hex[:4]}w", "2020-01-01")
    moved = await client.post(f"/api/v1/records/persons/{wang['id']}/moves",
                              json={"on": "2025-07-01", "unit_id": d["id"]})
    assert moved.status_code == 200, moved.text
    return {"region": region, "t": t, "d": d, "wang": wang}


def honour(**fields: Any) -> dict[str, Any]:
    return {"title": "全县优秀共产党员", "level": "county", "awarded_on": "2025-05-04", "awarded_by": "中共某县委",
            "evidence": "某委发〔2025〕12号", **fields}


async def test_a_persons_honour_belongs_to_their_unit_on_the_day(client: httpx.AsyncClient,
                                                                 county: dict[str, Any]) -> None:
    wang, t, d = county["wang"], county["t"], county["d"]
    may = await client.post(URL, headers=unit_admin(t["id"]), json=honour(person_id=wang["id"]))
    assert may.status_code == 201, may.text
    assert (may.json()["unit_id"], may.json()["recorded_by"], may.json()["voided_at"]) == (t["id"], "user:ua", None)
    # after the move, Wang's honours are D's to record: T no longer sees him (422 naming the field)
    august = await client.post(URL, headers=unit_admin(t["id"]), json=honour(person_id=wang["id"],
                                                                             awarded_on="2025-08-01"))
    assert august.status_code == 422
    assert august.json()["errors"][0]["field"] == "body.person_id"
    by_d = await client.post(URL, headers=unit_admin(d["id"]), json=honour(person_id=wang["id"],
                                                                           awarded_on="2025-08-01", level="city"))
    assert by_d.status_code == 201 and by_d.json()["unit_id"] == d["id"]
    # D does not see T's honour of Wang (a record of T), Wang sees both
    assert (await client.get(f"{URL}/{may.json()['id']}", headers=unit_admin(d["id"]))).status_code == 404
    me = service_headers(Caller(subject="user:w", roles=("member",), person_id=wang["id"]))
    mine = await client.get(URL, headers=me, params={"person_id": wang["id"]})
    assert [h["level"] for h in mine.json()["items"]] == ["county", "city"]


async def test_exactly_one_of_person_and_unit(client: httpx.AsyncClient, county: dict[str, Any]) -> None:
    both = await client.post(URL, json=honour(person_id=county["wang"]["id"], unit_id=county["t"]["id"]))
    neither = await client.post(URL, json=honour())
    assert (both.status_code, neither.status_code) == (422, 422)
    assert both.json()["errors"][0]["field"] == "body.person_id"


async def test_refusals(client: httpx.AsyncClient, county: dict[str, Any]) -> None:
    t, d = county["t"], county["d"]
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)).isoformat()
    future = await client.post(URL, json=honour(unit_id=t["id"], awarded_on=tomorrow))
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "body.awarded_on"
    level = await client.post(URL, json=honour(unit_id=t["id"], level="galactic"))
    assert level.status_code == 422 and level.json()["errors"][0]["field"] == "body.level"
    other_unit = await client.post(URL, headers=unit_admin(t["id"]), json=honour(unit_id=d["id"]))
    assert other_unit.status_code == 422 and other_unit.json()["errors"][0]["field"] == "body.unit_id"
    before_roster = await client.post(URL, json=honour(person_id=county["wang"]["id"], awarded_on="2019-01-01"))
    assert before_roster.status_code == 422 and before_roster.json()["errors"][0]["field"] == "body.awarded_on"
    leader = service_headers(Caller(subject="user:l", roles=("leader",), unit_ids=(t["id"],)))
    assert (await client.post(URL, headers=leader, json=honour(unit_id=t["id"]))).status_code == 403
    assert (await client.get(f"{URL}/{uuid.uuid4()}")).status_code == 404


async def test_listing_by_region_unit_and_dates_and_voiding(client: httpx.AsyncClient,
                                                            county: dict[str, Any]) -> None:
    t, d, wang = county["t"], county["d"], county["wang"]
    ids = []
    for body in (honour(unit_id=t["id"], level="city", awarded_on="2025-01-10"),
                 honour(person_id=wang["id"], awarded_on="2025-05-04"),
                 honour(unit_id=d["id"], level="provincial", awarded_on="2025-09-30"),
                 honour(unit_id=d["id"], level="national", awarded_on="2024-12-31")):
        response = await client.post(URL, json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    region = county["region"]["id"]
    in_2025 = await client.get(URL, params={"region_id": region, "from": "2025-01-01", "to": "2025-12-31"})
    assert [h["id"] for h in in_2025.json()["items"]] == ids[:3] and in_2025.json()["total"] == 3
    of_t = await client.get(URL, params={"unit_id": t["id"]})  # T's own honour and Wang's of May
    assert [h["id"] for h in of_t.json()["items"]] == ids[:2]
    first = await client.get(URL, params={"region_id": region, "limit": 1})
    page = await client.get(first.json()["next"])
    assert (page.json()["total"], [h["id"] for h in page.json()["items"]]) == (4, [ids[0]])
    # voiding: T's leader may not, T's administrator may, once; the honour is kept
    leader = service_headers(Caller(subject="user:l", roles=("leader",), unit_ids=(t["id"],)))
    assert (await client.post(f"{URL}/{ids[0]}/void", headers=leader, json={"reason": "x"})).status_code == 403
    assert (await client.post(f"{URL}/{ids[0]}/void", headers=unit_admin(d["id"]),
                              json={"reason": "x"})).status_code == 404
    voided = await client.post(f"{URL}/{ids[0]}/void", headers=unit_admin(t["id"]), json={"reason": "文号有误"})
    assert voided.status_code == 200 and voided.json()["void_reason"] == "文号有误"
    again = await client.post(f"{URL}/{ids[0]}/void", json={"reason": "x"})
    assert again.status_code == 409
    counting = await client.get(URL, params={"unit_id": t["id"]})
    assert [h["id"] for h in counting.json()["items"]] == ids[1:2]
    kept = await client.get(URL, params={"unit_id": t["id"], "include_voided": "true"})
    assert kept.json()["total"] == 2
    # a region administrator of another region gets 404 for the region
    stranger = service_headers(Caller(subject="user:r", roles=("region_admin",), region_ids=(str(uuid.uuid4()),)))
    assert (await client.get(URL, headers=stranger, params={"region_id": region})).status_code == 404
    assert (await client.get(URL)).status_code == 422
