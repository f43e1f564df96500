"""Cells of an uploaded sheet as the importers take them.

Codes and numbers are normalised (full-width digits and letters to half-width, surrounding spaces
trimmed); dates come as date cells, Excel serial numbers or typed in the forms offices use. Names are
not touched here: an importer keeps them exactly as written.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from shared.row_errors import EN, ZH, RowProblem

# Full-width ASCII (U+FF01–U+FF5E) and the ideographic space to their half-width forms.
_HALF_WIDTH = {**{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}, 0x3000: 0x20}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's phantom 1900-02-29 is before any roster)
DATE_FORMS = "2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日 or 20250301"
_FORMS = {ZH: "2025-03-01、2025/3/1、2025.3.1、2025年3月1日 或 20250301", EN: DATE_FORMS}


def code_text(value: Any) -> str:
    """A code or number cell as text: half-width, trimmed; a whole number without its '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.translate(_HALF_WIDTH).strip() if not value.isascii() else value.strip()
    return str(value).strip()


def parse_day(value: Any) -> date:
    """A date cell, an Excel serial number, or a typed date in one of ``DATE_FORMS`` (``RowProblem`` if not)."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)  # the common case, in C
        except ValueError:
            pass
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_day(value)
    text = code_text(value)
    if text.isdigit():
        return _number_day(int(text))
    match = _DATE.match(text)
    if not match:
        raise RowProblem("bad_date", forms=_FORMS)
    return _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def _number_day(number: float) -> date:
    if 19000101 <= number <= 29991231 and float(number).is_integer():
        whole = int(number)
        return _day(whole // 10000, whole // 100 % 100, whole % 100)
    if 1 <= number < 2958466:  # an Excel serial (a time of day, as a fraction, is dropped)
        return _EXCEL_EPOCH + timedelta(days=int(number))
    raise RowProblem("bad_date", forms=_FORMS)


def _day(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise RowProblem("no_such_day", day=f"{year}-{month:02d}-{day:02d}") from exc
