"""Imports of files saved by a real office suite (LibreOffice Calc, see fixtures/office/make_fixtures.py):
.xlsx, .xls, .ods, GB18030 CSV and UTF-16 tab text, laid out as government forms are — a title row above
the header, units and sections merged down their blocks, sign-off lines below — and the files refused."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import counts

OFFICE = Path(__file__).parent.parent / "fixtures" / "office"
ROSTERS = ["roster.xlsx", "roster.xls", "roster.ods", "roster_gb18030.csv", "roster_utf16.txt"]
# As written in the sheets: a middle dot, characters of CJK extensions A (䶮) and B (𪚥), a full-width space.
EXPECTED = [
    ["GZ0101", "阿依古丽·买买提", "XC", "党政办", "班子成员", "2025-01-01", "镇长"],
    ["GZ0102", "王䶮", "XC", "党政办", "其他在编", "2025-01-01", ""],
    ["GZ0103", "𪚥明", "XC", "财政所", "中层干部", "2025-01-01", "所长"],
    ["GZ0104", "欧阳娜娜", "ZZB", "组织科", "其他在编", "2025-01-01", ""],
    ["GZ0105", "买买提·艾力", "ZZB", "组织科", "不在编", "2025-01-01", ""],  # typed as ＧＺ０１０５
    ["GZ0106", "张\u3000三", "ZZB", "组织科", "其他在编", "2025-01-01", ""],
]
_SIGN = {"code": "sign_off_line", "reason": "sign-off, total or note line"}
SIGN_OFF = [{"row": 10, "text": "", "code": "blank_row", "reason": "blank row"},
            {"row": 11, "text": "填表人：张三            审核人：李四", **_SIGN},
            {"row": 12, "text": "制表日期：2025年3月31日", **_SIGN}]


def office(name: str) -> bytes:
    return (OFFICE / name).read_bytes()


async def send_roster(client: httpx.AsyncClient, region: dict[str, Any], name: str, content: bytes,
                      **params: Any) -> httpx.Response:
    return await client.post(f"/api/v1/records/regions/{region['id']}/roster/import", params=params,
                             files={"file": (name, content)})


async def roster_rows(client: httpx.AsyncClient, region: dict[str, Any]) -> list[list[str]]:
    """The region's roster as exported, in the import's columns (without the unit's name)."""
    response = await client.get(f"/api/v1/records/regions/{region['id']}/roster/export",
                                params={"on": "2025-02-01", "format": "csv"})
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    return sorted(row[:3] + row[4:] for row in rows)


@pytest.mark.parametrize("name", ROSTERS)
async def test_a_form_laid_out_roster_imports_whole_with_every_name_as_written(
        client: httpx.AsyncClient, region: dict[str, Any], name: str) -> None:
    response = await send_roster(client, region, name, office(name))
    assert response.status_code == 200, response.text
    assert counts(response) == {"rows": 6, "added": 6, "moved": 0, "unchanged": 0}
    workbook = not name.endswith((".csv", ".txt"))
    assert response.json()["skipped"] == 3
    assert response.json()["layout"] == {
        "format": name.rsplit(".", 1)[1] if workbook else "text", "sheet": "花名册" if workbook else None,
        "header_row": 3, "skipped": SIGN_OFF, "skipped_rows": 3}
    assert await roster_rows(client, region) == EXPECTED
    again = await send_roster(client, region, name, office(name))
    assert counts(again) == {"rows": 6, "added": 0, "moved": 0, "unchanged": 6}


async def test_a_dry_run_answers_the_real_counts_and_writes_nothing(client: httpx.AsyncClient,
                                                                   region: dict[str, Any]) -> None:
    dry = await send_roster(client, region, "roster.xls", office("roster.xls"), dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert await roster_rows(client, region) == []
    real = await send_roster(client, region, "roster.xls", office("roster.xls"))
    assert real.json()["dry_run"] is False
    assert counts(dry) == counts(real) == {"rows": 6, "added": 6, "moved": 0, "unchanged": 0}
    assert len(await roster_rows(client, region)) == 6


@pytest.mark.parametrize("name", ["attendance.xlsx", "attendance.xls", "attendance.ods"])
async def test_attendance_with_people_merged_down_their_days(client: httpx.AsyncClient, region: dict[str, Any],
                                                            name: str) -> None:
    assert (await send_roster(client, region, "roster.xlsx", office("roster.xlsx"))).status_code == 200
    path = "/api/v1/records/attendance/import"
    dry = await client.post(path, params={"dry_run": "true"}, files={"file": (name, office(name))})
    assert dry.status_code == 200, dry.text
    units = (await client.get("/api/v1/records/units", params={"region_id": region["id"]})).json()["items"]
    xc = {"unit_id": next(u["id"] for u in units if u["code"] == "XC"), "period": "2025-03"}
    assert (await client.get("/api/v1/records/attendance", params=xc)).json()["total"] == 0
    real = await client.post(path, files={"file": (name, office(name))})
    assert counts(real) == counts(dry) == {"rows": 12, "inserted": 12, "updated": 0, "unchanged": 0}
    assert [s["text"][:2] for s in real.json()["layout"]["skipped"]] == ["合计", "", "填表", "制表"]
    listed = (await client.get("/api/v1/records/attendance", params=xc)).json()
    assert listed["total"] == 9  # three days of each of the three people of XC
    assert [(r["day"], r["status"], r["note"], r["name"]) for r in listed["items"] if r["staff_no"] == "GZ0102"] == [
        ("2025-03-03", "business_trip", "赴市里开会", "王䶮"), ("2025-03-04", "present", None, "王䶮"),
        ("2025-03-05", "present", None, "王䶮")]


async def test_a_row_error_names_the_sheet_the_row_the_heading_and_the_value(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/records/attendance/import",
                                 files={"file": ("attendance.xls", office("attendance.xls"))})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"row": 3, "column": "staff_no", "heading": "工号", "sheet": "三月考勤",
                                            "value": "GZ0101", "code": "unknown_staff_no",
                                            "reason": "no such person in the units you manage"}
    assert [e["row"] for e in response.json()["errors"]] == list(range(3, 15))


async def test_the_sheet_named_in_the_request_is_read(client: httpx.AsyncClient, region: dict[str, Any]) -> None:
    instructions = await send_roster(client, region, "roster.ods", office("roster.ods"), sheet="填表说明")
    assert instructions.status_code == 422
    assert "missing column(s)" in instructions.json()["detail"]
    missing = await send_roster(client, region, "roster.ods", office("roster.ods"), sheet="第二季度")
    assert missing.status_code == 422
    assert missing.json()["detail"] == "the workbook has no sheet named '第二季度'; its sheets: 填表说明, 花名册"
    named = await send_roster(client, region, "roster.ods", office("roster.ods"), sheet="花名册")
    assert named.json()["added"] == 6


def _ole2(*streams: str) -> bytes:
    """An OLE2 compound file's header and a directory sector naming ``streams`` (enough to be told apart)."""
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64 for name in ("Root Entry", *streams))
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + directory


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


@pytest.mark.parametrize(("name", "content", "detail"), [
    ("花名册.et", _ole2("ETExtData", "SummaryInformation"),
     "this is a WPS .et file that cannot be read; in WPS save it as .xlsx or .xls and upload that"),
    ("花名册.xlsx", _ole2("EncryptionInfo", "EncryptedPackage"),
     "this workbook is protected by a password; remove the password (or save an unprotected copy) as .xlsx or "
     ".xls and upload that"),
    ("花名册.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
     "this is a PDF document, not a sheet; upload it as .xlsx, .xls, .ods, or CSV/TXT text (UTF-8, GBK or UTF-16)"),
    ("花名册.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
     "this is a PNG picture, not a sheet; upload it as .xlsx, .xls, .ods, or CSV/TXT text (UTF-8, GBK or UTF-16)"),
    ("花名册.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF",
     "this is a JPEG picture, not a sheet; upload it as .xlsx, .xls, .ods, or CSV/TXT text (UTF-8, GBK or UTF-16)"),
    ("花名册.docx", _docx(), "this is a word-processor document, not a sheet; upload it as .xlsx, .xls, .ods, or "
                            "CSV/TXT text (UTF-8, GBK or UTF-16)"),
])
async def test_a_file_that_is_no_sheet_is_refused_saying_what_it_is(
        client: httpx.AsyncClient, region: dict[str, Any], name: str, content: bytes, detail: str) -> None:
    response = await send_roster(client, region, name, content)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == detail
    assert response.json()["code"] == "import_rejected"
    assert await roster_rows(client, region) == []


async def test_every_import_takes_a_dry_run(client: httpx.AsyncClient, region: dict[str, Any]) -> None:
    """Each import sent dry and then for real answers the same: the dry run wrote nothing."""
    assert (await send_roster(client, region, "roster.xlsx", office("roster.xlsx"))).status_code == 200
    tasks = "工号,任务名称,强度,难度,数量,完成时限\nGZ0101,招商引资,1,1.2,3,2025-06-30\n".encode("gbk")
    sends: dict[str, dict[str, Any]] = {
        "/api/v1/records/tasks/import": {"files": {"file": ("任务.csv", tasks)}},
        "/api/v1/records/tasks/stream": {"content": '{"staff_no": "GZ0102", "title": "项目申报", "intensity": 1, '
                                                    '"difficulty": 1, "quantity": 1, "due_on": "2025-09-30"}'},
        f"/api/v1/records/regions/{region['id']}/roster/stream": {
            "content": '{"staff_no": "GZ0199", "name": "努尔·艾合买提", "unit": "XC", "category": "staff", '
                       '"active_from": "2025-04-01"}'},
        "/api/v1/records/attendance/stream": {"content": '{"staff_no": "GZ0101", "day": "2025-03-03", '
                                                         '"status": "出勤"}'},
    }
    for path, body in sends.items():
        dry = await client.post(path, params={"dry_run": "true"}, **body)
        real = await client.post(path, **body)
        assert (dry.status_code, dry.json()["dry_run"], real.json()["dry_run"]) == (200, True, False), dry.text
        assert counts(dry) == counts(real), path
        assert sum(v for k, v in counts(real).items() if k in ("added", "inserted")) == 1, real.text
