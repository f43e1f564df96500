"""CSV and XLSX downloads with Chinese headers, as the organisation department opens them; each
is told to the gateway's audit trail as an export of so many rows (see ``shared.touched.disclose``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from fastapi.responses import Response

from shared.touched import disclose
from shared.xlsx import as_text, cell_value, csv_value, to_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_response(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, fmt: Literal["csv", "xlsx"],
                   filename: str, sheet: str, widths: Sequence[int], about: Mapping[str, object]) -> Response:
    """``about``: the objects the rows are of (unit, period, region), for the audit trail."""
    disclose("export", len(rows), **about)
    disposition = {"content-disposition": f'attachment; filename="{filename}.{fmt}"'}
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows([csv_value(value) for value in row] for row in rows)
        # A BOM so that Excel opens the Chinese text as UTF-8.
        return Response(("\ufeff" + out.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                        headers=disposition)
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.append(list(headers))
    for row in rows:
        worksheet.append([as_text(WriteOnlyCell(worksheet, cell_value(value)), value) for value in row])
    return Response(to_bytes(workbook), media_type=XLSX, headers=disposition)
