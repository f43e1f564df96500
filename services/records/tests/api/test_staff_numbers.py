"""Staff numbers a spreadsheet turned into numbers (000201 kept as 201): refused saying why until the
region sets its staff-number width, then padded back on every import."""

from __future__ import annotations

import io
from typing import Any

import httpx
from openpyxl import Workbook

from .conftest import counts
from .test_office_files import office, roster_rows, send_roster

WHY = ("the cell holds the number {}, which has no leading zeros: format the column as text, or set the region's "
       "staff-number width (its settings) to have them padded back")


def attendance_with_numbers(*numbers: int) -> bytes:
    """An attendance sheet whose staff numbers are number cells."""
    book = Workbook()
    book.active.append(["工号", "日期", "状态"])
    for number in numbers:
        book.active.append([number, "2025-03-03", "出勤"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def set_width(client: httpx.AsyncClient, region: dict[str, Any], width: int | None) -> httpx.Response:
    return await client.put(f"/api/v1/records/regions/{region['id']}/settings", json={"staff_no_width": width})


async def test_without_a_width_a_number_cell_is_refused_saying_why(client: httpx.AsyncClient,
                                                                   region: dict[str, Any]) -> None:
    response = await send_roster(client, region, "roster_numbers.xls", office("roster_numbers.xls"))
    assert response.status_code == 422
    assert [(e["row"], e["heading"], e["value"], e["reason"]) for e in response.json()["errors"]] == [
        (2, "工号", "201", WHY.format(201)), (3, "工号", "202", WHY.format(202))]
    assert await roster_rows(client, region) == []


async def test_the_regions_width_pads_them_back_on_every_import(client: httpx.AsyncClient,
                                                                region: dict[str, Any]) -> None:
    response = await set_width(client, region, 6)
    assert response.status_code == 200, response.text
    assert response.json()["staff_no_width"] == 6
    assert (await client.get(f"/api/v1/records/regions/{region['id']}")).json()["staff_no_width"] == 6
    imported = await send_roster(client, region, "roster_numbers.xls", office("roster_numbers.xls"))
    assert counts(imported) == {"rows": 2, "added": 2, "moved": 0, "unchanged": 0}
    assert [row[:2] for row in await roster_rows(client, region)] == [["000201", "古丽娜尔"], ["000202", "热依汗古丽"]]
    again = await send_roster(client, region, "roster_numbers.xls", office("roster_numbers.xls"))
    assert counts(again) == {"rows": 2, "added": 0, "moved": 0, "unchanged": 2}
    attendance = await client.post("/api/v1/records/attendance/import",
                                   files={"file": ("考勤.xlsx", attendance_with_numbers(201, 202))})
    assert counts(attendance) == {"rows": 2, "inserted": 2, "updated": 0, "unchanged": 0}


async def test_attendance_names_the_number_cell_when_no_width_is_set(client: httpx.AsyncClient,
                                                                    region: dict[str, Any]) -> None:
    assert (await set_width(client, region, 6)).status_code == 200
    assert (await send_roster(client, region, "roster_numbers.xls", office("roster_numbers.xls"))).status_code == 200
    assert (await set_width(client, region, None)).json()["staff_no_width"] is None
    response = await client.post("/api/v1/records/attendance/import",
                                 files={"file": ("考勤.xlsx", attendance_with_numbers(201))})
    assert response.status_code == 422
    assert response.json()["errors"][0]["reason"] == "no such person in the units you manage; " + WHY.format(201)


async def test_a_width_out_of_range_names_the_field(client: httpx.AsyncClient, region: dict[str, Any]) -> None:
    response = await set_width(client, region, 0)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.staff_no_width"]
