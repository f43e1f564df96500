"""Import templates: the headers the importers read and one example row; the file, its example
replaced by real rows, is accepted by the import it is for."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from records.attendance.importer import COLUMNS as ATTENDANCE_COLUMNS
from records.attendance.importer import read_rows
from records.roster.importer import COLUMNS as ROSTER_COLUMNS
from records.roster.importer import read_sheet as read_roster
from records.tasks.importer import COLUMNS as TASK_COLUMNS
from records.tasks.importer import read_sheet as read_tasks
from shared.xlsx import XLSX

from .conftest import counts
from .test_roster import make_person, make_region, make_unit

EXPECTED = {
    "roster": (["工号", "姓名", "单位编码", "科室", "人员类别", "起始日期", "岗位"],
               ["A0001", "张三", "XC01", "办公室", "其他在编", datetime(2025, 1, 1), "综合文字岗"]),
    "tasks": (["工号", "任务名称", "强度", "难度", "数量", "完成时限", "督办"],
              ["A0001", "防汛值班", 1.2, 1, 3, datetime(2025, 6, 30), "是"]),
    "attendance": (["工号", "姓名", "日期", "状态", "备注"], ["A0001", "张三", datetime(2025, 3, 3), "出勤", None]),
}
READERS = {"roster": (lambda name, stream: read_roster(name, stream)[1], ROSTER_COLUMNS),
           "tasks": (lambda name, stream: read_tasks(name, stream)[1], TASK_COLUMNS),
           "attendance": (lambda name, stream: list(read_rows(stream)[1]), ATTENDANCE_COLUMNS)}


async def template(client: httpx.AsyncClient, kind: str) -> Any:
    response = await client.get(f"/api/v1/records/templates/{kind}.xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].startswith(f'attachment; filename="{kind}-template.xlsx"')
    return load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize("kind", list(EXPECTED))
async def test_the_headers_round_trip_through_the_importer(client: httpx.AsyncClient, kind: str) -> None:
    book = await template(client, kind)
    sheet = book.worksheets[0]  # the sheet the importers read
    headers, example = EXPECTED[kind]
    rows = list(sheet.iter_rows(values_only=True))
    assert [list(r) for r in rows] == [headers, example]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 14 and sheet.column_dimensions["A"].number_format == "@"
    assert all(sheet.column_dimensions[c].width for c in "ABCDE")
    read, columns = READERS[kind]
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    parsed = read(f"{kind}.xlsx", out)
    assert len(parsed) == 1 and parsed[0].number == 2
    assert list(parsed[0].values) == [f for f in columns if columns[f][0] in headers]  # every header is read
    assert book["填写说明"]["A1"].value.endswith("导入模板")


async def test_list_columns_offer_the_accepted_words(client: httpx.AsyncClient) -> None:
    sheet = (await template(client, "attendance")).worksheets[0]
    (status,) = sheet.data_validations.dataValidation
    assert str(status.sqref) == "D2:D5000" and "病假" in status.formula1 and "出勤" in status.formula1


async def test_an_unknown_template_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/records/templates/salaries.xlsx")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "path.kind"


def filled(book: Any, values: list[Any]) -> bytes:
    """The template with its example row replaced."""
    sheet = book.worksheets[0]
    for column, value in enumerate(values, start=1):
        sheet.cell(row=2, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_a_filled_template_is_accepted_by_each_import(client: httpx.AsyncClient) -> None:
    tag = uuid.uuid4().hex[:6]
    region = await make_region(client, f"r{tag}")
    unit = await make_unit(client, region["id"], "XC01")
    await make_person(client, unit["id"], f"{tag}-1")

    roster = filled(await template(client, "roster"), [f"{tag}-2", "李四", "XC01", "党政办", "中层干部",
                                                       date(2025, 2, 1), "统计岗"])
    response = await client.post(f"/api/v1/records/regions/{region['id']}/roster/import",
                                 files={"file": ("花名册.xlsx", roster)})
    assert response.status_code == 200, response.text
    assert counts(response) == {"rows": 1, "added": 1, "moved": 0, "unchanged": 0}

    tasks = filled(await template(client, "tasks"), [f"{tag}-2", "秋粮收购督导", 1.5, 1, 2, date(2025, 9, 30), "是"])
    response = await client.post("/api/v1/records/tasks/import", files={"file": ("任务.xlsx", tasks)})
    assert response.status_code == 200, response.text
    assert response.json()["added"] == 1

    attendance = filled(await template(client, "attendance"), [f"{tag}-1", "", date(2025, 3, 3), "病假", "发热"])
    response = await client.post("/api/v1/records/attendance/import", files={"file": ("考勤.xlsx", attendance)})
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 1

    # The example row as it comes is read too, and checked like any row: no such person here.
    example = await client.get("/api/v1/records/templates/tasks.xlsx")
    response = await client.post("/api/v1/records/tasks/import", files={"file": ("任务.xlsx", example.content)})
    assert response.status_code == 422 and response.json()["errors"][0]["column"] == "staff_no"
