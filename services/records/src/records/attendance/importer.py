"""Reading attendance sheets as the organisation department writes them.

CSV in UTF-8 (with or without BOM) or GBK/GB18030, XLSX, or JSON lines; Chinese column
headers as they appear in real sheets, English names accepted too. Rows come out one at a
time with their row number, so a file of a million rows is never held in memory at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any, NamedTuple

from records.attendance.models import STATUSES

COLUMNS: dict[str, tuple[str, ...]] = {
    "staff_no": ("工号", "人员编号", "编号", "staff_no"),
    "name": ("姓名", "name"),
    "day": ("日期", "考勤日期", "day", "date"),
    "status": ("状态", "考勤状态", "考勤", "status"),
    "note": ("备注", "说明", "note"),
}
REQUIRED = ("staff_no", "day", "status")
STATUS_WORDS: dict[str, str] = {
    "出勤": "present", "正常": "present", "在岗": "present",
    "出差": "business_trip", "公出": "business_trip",
    "病假": "sick_leave", "事假": "personal_leave",
    "年休假": "annual_leave", "年假": "annual_leave", "休假": "annual_leave",
    "产假": "maternity_leave", "学习": "study", "培训": "study",
    "旷工": "absent", "缺勤": "absent", "休息": "rest", "调休": "rest",
    **{s: s for s in STATUSES},
}
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


class RawRow(NamedTuple):
    number: int  # as a person sees it in the sheet: the header is row 1
    values: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


class SheetError(ValueError):
    """The file as a whole cannot be read (format, encoding, headers)."""


Columns = dict[str, tuple[str, ...]]


def header_map(headers: list[Any], columns: Columns = COLUMNS, required: tuple[str, ...] = REQUIRED) -> dict[int, str]:
    names = {alias.lower(): field for field, aliases in columns.items() for alias in aliases}
    mapping = {}
    for index, header in enumerate(headers):
        field = names.get(str(header or "").strip().lower())
        if field:
            mapping[index] = field
    missing = [f for f in required if f not in mapping.values()]
    if missing:
        wanted = "; ".join(f"{f}: {' / '.join(columns[f])}" for f in missing)
        raise SheetError(f"missing column(s) — {wanted}")
    return mapping


def _decode(stream: IO[bytes]) -> io.TextIOBase:
    head = stream.read(65536)
    stream.seek(0)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head[:65000])
        except UnicodeDecodeError:
            continue
        return io.TextIOWrapper(stream, encoding=encoding, newline="")
    raise SheetError("the CSV is neither UTF-8 nor GBK/GB18030")


def csv_rows(stream: IO[bytes], columns: Columns = COLUMNS, required: tuple[str, ...] = REQUIRED) -> Iterator[RawRow]:
    reader = csv.reader(_decode(stream))
    try:
        mapping = header_map(next(reader), columns, required)
    except StopIteration as exc:
        raise SheetError("the file is empty") from exc
    except UnicodeDecodeError as exc:
        raise SheetError("the CSV is neither UTF-8 nor GBK/GB18030") from exc
    fields = list(mapping.items())
    width = max(mapping) + 1
    number = 1  # the header: a row that cannot be read is the one after the last read
    try:
        for number, cells in enumerate(reader, start=2):
            if len(cells) < width:
                if not "".join(cells).strip():
                    continue
                cells = cells + [""] * (width - len(cells))
            elif not cells[0] and not "".join(cells).strip():
                continue  # a row of empty cells, as spreadsheets export them
            yield RawRow(number, {field: cells[i] for i, field in fields})
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SheetError(f"the CSV cannot be read past row {number}: {exc}") from exc


def xlsx_rows(stream: IO[bytes], columns: Columns = COLUMNS, required: tuple[str, ...] = REQUIRED) -> Iterator[RawRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign file
        raise SheetError(f"the file is not a readable XLSX workbook ({type(exc).__name__})") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        mapping = header_map(list(next(rows)), columns, required)
    except StopIteration as exc:
        raise SheetError("the workbook's first sheet is empty") from exc
    for number, cells in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in cells):
            continue
        yield RawRow(number, {field: cells[i] if i < len(cells) else None for i, field in mapping.items()})
    workbook.close()


async def json_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[RawRow]:
    """One JSON object per line, field names as in the sheets' English headers."""
    buffer = b""
    number = 0
    async for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            number += 1
            if line.strip():
                yield _json_row(number, line)
    if buffer.strip():
        yield _json_row(number + 1, buffer)


def _json_row(number: int, line: bytes) -> RawRow:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than any row ever is
        return RawRow(number, {"__error__": "not a JSON object"})
    if not isinstance(value, dict):
        return RawRow(number, {"__error__": "not a JSON object"})
    return RawRow(number, value)


def parse_day(value: Any) -> date:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)  # the common case, in C
        except ValueError:
            pass
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value or ""))
    if not match:
        raise ValueError("not a date like 2025-03-01, 2025/3/1 or 2025年3月1日")
    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def parse_status(value: Any) -> str:
    text = str(value or "").strip()
    status = STATUS_WORDS.get(text) or STATUS_WORDS.get(text.lower())
    if status is None:
        raise ValueError(f"unknown status; use one of {', '.join(sorted(k for k in STATUS_WORDS if not k.isascii()))}"
                         f" or {', '.join(STATUSES)}")
    return status


def staff_no_of(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns staff numbers into numbers
    return str(value or "").strip()
