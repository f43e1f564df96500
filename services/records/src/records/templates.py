"""Import templates: an XLSX per import (roster, tasks, attendance) with the headers its importer
reads and one example row, so that the file, its example replaced by real rows, is accepted.

The headers are each importer's own first alias, taken from its column table, so a template never
drifts from what the importer reads. A second sheet explains every column; list columns carry a
drop-down of the accepted words, and staff numbers are text cells (Excel would drop leading zeros).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from fastapi.responses import Response

from records.attendance import importer as attendance_importer
from records.roster import importer as roster_importer
from records.tasks import importer as task_importer
from shared.xlsx import DAY, TEXT, workbook, write_table, xlsx_response

Kind = Literal["roster", "tasks", "attendance"]
TEMPLATE_ROWS = 5000  # drop-downs reach this far


@dataclass(frozen=True)
class Column:
    field: str
    example: Any
    width: float
    note: str
    number_format: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    sheet: str
    title: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    layout: tuple[Column, ...]


STAFF_NO = Column("staff_no", "A0001", 14, "工号，与花名册一致", TEXT)
CATEGORY_WORDS = ("班子成员", "中层干部", "其他在编", "不在编")
STATUS_WORDS = ("出勤", "出差", "病假", "事假", "年休假", "产假", "学习", "旷工", "休息")

TEMPLATES: dict[str, Template] = {
    "roster": Template("花名册", "花名册导入模板", roster_importer.COLUMNS, roster_importer.REQUIRED, (
        STAFF_NO,
        Column("name", "张三", 10, "姓名"),
        Column("unit", "XC01", 12, "单位编码（本区域的单位编码）", TEXT),
        Column("section", "办公室", 14, "科室名称，可空；新科室自动建立"),
        Column("category", "其他在编", 12, "人员类别", choices=CATEGORY_WORDS),
        Column("active_from", date(2025, 1, 1), 12, "到岗或调动生效日期，如 2025-01-01", DAY),
        Column("post", "综合文字岗", 14, "岗位，可空；无此列则岗位不变"),
    )),
    "tasks": Template("重点工作任务", "重点工作任务导入模板", task_importer.COLUMNS, task_importer.REQUIRED, (
        STAFF_NO,
        Column("title", "防汛值班", 30, "任务名称，同一人同一完成时限不重复"),
        Column("intensity", 1.2, 8, "工作强度，大于 0、不超过 1000"),
        Column("difficulty", 1, 8, "工作难度，大于 0、不超过 1000"),
        Column("quantity", 3, 8, "工作数量，大于 0、不超过 1000"),
        Column("due_on", date(2025, 6, 30), 12, "完成时限，如 2025-06-30", DAY),
        Column("supervised", "是", 8, "是否督办：是，或留空", choices=("是", "否")),
    )),
    "attendance": Template("考勤", "考勤导入模板", attendance_importer.COLUMNS, attendance_importer.REQUIRED, (
        STAFF_NO,
        Column("name", "张三", 10, "姓名，可空（仅供核对）"),
        Column("day", date(2025, 3, 3), 12, "日期，如 2025-03-03", DAY),
        Column("status", "出勤", 10, "考勤状态", choices=STATUS_WORDS),
        Column("note", "", 24, "备注，可空"),
    )),
}


def headers(template: Template) -> list[str]:
    """Each column's header: the importer's first (Chinese) alias for the field."""
    return [template.columns[c.field][0] for c in template.layout]


def _check() -> None:
    for kind, template in TEMPLATES.items():
        fields = [c.field for c in template.layout]
        assert set(template.required) <= set(fields) <= set(template.columns), kind


_check()


def template_xlsx(kind: str) -> Response:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    template = TEMPLATES[kind]
    book = workbook()
    sheet = book.create_sheet(template.sheet)  # the first sheet: the one the importer reads
    formats = {i: c.number_format for i, c in enumerate(template.layout) if c.number_format}
    write_table(sheet, headers(template), [[c.example for c in template.layout]],
                widths=[c.width for c in template.layout], formats=formats)
    for index, column in enumerate(template.layout, start=1):
        letter = get_column_letter(index)
        if column.number_format:  # the column's own style: what people type in below takes it
            sheet.column_dimensions[letter].number_format = column.number_format
        if column.choices:
            choices = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
            choices.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
            sheet.add_data_validation(choices)
    notes = book.create_sheet("填写说明")
    rows = [[h, "必填" if c.field in template.required else "可填",
             c.note + ("：" + "、".join(c.choices) if c.choices else ""),
             "、".join(a for a in template.columns[c.field][1:] if not a.isascii())]
            for h, c in zip(headers(template), template.layout, strict=True)]
    rows.append(["", "", "第一张表的第 2 行是示例，替换为实际数据后上传；整表校验，有一行不合格则全部不导入。", ""])
    write_table(notes, ["列名", "是否必填", "说明", "也可用的列名"], rows, widths=(12, 10, 60, 24),
                title=template.title)
    return xlsx_response(book, f"{kind}-template", display_name=template.title)
