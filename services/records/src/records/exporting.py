"""CSV and XLSX downloads with Chinese headers, as the organisation department opens them; each
is told to the gateway's audit trail as an export of so many rows (see ``shared.touched.disclose``)
when it is handed out."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from shared.jobs.files import ExportFile
from shared.xlsx import as_text, cell_value, csv_value, to_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """An export's rows under their headers; ``about``: the objects the rows are of (unit, period, region), for
    the audit trail."""

    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    filename: str
    sheet: str
    widths: Sequence[int]
    about: Mapping[str, object]

    def file(self, fmt: Literal["csv", "xlsx"]) -> ExportFile:
        disposition = f'attachment; filename="{self.filename}.{fmt}"'
        about = {k: str(v) for k, v in self.about.items() if v is not None}
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(self.headers)
            writer.writerows([csv_value(value) for value in row] for row in self.rows)
            # A BOM so that Excel opens the Chinese text as UTF-8.
            return ExportFile(("\ufeff" + out.getvalue()).encode(), "text/csv; charset=utf-8", disposition,
                              len(self.rows), about)
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.utils import get_column_letter

        workbook = Workbook(write_only=True)
        worksheet = workbook.create_sheet(self.sheet)
        for index, width in enumerate(self.widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        worksheet.append(list(self.headers))
        for row in self.rows:
            worksheet.append([as_text(WriteOnlyCell(worksheet, cell_value(value)), value) for value in row])
        return ExportFile(to_bytes(workbook), XLSX, disposition, len(self.rows), about)
