"""Reading attendance sheets as the organisation department writes them, and the rows every import shares.

Any sheet ``shared.tabular`` reads (.xlsx, .xls, .ods, CSV or tab text in UTF-8, GBK or UTF-16), or JSON
lines; Chinese column headers as they appear in real sheets, English names accepted too. Rows come out
one at a time with their row number, so a file of a million rows is never held in memory at once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import IO, Annotated, Any, NamedTuple, TypeVar

from fastapi import File, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from records.attendance.models import STATUSES
from shared.cells import code_text
from shared.cells import parse_day as parse_day  # every importer's dates
from shared.row_errors import Reason, RowProblem
from shared.tabular import Columns, Table, UnreadableFile, open_table

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


class RawRow(NamedTuple):
    number: int  # as a person sees it in their program: the sheet's own row number
    values: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the field
    value: str
    reason: Reason

    def as_dict(self, table: Table | None = None) -> dict[str, object]:
        """The reason's code and text (in the caller's language, made only here, for the rows in error), with
        the sheet and the column as headed in the file when the rows came from one."""
        found: dict[str, object] = {"row": self.row, "column": self.column, "value": self.value,
                                    "code": self.reason.code, "reason": self.reason.text()}
        if table is not None:
            found["sheet"] = table.sheet
            found["heading"] = table.headings.get(self.column, self.column)
        return found


SheetError = UnreadableFile
NOT_JSON = Reason("not_json_object")
MISSING = Reason("missing_value")


class FileLayout(BaseModel):
    """How the uploaded file was read."""

    format: str = Field(description="xlsx, xls, ods or text (CSV / tab-separated)")
    sheet: str | None = Field(description="the workbook sheet read (the one with the header, or the one named)")
    header_row: int = Field(description="the header's row number as the file's program shows it")
    skipped: list[dict[str, Any]] = Field(
        description="blank rows and sign-off lines (填表人, 审核人, 合计, …) not read as data: row, text, and why "
                    "(code blank_row or sign_off_line, reason in the caller's language) (the first 100)")
    skipped_rows: int


def read_rows(stream: IO[bytes], columns: Columns = COLUMNS, required: tuple[str, ...] = REQUIRED, *,
              filename: str = "", sheet: str | None = None) -> tuple[Table, Iterator[RawRow]]:
    """The sheet's data rows, one at a time, each with the fields found in the header (see ``shared.tabular``)."""
    table = open_table(stream, columns, required, filename=filename, sheet=sheet)
    fields = list(table.mapping.items())
    width = max(table.mapping) + 1

    def rows() -> Iterator[RawRow]:
        for number, cells in table.rows:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            yield RawRow(number, {field: cells[i] for i, field in fields})

    return table, rows()


def layout_of(table: Table | None) -> FileLayout | None:
    return None if table is None else FileLayout(**table.layout())


def ndjson_body(*lines: str) -> dict[str, Any]:
    """The OpenAPI request body of a stream import: JSON lines (``application/x-ndjson``), with an example."""
    return {"requestBody": {"content": {"application/x-ndjson": {
        "schema": {"type": "string"}, "example": "".join(f"{line}\n" for line in lines)}}}}


#: The media types a sheet may be sent as (its format is told from its content, whatever the part says).
SHEET_MEDIA_TYPES = ("text/csv", "text/tab-separated-values",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.ms-excel",
                     "application/vnd.oasis.opendocument.spreadsheet")


def sheet_file(form: str, description: str) -> Any:
    """The ``file`` part of a sheet import: binary, of the string format ``form`` (a sheet with that import's
    columns, named so a client or a test generator can tell one import's sheet from another's)."""
    return File(description=description, json_schema_extra={"format": form})


def sheet_body() -> dict[str, Any]:
    """The OpenAPI request body of a sheet import: the media types its ``file`` part may have."""
    return {"requestBody": {"content": {"multipart/form-data": {
        "encoding": {"file": {"contentType": ", ".join(SHEET_MEDIA_TYPES)}}}}}}


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
        return RawRow(number, {"__error__": NOT_JSON})
    if not isinstance(value, dict):
        return RawRow(number, {"__error__": NOT_JSON})
    return RawRow(number, value)


_WORDS = ", ".join(sorted(k for k in STATUS_WORDS if not k.isascii()))


def parse_status(value: Any) -> str:
    text = str(value or "").strip()
    status = STATUS_WORDS.get(text) or STATUS_WORDS.get(text.lower())
    if status is None:
        raise RowProblem("unknown_status", words=_WORDS, codes=", ".join(STATUSES))
    return status


def staff_no_of(value: Any) -> str:
    """A staff number as text: half-width, trimmed; one a spreadsheet turned into a number without '.0'."""
    return code_text(value)


class FileImport(BaseModel):
    """What every import answers besides its counts."""

    skipped: int = Field(default=0, description="blank rows and sign-off lines of the file, not read as data")
    dry_run: bool = Field(default=False, description="true: what the import would do; nothing was written")
    layout: FileLayout | None = Field(default=None, description="how the file was read (file imports)")


R = TypeVar("R", bound=FileImport)
DryRunDep = Annotated[bool, Query(description="true: read and check everything and answer the same counts (or the "
                                              "same 422 with every bad row) as the real import, writing nothing")]
SheetDep = Annotated[str | None, Query(max_length=100, description="the workbook sheet to read (default: the first "
                                                                   "sheet that has the header)")]


async def settled(session: AsyncSession, result: R, table: Table | None, *, dry_run: bool) -> R:
    """The import's answer with the file's layout; on a dry run everything it did is rolled back."""
    if dry_run:
        await session.rollback()
    result.dry_run = dry_run
    if table is not None:
        result.skipped, result.layout = table.skipped_count, layout_of(table)
    return result
