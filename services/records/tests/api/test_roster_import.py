"""The quarterly roster sheet: add, transfer, unchanged on re-send, all or nothing."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
from openpyxl import Workbook

from .conftest import counts


def sheet(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("gbk")


async def send(client: httpx.AsyncClient, region_id: str, name: str, content: bytes) -> httpx.Response:
    return await client.post(f"/api/v1/records/regions/{region_id}/roster/import", files={"file": (name, content)})


async def test_add_then_resend_then_transfer(client: httpx.AsyncClient, region: dict[str, Any]) -> None:
    tag = uuid.uuid4().hex[:4]
    first = sheet(["工号,姓名,单位编码,科室,人员类别,起始日期",
                   f"{tag}1,张三,XC,党政办,班子成员,2025-01-01",
                   f"{tag}2,李四,XC,,其他在编,2025-01-01",
                   f"{tag}3,王五,ZZB,组织科,中层干部,2025-01-01"])
    added = await send(client, region["id"], "花名册.csv", first)
    assert added.status_code == 200, added.text
    assert counts(added) == {"rows": 3, "added": 3, "moved": 0, "unchanged": 0}
    again = await send(client, region["id"], "花名册.csv", first)
    assert counts(again) == {"rows": 3, "added": 0, "moved": 0, "unchanged": 3}
    second = sheet(["工号,姓名,单位编码,科室,人员类别,起始日期",
                    f"{tag}1,张三,XC,党政办,班子成员,2025-01-01",
                    f"{tag}2,李四,ZZB,组织科,其他在编,2025-04-01"])   # seconded to the department in Q2
    moved = await send(client, region["id"], "q2.csv", second)
    assert counts(moved) == {"rows": 2, "added": 0, "moved": 1, "unchanged": 1}
    units = {u["code"]: u["id"] for u in (await client.get("/api/v1/records/units",
                                                            params={"region_id": region["id"]})).json()["items"]}
    q1 = (await client.get(f"/api/v1/records/units/{units['XC']}/members", params={"period": "2025Q1"})).json()
    q2 = (await client.get(f"/api/v1/records/units/{units['XC']}/members", params={"period": "2025Q2"})).json()
    assert {m["staff_no"] for m in q1["items"]} == {f"{tag}1", f"{tag}2"}
    assert {m["staff_no"] for m in q2["items"]} == {f"{tag}1"}


async def test_xlsx_with_english_headers(client: httpx.AsyncClient, region: dict[str, Any]) -> None:
    workbook = Workbook()
    workbook.active.append(["staff_no", "name", "unit", "category", "active_from"])
    workbook.active.append([f"{uuid.uuid4().hex[:6]}", "Zhao", "ZZB", "non_staff", "2025-02-01"])
    out = io.BytesIO()
    workbook.save(out)
    response = await send(client, region["id"], "roster.xlsx", out.getvalue())
    assert response.json()["added"] == 1


async def test_bad_rows_are_all_listed_and_nothing_is_written(client: httpx.AsyncClient,
                                                              region: dict[str, Any]) -> None:
    tag = uuid.uuid4().hex[:4]
    bad = sheet(["工号,姓名,单位编码,人员类别,起始日期",
                 f"{tag}1,好人,XC,其他在编,2025-01-01",
                 f"{tag}2,,NOPE,局长,2025-02-30",
                 f"{tag}1,重复,XC,其他在编,2025-01-01"])
    response = await send(client, region["id"], "bad.csv", bad)
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [
        (3, "name"), (3, "unit"), (3, "category"), (3, "active_from"), (4, "staff_no")]
    members = await client.get("/api/v1/records/units", params={"region_id": region["id"]})
    xc = next(u for u in members.json()["items"] if u["code"] == "XC")
    listed = (await client.get(f"/api/v1/records/units/{xc['id']}/members", params={"period": "2025"})).json()
    assert listed["total"] == 0


async def test_export_then_import_changes_nothing(client: httpx.AsyncClient, region: dict[str, Any]) -> None:
    tag = uuid.uuid4().hex[:4]
    await send(client, region["id"], "r.csv", sheet(["工号,姓名,单位编码,科室,人员类别,起始日期",
                                                     f"{tag}1,张三,XC,党政办,班子成员,2025-01-01",
                                                     f"{tag}2,李四,ZZB,,不在编,2025-01-01"]))
    for fmt in ("csv", "xlsx"):
        exported = await client.get(f"/api/v1/records/regions/{region['id']}/roster/export",
                                    params={"on": "2025-06-30", "format": fmt})
        assert exported.status_code == 200
        again = await send(client, region["id"], f"roster.{fmt}", exported.content)
        assert counts(again) == {"rows": 2, "added": 0, "moved": 0, "unchanged": 2}, fmt


async def test_a_name_with_control_characters_still_exports(client: httpx.AsyncClient,
                                                          region: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    units = (await client.get("/api/v1/records/units", params={"region_id": region["id"]})).json()["items"]
    unit = next(u for u in units if u["code"] == "XC")
    response = await client.post("/api/v1/records/persons", json={
        "unit_id": unit["id"], "staff_no": f"c{uuid.uuid4().hex[:6]}", "name": "张\x01三\x1b",
        "staff_category": "staff", "active_from": "2025-01-01"})
    assert response.status_code == 201, response.text
    exported = await client.get(f"/api/v1/records/regions/{region['id']}/roster/export",
                                params={"on": "2025-06-30", "format": "xlsx"})
    assert exported.status_code == 200, exported.text  # a worksheet cannot hold \x01: dropped, not a 500
    names = [row[1] for row in load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True)]
    assert "张三" in names


async def test_systems_send_the_roster_as_json_lines(client: httpx.AsyncClient, region: dict[str, Any]) -> None:
    import json

    tag = uuid.uuid4().hex[:4]
    lines = [json.dumps({"staff_no": f"{tag}{i}", "name": f"人{i}", "unit": "XC", "category": "staff",
                         "active_from": "2025-01-01"}) for i in range(3)]
    response = await client.post(f"/api/v1/records/regions/{region['id']}/roster/stream",
                                 content="\n".join(lines).encode(), headers={"content-type": "application/x-ndjson"})
    assert counts(response) == {"rows": 3, "added": 3, "moved": 0, "unchanged": 0}
    broken = await client.post(f"/api/v1/records/regions/{region['id']}/roster/stream", content=b"[1, 2]\n")
    assert broken.status_code == 422
    assert broken.json()["errors"] == [{"row": 1, "column": "*", "value": "", "code": "not_json_object",
                                        "reason": "not a JSON object"}]


async def test_a_region_that_does_not_exist_is_a_404_before_the_file_is_read(client: httpx.AsyncClient) -> None:
    """No such region: 404, whatever the file holds (an empty one, one that is not a sheet)."""
    missing = uuid.uuid4()
    for content in (b"", b"\x89PNG\r\n", sheet(["工号,姓名,单位编码,科室,人员类别,起始日期"])):
        response = await send(client, str(missing), "r.csv", content)
        assert response.status_code == 404 and response.json()["code"] == "region_not_found", response.text
    streamed = await client.post(f"/api/v1/records/regions/{missing}/roster/stream", content=b"[1, 2]\n")
    assert streamed.status_code == 404 and streamed.json()["code"] == "region_not_found", streamed.text
