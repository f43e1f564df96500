"""Workbooks hold any text a user could have typed: control characters are dropped, not a 500."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import load_workbook

from shared.xlsx import cell_value, to_bytes, workbook, write_pairs, write_table


def test_control_characters_are_dropped_and_the_rest_kept() -> None:
    assert cell_value("张\x00三\x1f\x0b") == "张三"
    assert cell_value("行一\n行二\t列") == "行一\n行二\t列"  # newline and tab are fine in a cell
    assert cell_value(12) == 12 and cell_value(None) is None


def test_a_table_with_control_characters_is_still_a_workbook() -> None:
    book = workbook()
    sheet = book.create_sheet("表")
    last = write_table(sheet, ["姓名", "备注"], [["张\x01三", "a\x1bb"], ["李四", 3]], widths=(10, 10),
                       title="标题\x07")
    write_pairs(sheet, [("说明\x02", "值\x03")], first_row=last + 2)
    read = load_workbook(io.BytesIO(to_bytes(book))).active
    assert [[c.value for c in row] for row in read.iter_rows()] == [
        ["标题", None], ["姓名", "备注"], ["张三", "ab"], ["李四", 3], [None, None], ["说明", "值"]]


def _written(write_only: bool) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True) if write_only else workbook()
    sheet = book.create_sheet("表")
    if write_only:
        sheet.append(["姓名", "得分"])
        sheet.append(["张三", 91.5])
    else:
        write_table(sheet, ["姓名", "得分"], [["张三", 91.5]], widths=(10, 10), title="标题")
    return to_bytes(book)


@pytest.mark.parametrize("write_only", [False, True])
def test_the_same_content_gives_the_same_bytes_a_day_later(write_only: bool,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A job's file equals the answer the request would have given: no time of writing is in it."""
    now = time.time()
    first = _written(write_only)
    monkeypatch.setattr(time, "time", lambda: now + 86_400 + 7)  # the ZIP entries' clock
    assert _written(write_only) == first
    book = load_workbook(io.BytesIO(first))
    assert book.properties.modified == book.properties.created
    plain = io.BytesIO()
    load_workbook(io.BytesIO(first)).save(plain)  # openpyxl's own save stamps the clock's time
    assert plain.getvalue() != first
