"""How the operator commands print: tables of plain text, a problem answer in full, ratios and grades."""

from __future__ import annotations

import os
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kaohe.client import ApiError

GRADE_NAMES = {  # as the exports print them (shared.xlsx)
    "good": "好", "fairly_good": "较好", "average": "一般", "poor": "较差",
    "excellent": "优秀", "competent": "称职", "basically_competent": "基本称职", "incompetent": "不称职",
    "not_graded": "未定等次",
}


def console(*, stderr: bool = False) -> Console:
    out = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out.width = 200  # a file or a pipe: do not fold tables at 80 columns
    return out


def cell(value: Any) -> Text:
    """A table cell as plain text (never read as rich markup)."""
    if value is None:
        return Text("")
    if isinstance(value, Text):
        return value
    return Text(str(value))


def table(*columns: str, title: str | None = None, numeric: Sequence[str] = ()) -> Table:
    out = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        out.add_column(column, justify="right" if column in numeric else "left", overflow="fold")
    return out


def add_row(out: Table, *values: Any, style: str | None = None) -> None:
    out.add_row(*(cell(v) for v in values), style=style)


def print_problem(err: Console, exc: ApiError) -> None:
    where = f"  ({exc.method} {exc.path})" if exc.method else ""
    err.print(Text(f"Error {exc.status}: {exc.title}", style="bold red") + Text(where, style="dim"))
    if exc.detail and exc.detail.casefold() not in exc.title.casefold():
        err.print(Text(exc.detail))
    # Each listed row or field, unless it only repeats the detail (a whole-file error).
    rows = [e for e in exc.errors if isinstance(e, dict) and (e.get("reason") or e.get("message")) != exc.detail]
    if rows and all("row" in e for e in rows):
        listing = table("row", "column", "value", "reason", numeric=("row",))
        for e in rows:
            add_row(listing, e.get("row"), e.get("column"), e.get("value"), e.get("reason"))
        err.print(listing)
    elif rows:
        listing = table("field", "message")
        for e in rows:
            field = e.get("field") or ".".join(str(p) for p in e.get("loc", []))
            add_row(listing, field, e.get("message") or e.get("msg") or e)
        err.print(listing)
    for other in (e for e in exc.errors if not isinstance(e, dict)):
        err.print(Text(f"  - {other}"))
    if exc.request_id:
        err.print(Text(f"request id: {exc.request_id}", style="dim"))


def _hundredfold(value: str | None, shown: str) -> str:
    """A ratio given as a decimal string, a hundred times over in ``shown`` (a format with one field);
    ``-`` for none, the value itself if it is not a number."""
    if value is None:
        return "-"
    try:
        return shown.format(Decimal(value) * 100)
    except InvalidOperation:
        return value


def points(value: str | None) -> str:
    """A difference of two ratios in percentage points (0.05: 5.00 points)."""
    return _hundredfold(value, "{:+.2f} percentage points")


def percent(value: str | None) -> str:
    return _hundredfold(value, "{:.2f}%")


def grade_label(code: str) -> str:
    name = GRADE_NAMES.get(code)
    return f"{name} {code}" if name else code
