"""Corrections of attendance days and their history: old and new value, who, when, why."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from records.attendance.models import AttendanceChange
from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import counts
from .test_attendance import csv_bytes, upload
from .test_roster import make_person, make_region, make_unit

CHANGES = "/api/v1/records/attendance/changes"


@pytest.fixture
async def county(client: httpx.AsyncClient) -> dict[str, Any]:
    region = await make_region(client, f"r{uuid.uuid4().hex[:6]}")
    town = await make_unit(client, region["id"], "T")
    dept = await make_unit(client, region["id"], "D", "department")
    tag = uuid.uuid4().hex[:4]
    zhang = await make_person(client, town["id"], f"{tag}01", "2025-01-01")
    li = await make_person(client, town["id"], f"{tag}02", "2025-01-01")
    wang = await make_person(client, dept["id"], f"{tag}03", "2025-01-01")
    return {"region": region, "town": town, "dept": dept, "zhang": zhang, "li": li, "wang": wang, "tag": tag}


def town_admin(county: dict[str, Any]) -> dict[str, str]:
    return service_headers(Caller(subject="user:town-admin", roles=("unit_admin",),
                                  unit_ids=(county["town"]["id"],)))


async def put(client: httpx.AsyncClient, rows: list[dict[str, Any]], reason: str | None = None,
              **headers: str) -> httpx.Response:
    body: dict[str, Any] = {"rows": rows}
    if reason is not None:
        body["reason"] = reason
    return await client.put("/api/v1/records/attendance", json=body, headers=headers)


async def history(client: httpx.AsyncClient, person: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(CHANGES, params={"person_id": person["id"], "period": "2025"})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def count_changes(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AttendanceChange)) or 0)


def day(county: dict[str, Any], who: str, on: str, status: str, note: str | None = None) -> dict[str, Any]:
    number = {"zhang": "01", "li": "02", "wang": "03"}[who]
    return {"staff_no": county["tag"] + number, "day": on, "status": status, "note": note}


class TestCorrections:
    async def test_a_correction_keeps_the_old_and_new_value_who_and_why(
            self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        admin = town_admin(county)
        first = await put(client, [day(county, "zhang", "2025-03-03", "absent")], **admin)
        assert counts(first) == {"rows": 1, "inserted": 1, "updated": 0, "unchanged": 0}
        assert await history(client, county["zhang"]) == []  # a first recording is not a change
        response = await put(client, [day(county, "zhang", "2025-03-03", "sick_leave", "补交病假条")],
                             reason="当日病假，假条次日补交", **admin)
        assert response.status_code == 200, response.text
        assert counts(response) == {"rows": 1, "inserted": 0, "updated": 1, "unchanged": 0}
        [change] = await history(client, county["zhang"])
        assert {k: v for k, v in change.items() if k not in ("id", "changed_at")} == {
            "person_id": county["zhang"]["id"], "staff_no": county["tag"] + "01", "name": county["zhang"]["name"],
            "unit_id": county["town"]["id"], "day": "2025-03-03", "old_status": "absent",
            "new_status": "sick_leave", "old_note": None, "new_note": "补交病假条",
            "reason": "当日病假，假条次日补交", "source": "correction", "changed_by": "user:town-admin"}
        listed = (await client.get("/api/v1/records/attendance", params={
            "person_id": county["zhang"]["id"], "period": "2025"})).json()["items"]
        assert [(r["day"], r["status"], r["note"]) for r in listed] == [("2025-03-03", "sick_leave", "补交病假条")]

    async def test_a_second_correction_comes_first(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        await put(client, [day(county, "zhang", "2025-03-03", "absent")])
        await put(client, [day(county, "zhang", "2025-03-03", "present")], reason="误记旷工")
        await put(client, [day(county, "zhang", "2025-03-03", "present", "外出办事")], reason="补记去向")
        assert [(c["old_status"], c["new_status"], c["old_note"], c["new_note"], c["reason"])
                for c in await history(client, county["zhang"])] == [
            ("present", "present", None, "外出办事", "补记去向"), ("absent", "present", None, None, "误记旷工")]

    async def test_changing_a_day_without_a_reason_is_refused_and_nothing_written(
            self, client: httpx.AsyncClient, county: dict[str, Any], session: AsyncSession) -> None:
        await put(client, [day(county, "zhang", "2025-03-03", "absent")])
        for reason in (None, "  "):
            response = await put(client, [day(county, "zhang", "2025-03-04", "present"),  # new: fine alone
                                          day(county, "zhang", "2025-03-03", "present")], reason=reason)
            assert response.status_code == 422, response.text
            problem = response.json()
            assert problem["code"] == "reason_required"
            assert [e["field"] for e in problem["errors"]] == ["body.reason"]
        listed = (await client.get("/api/v1/records/attendance", params={
            "person_id": county["zhang"]["id"], "period": "2025"})).json()["items"]
        assert [(r["day"], r["status"]) for r in listed] == [("2025-03-03", "absent")]
        assert await count_changes(session) == 0

    async def test_a_day_sent_again_unchanged_needs_no_reason_and_leaves_no_trace(
            self, client: httpx.AsyncClient, county: dict[str, Any], session: AsyncSession) -> None:
        rows = [day(county, "zhang", "2025-03-03", "sick_leave", "感冒"), day(county, "li", "2025-03-03", "present")]
        assert (await put(client, rows)).json()["inserted"] == 2
        again = await put(client, rows)
        assert again.status_code == 200, again.text
        assert counts(again) == {"rows": 2, "inserted": 0, "updated": 0, "unchanged": 2}
        with_reason = await put(client, rows, reason="核对无误")
        assert with_reason.json()["unchanged"] == 2
        assert await count_changes(session) == 0

    async def test_a_reason_longer_than_500_characters(self, client: httpx.AsyncClient,
                                                       county: dict[str, Any]) -> None:
        response = await put(client, [day(county, "zhang", "2025-03-03", "present")], reason="因" * 501)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.reason"


class TestImports:
    async def test_an_import_changing_days_records_source_import_without_a_reason(
            self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        tag = county["tag"]
        sheet = ["工号,日期,状态,备注", f"{tag}01,2025-03-03,出勤,", f"{tag}01,2025-03-04,出勤,",
                 f"{tag}03,2025-03-03,出差,市里"]
        assert (await upload(client, "a.csv", csv_bytes(sheet))).json()["inserted"] == 3
        sheet[2] = f"{tag}01,2025-03-04,事假,家中有事"
        sheet.append(f"{tag}02,2025-03-04,出勤,")
        response = await upload(client, "b.csv", csv_bytes(sheet))
        assert counts(response) == {"rows": 4, "inserted": 1, "updated": 1, "unchanged": 2}
        [change] = await history(client, county["zhang"])
        assert (change["day"], change["old_status"], change["new_status"], change["old_note"], change["new_note"],
                change["reason"], change["source"], change["changed_by"]) == (
            "2025-03-04", "present", "personal_leave", None, "家中有事", None, "import", "user:province-admin")
        assert await history(client, county["wang"]) == []
        assert await history(client, county["li"]) == []

    async def test_a_stream_changing_a_day(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        line = '{"staff_no": "%s03", "day": "2025-03-05", "status": "%s"}\n'
        for status in ("present", "absent"):
            response = await client.post("/api/v1/records/attendance/stream",
                                         content=(line % (county["tag"], status)).encode(),
                                         headers={"content-type": "application/x-ndjson"})
            assert response.status_code == 200, response.text
        [change] = await history(client, county["wang"])
        assert (change["old_status"], change["new_status"], change["source"], change["reason"]) == (
            "present", "absent", "import", None)


class TestReading:
    async def _corrected(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        rows = [day(county, "zhang", "2025-03-03", "absent"), day(county, "li", "2025-03-03", "absent"),
                day(county, "wang", "2025-03-03", "absent")]
        await put(client, rows)
        await put(client, [{**r, "status": "present"} for r in rows], reason="考勤机故障")

    async def test_a_unit_its_period_and_pages(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        await self._corrected(client, county)
        town = (await client.get(CHANGES, params={"unit_id": county["town"]["id"], "period": "2025Q1",
                                                  "limit": 1})).json()
        assert (town["total"], len(town["items"])) == (2, 1)
        rest = (await client.get(town["next"])).json()
        assert (len(rest["items"]), rest["next"]) == (1, None)
        assert rest["items"][0]["id"] < town["items"][0]["id"]  # newest first
        page = (await client.get(CHANGES, params={"unit_id": county["town"]["id"], "period": "2025Q1",
                                                  "limit": 5})).json()
        assert sorted(c["staff_no"] for c in page["items"]) == [county["tag"] + "01", county["tag"] + "02"]
        later = (await client.get(CHANGES, params={"unit_id": county["town"]["id"], "period": "2025Q2"})).json()
        assert later["total"] == 0

    async def test_neither_unit_nor_person(self, client: httpx.AsyncClient) -> None:
        response = await client.get(CHANGES, params={"period": "2025"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query.unit_id"

    async def test_who_sees_which_changes(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        await self._corrected(client, county)
        zhang, li, wang = county["zhang"], county["li"], county["wang"]
        me = service_headers(Caller(subject="user:zhang", roles=("member",), person_id=zhang["id"]))
        mine = await client.get(CHANGES, params={"person_id": zhang["id"], "period": "2025"}, headers=me)
        assert mine.status_code == 200
        assert [c["person_id"] for c in mine.json()["items"]] == [zhang["id"]]
        for params in ({"person_id": li["id"]}, {"unit_id": county["town"]["id"]}):
            response = await client.get(CHANGES, params={**params, "period": "2025"}, headers=me)
            assert response.status_code == 404, params

        admin = town_admin(county)
        town = await client.get(CHANGES, params={"unit_id": county["town"]["id"], "period": "2025"}, headers=admin)
        assert town.json()["total"] == 2
        for params in ({"person_id": wang["id"]}, {"unit_id": county["dept"]["id"]}):
            response = await client.get(CHANGES, params={**params, "period": "2025"}, headers=admin)
            assert response.status_code == 404, params

        other = await make_region(client, f"o{county['tag']}")
        stranger = service_headers(Caller(subject="user:other", roles=("region_admin",), region_ids=(other["id"],)))
        for params in ({"person_id": zhang["id"]}, {"unit_id": county["town"]["id"]}):
            response = await client.get(CHANGES, params={**params, "period": "2025"}, headers=stranger)
            assert response.status_code == 404, params
        region_admin = service_headers(Caller(subject="user:ra", roles=("region_admin",),
                                              region_ids=(county["region"]["id"],)))
        dept = await client.get(CHANGES, params={"unit_id": county["dept"]["id"], "period": "2025"},
                                headers=region_admin)
        assert [c["person_id"] for c in dept.json()["items"]] == [wang["id"]]
