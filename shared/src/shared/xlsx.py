"""XLSX workbooks as the organisation department opens them: Chinese headers, sensible column
widths, a frozen header row, an optional title row above it, and the download response.

Used by every service that hands out a spreadsheet (scoring's results, quota's allocation report,
records' import templates); ``openpyxl`` is imported only where a workbook is built.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from shared.business_time import business_zone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# For a route's ``responses=``: the OpenAPI document then says what the 200 is.
XLSX_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "an XLSX workbook (attachment)",
          "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}

PERCENT = "0.00%"
TEXT = "@"
DAY = "yyyy-mm-dd"
HEADER_FILL = "DDEBF7"

GRADE_NAMES = {
    "good": "好", "fairly_good": "较好", "average": "一般", "poor": "较差",
    "excellent": "优秀", "competent": "称职", "basically_competent": "基本称职", "incompetent": "不称职",
}
QUARTER_NAMES = {"1": "第一季度", "2": "第二季度", "3": "第三季度", "4": "第四季度"}
# The control characters a worksheet cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): one in a name or a
# note would otherwise fail the whole download.
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


# Text a spreadsheet program could take for a formula (OWASP's CSV injection): a name like "=1+1".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?\Z")


def cell_value(value: Any) -> Any:
    """``value`` as a cell can hold it: text without control characters (tab and newline stay)."""
    return _ILLEGAL.sub("", value) if isinstance(value, str) else value


def csv_value(value: Any) -> Any:
    """``value`` for a CSV cell: text that a spreadsheet would evaluate gets a leading ``'`` (a plain
    signed number such as ``-1.5`` stays as it is: it is no formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def as_text(cell: Any, value: Any) -> Any:
    """Keep text as a string cell: openpyxl would otherwise store text beginning with ``=`` as a formula."""
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def put(sheet: Any, row: int, column: int, value: Any) -> Any:
    """A cell holding ``value``, text always as text (never a formula)."""
    return as_text(sheet.cell(row=row, column=column, value=cell_value(value)), value)


def grade_name(grade: str | None) -> str:
    """好, 较好, …, 优秀, 称职, …; a scheme's own grade code as it is; no grade: empty."""
    if grade is None:
        return ""
    return GRADE_NAMES.get(grade, grade)


def period_name(code: str) -> str:
    """2025Q2 → 2025年第二季度; 2025 → 2025年度; 2025-03 → 2025年3月; 2025H1 → 2025年上半年."""
    if "-" in code:
        year, _, month = code.partition("-")
        return f"{year}年{int(month)}月"
    if "H" in code:
        year, _, half = code.partition("H")
        return f"{year}年{'上' if half == '1' else '下'}半年"
    year, _, quarter = code.partition("Q")
    return f"{year}年{QUARTER_NAMES.get(quarter, 'Q' + quarter)}" if quarter else f"{year}年度"


def local_time(moment: datetime | None) -> str:
    """Beijing time to the minute, as people read it in a sheet (Excel has no time zones)."""
    return "" if moment is None else moment.astimezone(business_zone()).strftime("%Y-%m-%d %H:%M")


def workbook() -> Any:
    """An empty workbook (no default sheet)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    return book


def write_table(sheet: Any, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, widths: Sequence[float],
                title: str | None = None, formats: dict[int, str] | None = None, first_row: int = 1) -> int:
    """Headers (bold, shaded, frozen, with a filter) and rows from ``first_row`` on, below a merged title
    row if one is given; ``formats`` maps 0-based columns to number formats. The last row written."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    row = first_row
    last_column = get_column_letter(len(headers))
    if title is not None:
        cell = put(sheet, row, 1, title)
        cell.font = Font(bold=True, size=13)
        cell.alignment = Alignment(vertical="center")
        sheet.merge_cells(f"A{row}:{last_column}{row}")
        sheet.row_dimensions[row].height = 24
        row += 1
    header_row = row
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for column, header in enumerate(headers, start=1):
        cell = put(sheet, row, column, header)
        cell.font, cell.fill, cell.alignment = bold, fill, centred
    sheet.freeze_panes = f"A{header_row + 1}"
    formats = formats or {}
    for values in rows:
        row += 1
        for column, value in enumerate(values, start=1):
            if value is None or value == "":
                continue  # an empty cell is no cell: a province's sheet is large enough
            cell = put(sheet, row, column, value)
            number_format = formats.get(column - 1)
            if number_format is not None:
                cell.number_format = number_format
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{max(row, header_row)}"
    return row


def write_pairs(sheet: Any, pairs: Iterable[tuple[str, Any] | tuple[str, Any, str]], *, first_row: int,
                heading: str | None = None) -> int:
    """A block of label / value rows (an optional number format third), under a bold heading. The last row."""
    from openpyxl.styles import Font

    row = first_row
    if heading is not None:
        put(sheet, row, 1, heading).font = Font(bold=True, size=12)
        row += 1
    for pair in pairs:
        put(sheet, row, 1, pair[0]).font = Font(bold=True)
        cell = put(sheet, row, 2, pair[1])
        if len(pair) == 3:
            cell.number_format = pair[2]
        row += 1
    return row - 1


# The time a file says it was written: none of its own. The same data gives the same bytes, whether
# a request or a job wrote it, and whenever (the job's file is the answer the request would have given).
STEADY_TIME = (1980, 1, 1, 0, 0, 0)  # the first moment a ZIP entry can hold


class _SteadyZip(zipfile.ZipFile):
    """A ZIP whose entries all carry ``STEADY_TIME``, not the moment they were written."""

    def writestr(self, zinfo_or_arcname: str | zipfile.ZipInfo, data: Any,
                 compress_type: int | None = None, compresslevel: int | None = None) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=STEADY_TIME)
            zinfo_or_arcname.compress_type = self.compression
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: int | None = None,
              compresslevel: int | None = None) -> None:  # a write-only sheet, from its temporary file
        with open(filename, "rb") as sheet:
            self.writestr(arcname or filename, sheet.read(), compress_type, compresslevel)


def to_bytes(book: Any) -> bytes:
    """The workbook's file, the same bytes for the same content: no time of writing in it."""
    from openpyxl.writer.excel import ExcelWriter

    if book.write_only and not book.worksheets:
        book.create_sheet()
    book.properties.created = book.properties.modified = datetime(*STEADY_TIME)
    data = io.BytesIO()
    ExcelWriter(book, _SteadyZip(data, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return data.getvalue()


def download(data: bytes, filename: str, *, display_name: str | None = None) -> Response:
    """XLSX bytes as a download; ``display_name`` (may be Chinese) is offered as the file's name too."""
    disposition = f'attachment; filename="{filename}.xlsx"'
    if display_name:
        disposition += f"; filename*=UTF-8''{quote(display_name + '.xlsx')}"
    return Response(data, media_type=XLSX, headers={"content-disposition": disposition})


def xlsx_response(book: Any, filename: str, *, display_name: str | None = None) -> Response:
    """The workbook as a download (see ``download``)."""
    return download(to_bytes(book), filename, display_name=display_name)
