"""Attendance imports: every format, all-or-nothing, idempotent, scoped; export round trip."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from records.attendance.models import Attendance
from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import counts
from .test_roster import make_person, make_region, make_unit


@pytest.fixture
async def county(client: httpx.AsyncClient) -> dict[str, Any]:
    region = await make_region(client, f"r{uuid.uuid4().hex[:6]}")
    town = await make_unit(client, region["id"], "T")
    dept = await make_unit(client, region["id"], "D", "department")
    tag = uuid.uuid4().hex[:4]
    zhang = await make_person(client, town["id"], f"{tag}01", "2025-01-01")
    li = await make_person(client, town["id"], f"{tag}02", "2025-03-01")  # recruited in March
    wang = await make_person(client, dept["id"], f"{tag}03", "2025-01-01")
    return {"region": region, "town": town, "dept": dept, "zhang": zhang, "li": li, "wang": wang, "tag": tag}


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


async def upload(client: httpx.AsyncClient, name: str, content: bytes, **headers: str) -> httpx.Response:
    return await client.post("/api/v1/records/attendance/import", files={"file": (name, content)}, headers=headers)


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Attendance)) or 0)


class TestImport:
    async def test_utf8_csv_with_chinese_headers_and_words(self, client: httpx.AsyncClient,
                                                          county: dict[str, Any]) -> None:
        tag = county["tag"]
        body = csv_bytes(["工号,姓名,日期,状态,备注", f"{tag}01,张三,2025-03-03,出勤,",
                          f"{tag}01,张三,2025/3/4,病假,感冒", f"{tag}02,李四,2025年3月3日,出差,省城"])
        response = await upload(client, "考勤.csv", body)
        assert response.status_code == 200, response.text
        assert counts(response) == {"rows": 3, "inserted": 3, "updated": 0, "unchanged": 0}
        listed = (await client.get("/api/v1/records/attendance", params={
            "person_id": county["zhang"]["id"], "period": "2025Q1"})).json()
        assert [(r["day"], r["status"], r["note"]) for r in listed["items"]] == [
            ("2025-03-03", "present", None), ("2025-03-04", "sick_leave", "感冒")]

    async def test_gbk_csv(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        body = csv_bytes(["工号,日期,考勤状态", f"{county['tag']}01,2025-03-05,事假"], encoding="gbk")
        response = await upload(client, "kq.csv", body)
        assert response.json()["inserted"] == 1

    async def test_xlsx_with_english_headers_and_excel_numbers(self, client: httpx.AsyncClient,
                                                              county: dict[str, Any]) -> None:
        import datetime as dt

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["staff_no", "day", "status"])
        sheet.append([county["tag"] + "03", dt.datetime(2025, 3, 6), "business_trip"])
        out = io.BytesIO()
        workbook.save(out)
        response = await upload(client, "sheet.xlsx", out.getvalue())
        assert response.status_code == 200, response.text
        assert response.json()["inserted"] == 1

    async def test_json_lines_stream(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        lines = [json.dumps({"staff_no": f"{county['tag']}01", "day": f"2025-03-{d:02d}", "status": "present"})
                 for d in range(10, 20)]
        response = await client.post("/api/v1/records/attendance/stream", content="\n".join(lines).encode(),
                                     headers={"content-type": "application/x-ndjson"})
        assert counts(response) == {"rows": 10, "inserted": 10, "updated": 0, "unchanged": 0}

    async def test_bulk_rows_for_a_day(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        rows = [{"staff_no": f"{county['tag']}0{i}", "day": "2025-03-21", "status": "present"} for i in (1, 2, 3)]
        response = await client.put("/api/v1/records/attendance", json={"rows": rows})
        assert response.json()["inserted"] == 3

    async def test_bulk_rows_naming_nobody(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        """Rows whose one fault is the person they name: `invalid_reference`, the rows listed; with another
        fault among them, `import_rejected`. Nothing written either way."""
        good = {"staff_no": f"{county['tag']}01", "day": "2025-03-22", "status": "present"}
        nobody = {**good, "staff_no": f"{county['tag']}-nobody"}
        response = await client.put("/api/v1/records/attendance", json={"rows": [good, nobody]})
        assert response.status_code == 422 and response.json()["code"] == "invalid_reference", response.text
        assert [(e["row"], e["column"], e["code"]) for e in response.json()["errors"]] == [
            (2, "staff_no", "unknown_staff_no")]
        future = {**good, "day": "2999-01-01"}
        response = await client.put("/api/v1/records/attendance", json={"rows": [future, nobody]})
        assert response.status_code == 422 and response.json()["code"] == "import_rejected", response.text
        listed = await client.get("/api/v1/records/attendance", params={"unit_id": county["town"]["id"],
                                                                          "period": "2025-03"})
        assert listed.status_code == 200 and "2025-03-22" not in {r["day"] for r in listed.json()["items"]}

    async def test_the_same_file_twice_changes_nothing(self, client: httpx.AsyncClient,
                                                      county: dict[str, Any]) -> None:
        body = csv_bytes(["工号,日期,状态", f"{county['tag']}01,2025-03-07,出勤", f"{county['tag']}03,2025-03-07,出勤"])
        assert (await upload(client, "a.csv", body)).json()["inserted"] == 2
        assert counts(await upload(client, "a.csv", body)) == {"rows": 2, "inserted": 0, "updated": 0,
                                                               "unchanged": 2}
        changed = body.replace("2025-03-07,出勤\n".encode(), "2025-03-07,旷工\n".encode(), 1)
        assert (await upload(client, "a.csv", changed)).json()["updated"] == 1


class TestRejectedFiles:
    async def test_every_bad_row_is_listed_and_nothing_written(self, client: httpx.AsyncClient,
                                                              county: dict[str, Any], session: AsyncSession) -> None:
        tag = county["tag"]
        before = await count(session)
        body = csv_bytes(["工号,日期,状态",
                          f"{tag}01,2025-03-08,出勤",         # good
                          f"{tag}01,2025-13-01,出勤",         # bad date
                          f"{tag}01,2025-03-09,摸鱼",         # bad status
                          "nobody,2025-03-09,出勤",            # unknown person
                          f"{tag}02,2025-02-10,出勤",         # before Li was recruited
                          ",2025-03-09,出勤"])                # no staff number
        response = await upload(client, "bad.csv", body)
        assert response.status_code == 422
        problem = response.json()
        assert problem["code"] == "import_rejected" and problem["bad_rows"] == 5
        assert [(e["row"], e["column"]) for e in problem["errors"]] == [
            (3, "day"), (4, "status"), (5, "staff_no"), (6, "day"), (7, "staff_no")]
        assert "not on the roster" in problem["errors"][3]["reason"]
        assert await count(session) == before

    async def test_a_person_twice_on_one_day(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        tag = county["tag"]
        body = csv_bytes(["工号,日期,状态", f"{tag}01,2025-03-08,出勤", f"{tag}03,2025-03-08,出勤",
                          f"{tag}01,2025-03-08,病假"])
        response = await upload(client, "dup.csv", body)
        assert response.status_code == 422
        assert response.json()["errors"] == [{"row": 4, "column": "day", "value": "2025-03-08", "sheet": None,
                                              "heading": "日期", "code": "duplicate_day",
                                              "reason": "the same person and day as row 2"}]

    async def test_a_person_outside_the_unit_admins_unit(self, client: httpx.AsyncClient,
                                                        county: dict[str, Any]) -> None:
        town_admin = service_headers(Caller(subject="user:t", roles=("unit_admin",), unit_ids=(county["town"]["id"],)))
        body = csv_bytes(["工号,日期,状态", f"{county['tag']}01,2025-03-08,出勤", f"{county['tag']}03,2025-03-08,出勤"])
        response = await upload(client, "x.csv", body, **town_admin)
        assert response.status_code == 422 and response.json()["code"] == "invalid_reference"  # the rows' one fault
        assert response.json()["errors"][0] == {"row": 3, "column": "staff_no", "value": f"{county['tag']}03",
                                                "sheet": None, "heading": "工号", "code": "unknown_staff_no",
                                                "reason": "no such person in the units you manage"}

    @pytest.mark.parametrize(("name", "content", "reason"), [
        ("x.csv", b"", "empty"),
        ("x.csv", "姓名,备注\n张三,x\n".encode(), "missing column"),
        ("x.xlsx", b"PK\x03\x04 not really a workbook", "damaged ZIP or workbook"),
        ("x.csv", b"\xff\xfe\x00\x00\x81garbage\xff", "UTF-32, which is not taken"),
        ("x.csv", b"\x81\x30\xff\xfe" + b"\x81" * 50, "neither UTF-8, GBK/GB18030 nor UTF-16"),
    ])
    async def test_unreadable_files_are_a_clear_422(self, client: httpx.AsyncClient, name: str, content: bytes,
                                                    reason: str) -> None:
        response = await upload(client, name, content)
        assert response.status_code == 422
        assert reason in response.json()["detail"]

    async def test_a_field_past_the_csv_limit_is_a_clear_422(self, client: httpx.AsyncClient) -> None:
        body = "工号,日期,状态\n".encode() + b'"' + b"x" * 200_000 + b'",2025-03-01,\xe5\x87\xba\xe5\x8b\xa4\n'
        response = await upload(client, "x.csv", body)
        assert response.status_code == 422, response.text
        assert "cannot be read past row 1" in response.json()["detail"]

    async def test_json_nested_past_any_row_is_a_bad_row(self, client: httpx.AsyncClient) -> None:
        deep = b"[" * 100_000 + b"]" * 100_000
        response = await client.post("/api/v1/records/attendance/stream", content=deep + b"\n" + b'{"a":' * 5000 + b"1"
                                     + b"}" * 5000)
        assert response.status_code == 422, response.text
        reasons = [(e["row"], e["reason"]) for e in response.json()["errors"]]
        assert reasons == [(1, "not a JSON object"), (2, "not a JSON object")]

    async def test_a_line_that_is_not_json(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        response = await client.post("/api/v1/records/attendance/stream", content=b'{"staff_no": "x"}\nnot json\n')
        assert response.status_code == 422
        assert {"row": 2, "column": "*", "value": "", "code": "not_json_object",
                "reason": "not a JSON object"} in response.json()["errors"]


class TestExport:
    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    async def test_export_then_import_changes_nothing(self, client: httpx.AsyncClient, county: dict[str, Any],
                                                      fmt: str) -> None:
        tag = county["tag"]
        body = csv_bytes(["工号,日期,状态,备注", f"{tag}01,2025-03-11,出勤,", f"{tag}02,2025-03-11,出差,会议"])
        await upload(client, "in.csv", body)
        exported = await client.get("/api/v1/records/attendance/export", params={
            "unit_id": county["town"]["id"], "period": "2025Q1", "format": fmt})
        assert exported.status_code == 200
        if fmt == "xlsx":
            sheet = load_workbook(io.BytesIO(exported.content)).active
            assert [c.value for c in sheet[1]] == ["工号", "姓名", "日期", "状态", "备注"]
        again = await upload(client, f"out.{fmt}", exported.content)
        assert counts(again) == {"rows": 2, "inserted": 0, "updated": 0, "unchanged": 2}
