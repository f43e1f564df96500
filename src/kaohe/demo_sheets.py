"""The demo county's roster and one month's attendance as county offices keep them: an .xlsx workbook with
a title row merged across the columns, each unit's code (or each person's number and name) merged down
their block, and a 填表人/审核人 line and a 制表日期 line below the data. ``make run`` imports them through
the API like any upload."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import groupby
from typing import Any

from shared.xlsx import to_bytes, workbook

CATEGORY_NAMES = {"leadership": "班子成员", "middle": "中层干部", "staff": "其他在编", "non_staff": "不在编"}
STATUS_NAMES = {"present": "出勤", "business_trip": "出差", "sick_leave": "病假", "personal_leave": "事假",
                "annual_leave": "年休假"}
SIGNED = ("填表人：王敏            审核人：李建国", "制表日期：{day}")


def _form(title: str, header: Sequence[str], blocks: Sequence[Sequence[Sequence[Any]]], merged: Sequence[int],
          signed_on: date) -> bytes:
    """One sheet: ``title`` merged over the columns, then ``header``, then each block's rows with the
    ``merged`` columns (0-based) merged down the block (written on its first row only), then the sign-off."""
    book = workbook()
    sheet = book.create_sheet("Sheet1")
    width = len(header)
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.append(list(header))
    for block in blocks:
        first = sheet.max_row + 1
        for index, row in enumerate(block):
            sheet.append([None if index and column in merged else value for column, value in enumerate(row)])
        if len(block) > 1:
            for column in merged:
                sheet.merge_cells(start_row=first, start_column=column + 1, end_row=first + len(block) - 1,
                                  end_column=column + 1)
    sheet.append([])
    sheet.append([SIGNED[0]])
    sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=width)
    sheet.append([SIGNED[1].format(day=f"{signed_on.year}年{signed_on.month}月{signed_on.day}日")])
    return to_bytes(book)


def roster(people: Sequence[Any], county: str, active_from: date) -> bytes:
    """Everyone, unit by unit, the unit's code merged down its people."""
    ordered = sorted(people, key=lambda p: p.unit.code)
    blocks = [[[p.unit.code, p.staff_no, p.name, CATEGORY_NAMES[p.category], p.post, active_from] for p in members]
              for _, members in groupby(ordered, key=lambda p: p.unit.code)]
    header = ["单位编码", "工号", "姓名", "人员类别", "岗位", "起始日期"]
    return _form(f"{county}{active_from.year}年度人员花名册", header, blocks, merged=[0], signed_on=active_from)


def attendance(unit_name: str, month: date, days: Sequence[tuple[str, str, date, str]]) -> bytes:
    """A unit's month (staff number, name, day, status), each person's number and name merged down their days."""
    blocks = [[[staff_no, name, day, STATUS_NAMES[status]] for staff_no, name, day, status in rows]
              for _, rows in groupby(days, key=lambda d: d[0])]
    return _form(f"{unit_name}{month.year}年{month.month}月考勤表", ["工号", "姓名", "日期", "状态"], blocks,
                 merged=[0, 1], signed_on=month)
