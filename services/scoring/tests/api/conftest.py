from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from docx import Document
from fastapi import FastAPI

from scoring.procedure.clock import today
from shared.service_auth import Caller
from shared.testing import asgi_client, rolled_back, service_headers

PROVINCE = Caller(subject="user:province-admin", roles=("province_admin",))

XIACUN = {
    "indicators": [{"code": "de", "name": "德", "weight": "0.3"}, {"code": "ji", "name": "绩", "weight": "0.7"}],
    "raters": {"share": "0.2", "groups": {"leadership": "0.4", "middle": "0.3", "staff": "0.2",
                                          "non_staff": "0.1"}},
    "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"},
                              "safety": {"name": "安全生产", "direction": "deduction", "max_points": "5"}},
                    "bonus_total": "4", "deduction_total": "10"},
    "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"},
                       "investigation": {"name": "立案审查", "effect": "exclude"}},
    "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
    "thresholds": [{"grade": "poor", "below": "60"}],
    "open_ballots": True,  # the by-hand tests read every group's mean (a group of one rater included)
}


@pytest.fixture
def today_is(scoring_app: FastAPI) -> Iterator[Callable[[str], None]]:
    """The procedure's today (its clock dependency), set per step: a walk through a procedure spans
    weeks of dates; it starts on Monday 2026-01-05."""
    day = {"today": date(2026, 1, 5)}

    def set_day(text: str) -> None:
        day["today"] = date.fromisoformat(text)

    scoring_app.dependency_overrides[today] = lambda: day["today"]
    yield set_day
    scoring_app.dependency_overrides.pop(today, None)


@pytest.fixture
async def records(records_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with rolled_back(records_app), asgi_client(records_app, headers=service_headers(PROVINCE)) as c:
        yield c


@pytest.fixture
async def quota(quota_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with rolled_back(quota_app), asgi_client(quota_app, headers=service_headers(PROVINCE)) as c:
        yield c


@pytest.fixture
async def client(scoring_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with rolled_back(scoring_app), asgi_client(scoring_app, headers=service_headers(PROVINCE)) as c:
        yield c


async def unit_with_people(records: httpx.AsyncClient, names: str, *, group: str | None = None) -> dict[str, Any]:
    """A region with one unit and a person per letter of ``names``, in post since 2020."""
    region = (await records.post("/api/v1/records/regions", json={"code": f"r{uuid.uuid4().hex[:8]}",
                                                                    "name": "夏村镇所在县"})).json()
    body = {"region_id": region["id"], "code": "X", "name": "夏村镇", "kind": "township"}
    if group:
        body["evaluation_group"] = group
    unit = (await records.post("/api/v1/records/units", json=body)).json()
    people = {}
    for letter in names:
        response = await records.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": f"{region['code']}-{letter}", "name": letter,
            "staff_category": "staff", "active_from": "2020-01-01"})
        assert response.status_code == 201, response.text
        people[letter] = response.json()["id"]
    return {"region": region["id"], "unit": unit["id"], "people": people}


async def raters_of(records: httpx.AsyncClient, region_id: str, count: int) -> list[str]:
    """``count`` people of another unit of the region (the county's leaders, say), to rate in a round:
    raters are people records knows in the scheme's region."""
    unit = (await records.post("/api/v1/records/units", json={
        "region_id": region_id, "code": f"L{uuid.uuid4().hex[:6]}", "name": "县领导", "kind": "department"})).json()
    out = []
    for index in range(count):
        response = await records.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": f"{unit['code']}-{index}", "name": f"领导{index}",
            "staff_category": "leadership", "active_from": "2020-01-01"})
        assert response.status_code == 201, response.text
        out.append(str(response.json()["id"]))
    return out


def staff_letters(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows naming people of ``unit_with_people``, each staff number cut to its letter (the region's
    code before it changes from run to run)."""
    return [{**r, "staff_no": None if r["staff_no"] is None else r["staff_no"].rpartition("-")[2]} for r in rows]


def as_named(person_id: str, letter: str, **rest: Any) -> dict[str, Any]:
    """A row about a person of ``unit_with_people`` (of 夏村镇, no section) as ``staff_letters`` shows it."""
    return {"person_id": person_id, "staff_no": letter, "name": letter, "unit_name": "夏村镇", "section_id": None,
            "section_name": None, **rest}


def caller_headers(person_id: str) -> dict[str, str]:
    """A member signed in as themself."""
    return service_headers(Caller(subject=f"user:{person_id}", roles=("member",), person_id=person_id))


async def approved(client: httpx.AsyncClient, scheme_id: str, version: int, unit_admin: dict[str, str]) -> None:
    """A unit administrator's version submitted by them and approved by the province's administrator
    (the client's own caller), as the region's organisation department would."""
    versions = f"/api/v1/scoring/schemes/{scheme_id}/versions/{version}"
    submitted = await client.post(f"{versions}/submit", headers=unit_admin)
    assert submitted.status_code == 200, submitted.text
    approved = await client.post(f"{versions}/approve", headers=service_headers(PROVINCE))
    assert approved.status_code == 200, approved.text


# The organisation department's county: scheme review, supervision, bulletins.
REVIEWED: dict[str, Any] = {
    "indicators": [{"code": "de", "name": "德", "weight": "0.3", "standard": "政治坚定，遵规守纪，每项扣2分"},
                   {"code": "ji", "name": "绩", "weight": "0.7"}],
    "raters": {"share": "0.2", "groups": {"staff": "1"}},
    "missing_inputs": "zero",
}
STANDARD = {"code": "ji", "name": "绩", "weight": "0.7", "standard": "完成年度目标任务得满分，每缺一项扣5分"}


def unit_admin(unit_id: str) -> dict[str, str]:
    return service_headers(Caller(subject=f"user:ua-{unit_id[:8]}", roles=("unit_admin",), unit_ids=(unit_id,)))


async def county(records: httpx.AsyncClient) -> dict[str, Any]:
    """A region with townships A (person a) and B (person b), each with its unit administrator, and the
    region's 组织部 (its region administrator)."""
    region = (await records.post("/api/v1/records/regions", json={"code": f"r{uuid.uuid4().hex[:8]}",
                                                                    "name": "审核县"})).json()["id"]
    units, people = {}, {}
    for code in ("A", "B"):
        units[code] = (await records.post("/api/v1/records/units", json={
            "region_id": region, "code": code, "name": f"{code}镇", "kind": "township"})).json()["id"]
        person = await records.post("/api/v1/records/persons", json={
            "unit_id": units[code], "staff_no": f"{region[:8]}-{code}", "name": code.lower(),
            "staff_category": "staff", "active_from": "2020-01-01"})
        assert person.status_code == 201, person.text
        people[code] = person.json()["id"]
    od = service_headers(Caller(subject="user:od", roles=("region_admin",), region_ids=(region,)))
    return {"region": region, "units": units, "people": people, "od": od,
            "ua": unit_admin(units["A"]), "ub": unit_admin(units["B"])}


async def scheme_of(client: httpx.AsyncClient, c: dict[str, Any], code: str, definition: dict[str, Any]) -> str:
    """Unit ``code``'s scheme as its own administrator writes it: a draft, waiting to be submitted."""
    response = await client.post("/api/v1/scoring/schemes", headers=c[f"u{code.lower()}"], json={
        "region_id": c["region"], "unit_id": c["units"][code], "name": f"{code}镇方案", "definition": definition})
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "draft"
    return str(response.json()["id"])


def docx_text(content: bytes) -> str:
    """A Word document's paragraphs, then its tables' cells, one a line."""
    doc = Document(io.BytesIO(content))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)
