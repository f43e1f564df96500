"""The sheet reader on its own: cells (dates in every form offices type, full-width codes), the format told
from the content, the header found below title rows, sign-off and blank rows skipped, cells merged down."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook

from shared.cells import code_text, parse_day
from shared.tabular import Table, UnreadableFile, open_table

COLUMNS = {"staff_no": ("工号",), "unit": ("单位编码",), "day": ("日期",)}
REQUIRED = ("staff_no", "day")


@pytest.mark.parametrize("value", [
    date(2025, 3, 1), datetime(2025, 3, 1, 8, 30), 45717, 45717.0, "45717", "2025-03-01", "2025/3/1", "2025.3.1",
    "2025年3月1日", "2025 年 3 月 1 日", 20250301, "20250301", "２０２５-０３-０１", " 2025-3-1 "])
def test_every_form_of_a_day(value: object) -> None:
    assert parse_day(value) == date(2025, 3, 1)


@pytest.mark.parametrize(("value", "reason"), [
    ("2025-02-30", "no such day (2025-02-30)"), ("20251301", "no such day (2025-13-01)"),
    ("三月一日", "not a date like 2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日 or 20250301"),
    (None, "not a date like 2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日 or 20250301")])
def test_what_is_no_day_says_why(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_day(value)


def test_codes_are_half_width_and_trimmed() -> None:
    assert [code_text(v) for v in ("ＧＺ０１０５", "\u3000XC ", 201.0, 201, None, "A-01")] == [
        "GZ0105", "XC", "201", "201", "", "A-01"]


def _read(content: bytes) -> tuple[Table, list[tuple[int, list[Any]]]]:
    table = open_table(io.BytesIO(content), COLUMNS, REQUIRED)
    rows = list(table.rows)
    return table, rows


def test_a_text_form_with_its_title_and_sign_off() -> None:
    text = "三月考勤表\t\t\n\n工号\t单位编码\t日期\nA1\tXC\t2025-03-01\n\t\t\n合计\t1\t\n审核人：李四\t\t\n"
    for encoding in ("utf-16", "utf-8-sig", "gb18030"):
        table, rows = _read(text.encode(encoding))
        assert rows == [(4, ["A1", "XC", "2025-03-01"])]
        assert table.layout() == {"format": "text", "sheet": None, "header_row": 3, "skipped_rows": 3, "skipped": [
            {"row": 5, "text": "", "code": "blank_row", "reason": "blank row"},
                {"row": 6, "text": "合计 1", "code": "sign_off_line", "reason": "sign-off, total or note line"},
                {"row": 7, "text": "审核人：李四", "code": "sign_off_line", "reason": "sign-off, total or note line"}]}


def test_a_workbook_read_from_the_sheet_with_the_header_cells_merged_down() -> None:
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["请按表填写"])
    sheet = book.create_sheet("数据")
    sheet.append(["工号", "单位编码", "日期"])
    for staff_no in ("A1", "A2", "A3"):
        sheet.append([staff_no, "XC" if staff_no == "A1" else None, date(2025, 3, 1)])
    sheet.merge_cells("B2:B3")
    out = io.BytesIO()
    book.save(out)
    table, rows = _read(out.getvalue())
    assert [(n, cells[1]) for n, cells in rows] == [(2, "XC"), (3, "XC"), (4, "")]  # B4 is not in the merge
    assert table.layout()["sheet"] == "数据"


@pytest.mark.parametrize(("content", "what"), [
    (b"%PDF-1.4", "a PDF document"), (b"\x89PNG\r\n\x1a\n", "a PNG picture"), (b"\xff\xd8\xff\xe0", "a JPEG picture"),
    (b"<html><table><tr><td>1</td></tr></table></html>", "a web page or XML file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "an OLE2 office file that holds no workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "protected by a password")])
def test_what_is_not_a_sheet_is_named(content: bytes, what: str) -> None:
    with pytest.raises(UnreadableFile, match=what):
        open_table(io.BytesIO(content), COLUMNS, REQUIRED)
