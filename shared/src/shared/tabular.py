"""One reader for every sheet a user uploads: workbooks (.xlsx/.xlsm, Excel 97–2003 .xls, .ods) through
``python-calamine`` and delimited text (UTF-8 with or without BOM, GBK/GB18030, UTF-16 as Excel's
"Unicode text"; comma or tab) — the format told from the content, not the file's name.

Sheets as offices keep them: the header row is looked for in the first rows (title rows and blank rows
above it skipped), sign-off lines (填表人, 审核人, 合计, …) and blank rows below are skipped and listed, a
value merged down several rows applies to each of them, and a workbook whose first sheet is instructions
is read from the sheet that has the header (or the one named). Rows come out one at a time, numbered as
the user sees them in their program. A file it cannot read raises ``UnreadableFile`` saying what it is.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from shared.cells import code_text
from shared.row_errors import KINDS, FileRefusal, Reason

HEADER_SEARCH = 10  # rows looked at for the header
SKIPPED_LISTED = 100
# The start of a row below (or among) the data that is not a data row.
FOOTERS = ("填表人", "填报人", "制表人", "制表", "审核人", "审核", "复核", "负责人", "单位负责人",
           "主要负责人", "经办人", "填表日期", "填报日期", "制表日期", "日期：", "合计", "总计", "小计",
           "备注", "说明", "注：", "注:", "签字", "盖章")
_FOOTER_STARTS = frozenset(f[0] for f in FOOTERS)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIGNATURES = (  # (magic, what it is: a key of KINDS)
    (b"%PDF", "pdf"), (b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"), (b"BM", "bmp"),
    (b"Rar!", "rar"), (b"7z\xbc\xaf", "7z"), (b"\x1f\x8b", "gzip"), (b"{\\rtf", "rtf"))


class UnreadableFile(FileRefusal):
    """The file as a whole cannot be read: its format, its encoding, or no header in it (a code of
    ``shared.row_errors`` and its values; ``text()`` in the caller's language)."""


Columns = dict[str, tuple[str, ...]]


_BLANK, _SIGN_OFF = Reason("blank_row"), Reason("sign_off_line")


@dataclass(frozen=True)
class Skipped:
    row: int
    text: str  # what the row says ("" for a blank row)

    def as_dict(self) -> dict[str, object]:
        """With why it was skipped: its code and the reason in the caller's language."""
        why = _SIGN_OFF if self.text else _BLANK
        return {"row": self.row, "text": self.text, "code": why.code, "reason": why.text()}


@dataclass
class Table:
    """An opened sheet: where its header was, which file column is which field, and its data rows."""

    format: str  # xlsx, xls, ods or text
    sheet: str | None  # the workbook sheet read; None for text
    header_row: int
    mapping: dict[int, str]  # file column -> field
    headings: dict[str, str]  # field -> the column as headed in the file
    rows: Iterator[tuple[int, list[Any]]]  # (row number as the user sees it, cells)
    skipped: list[Skipped] = field(default_factory=list)  # filled in as the rows are read
    skipped_count: int = 0

    def layout(self) -> dict[str, Any]:
        """What an import reports of the file's layout."""
        return {"format": self.format, "sheet": self.sheet, "header_row": self.header_row,
                "skipped": [s.as_dict() for s in self.skipped], "skipped_rows": self.skipped_count}


def header_map(headers: Sequence[Any], columns: Columns, required: Sequence[str]) -> dict[int, str]:
    """File column -> field for a header row; ``UnreadableFile`` naming the required columns it lacks."""
    mapping = _match(headers, columns)
    missing = [f for f in required if f not in mapping.values()]
    if missing:
        wanted = "; ".join(f"{f}: {' / '.join(columns[f])}" for f in missing)
        raise UnreadableFile("missing_columns", wanted=wanted)
    return mapping


def _match(headers: Sequence[Any], columns: Columns) -> dict[int, str]:
    names = {alias.lower(): name for name, aliases in columns.items() for alias in aliases}
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        name = names.get(_heading(header).lower())
        if name and name not in mapping.values():
            mapping[index] = name
    return mapping


def _heading(value: Any) -> str:
    """A header cell as compared: half-width, without spaces, line breaks or a trailing '*' (必填)."""
    return "".join(code_text(value).split()).rstrip("*")


def open_table(stream: IO[bytes], columns: Columns, required: Sequence[str], *, filename: str = "",
               sheet: str | None = None) -> Table:
    """The sheet of ``stream`` (the first with the header, or the one named) with the ``required``
    columns (their aliases in ``columns``)."""
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _workbook(stream, _zip_kind(stream), columns, required, sheet, filename)
    if head.startswith(_OLE2):
        return _workbook(stream, _ole2_kind(stream, filename), columns, required, sheet, filename)
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise UnreadableFile("not_a_sheet", kind=KINDS[what])
    return _text(stream, columns, required)


def _zip_kind(stream: IO[bytes]) -> str:
    try:
        archive = zipfile.ZipFile(stream)
        names = set(archive.namelist())
        mimetype = archive.read("mimetype").decode("ascii", "replace").strip() if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise UnreadableFile("damaged_zip") from exc
    finally:
        stream.seek(0)
    if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        if "xl/workbook.bin" in names:
            raise UnreadableFile("xlsb")
        return "xlsx"
    if "word/document.xml" in names or mimetype.endswith("text"):
        raise UnreadableFile("not_a_sheet", kind=KINDS["docx"])
    if mimetype:
        raise UnreadableFile("other_opendocument", mimetype=mimetype)
    raise UnreadableFile("zip_archive")


def _ole2_kind(stream: IO[bytes], filename: str) -> str:
    """An OLE2 compound file: an Excel 97–2003 workbook, or something that only looks like one. Its
    directory's stream names (UTF-16) tell them apart."""
    data = stream.read()
    stream.seek(0)

    def has(name: str) -> bool:
        return name.encode("utf-16-le") in data

    if has("EncryptionInfo") or has("EncryptedPackage"):
        raise UnreadableFile("password_protected")
    if has("WordDocument"):
        raise UnreadableFile("not_a_sheet", kind=KINDS["doc"])
    if has("PowerPoint Document"):
        raise UnreadableFile("not_a_sheet", kind=KINDS["ppt"])
    if not (has("Workbook") or has("Book")):
        raise UnreadableFile("wps_et" if filename.lower().endswith((".et", ".ett")) else "ole2_without_workbook")
    return "xls"


def _workbook(stream: IO[bytes], kind: str, columns: Columns, required: Sequence[str], wanted: str | None,
              filename: str) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum

    what = KINDS[kind]
    try:
        book = CalamineWorkbook.from_filelike(stream)
    except PasswordError as exc:
        raise UnreadableFile("password_protected") from exc
    except (CalamineError, ValueError, OSError) as exc:
        if filename.lower().endswith((".et", ".ett")):
            raise UnreadableFile("wps_et") from exc
        raise UnreadableFile("damaged_workbook", kind=what, exc=str(exc)) from exc
    names = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    if wanted is not None and wanted not in names:
        raise UnreadableFile("no_such_sheet", wanted=wanted, names=", ".join(names))
    best: UnreadableFile | None = None
    for name in [wanted] if wanted is not None else names:
        try:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.iter_rows()
            top = list(itertools.islice(rows, HEADER_SEARCH))
        except (CalamineError, ValueError) as exc:
            raise UnreadableFile("unreadable_sheet", name=name, kind=what, exc=str(exc)) from exc
        try:
            index, mapping = _find_header(top, columns, required)
        except UnreadableFile as exc:
            best = best or (exc.in_sheet(name) if len(names) > 1 else exc)
            continue
        offset = (sheet.start or (0, 0))[1]
        found = sheet.merged_cell_ranges if kind != "ods" else _ods_merges(stream, name)
        merges = [(r0, c0 - offset, r1) for (r0, c0), (r1, _c1) in found or () if r1 > r0]
        rest = itertools.chain(enumerate(top[index + 1:], start=index + 2), enumerate(rows, start=len(top) + 1))
        table = _table(kind, name, index, top[index], mapping, rest)
        if merges:
            table.rows = _merged_down(table.rows, merges, set(mapping))
        return table
    raise best or UnreadableFile("no_sheets")


def _find_header(top: list[list[Any]], columns: Columns, required: Sequence[str]) -> tuple[int, dict[int, str]]:
    best: tuple[int, int] = (-1, 0)
    for index, cells in enumerate(top):
        mapping = _match(cells, columns)
        if all(f in mapping.values() for f in required):
            return index, mapping
        best = max(best, (len(mapping), index))
    if not top:
        raise UnreadableFile("empty_sheet")
    header_map(top[best[1]], columns, required)  # raises, naming what the likeliest header row lacks
    raise AssertionError  # pragma: no cover


def _table(kind: str, sheet: str | None, index: int, headers: list[Any], mapping: dict[int, str],
           rows: Iterator[tuple[int, list[Any]]]) -> Table:
    table = Table(kind, sheet, index + 1, mapping, {f: str(headers[i]).strip() for i, f in mapping.items()},
                  iter(()))
    table.rows = _data_rows(table, rows)
    return table


def _data_rows(table: Table, rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """Rows without the blank ones and the sign-off lines, which are listed in ``table.skipped``."""
    skipped = table.skipped
    for number, cells in rows:
        first = cells[0] if cells else ""
        if first != "" and first is not None and not (
                isinstance(first, str) and (first[0] in _FOOTER_STARTS or first[0].isspace())):
            yield number, cells  # the common case, decided on the first cell
            continue
        first = next((c for c in cells if not (c is None or (isinstance(c, str) and not c.strip()))), None)
        text = ""
        if first is None:
            pass
        elif isinstance(first, str) and first.strip().startswith(FOOTERS):
            text = " ".join(str(c).strip() for c in cells if c not in ("", None))[:200]
        else:
            yield number, cells
            continue
        table.skipped_count += 1
        if len(skipped) < SKIPPED_LISTED:
            skipped.append(Skipped(number, text))


def _merged_down(rows: Iterator[tuple[int, list[Any]]], merges: list[tuple[int, int, int]],
                 columns: set[int]) -> Iterator[tuple[int, list[Any]]]:
    """Each merged range spanning rows gives its top cell's value to the rows below it (0-based rows)."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for r0, column, r1 in merges:
        if column in columns:
            for r in range(r0 + 1, r1 + 1):
                spans.setdefault(r, []).append((r0, column))
    tops = {(r0, column) for r0, column, _ in merges}
    values: dict[tuple[int, int], Any] = {}
    for number, cells in rows:
        r = number - 1
        for top_row, column in spans.get(r, ()):
            if column < len(cells) and cells[column] in ("", None):
                cells[column] = values.get((top_row, column), "")
        for top_row, column in tops:
            if top_row == r and column < len(cells):
                values[(top_row, column)] = cells[column]
        yield number, cells


def _ods_merges(stream: IO[bytes], sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The merged ranges of an ODS sheet (calamine does not give them): cells spanning rows, read from
    content.xml as (top-left, bottom-right), 0-based like calamine's."""
    from xml.etree.ElementTree import iterparse

    t = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = []
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive, archive.open("content.xml") as content:
            inside, row = False, 0
            # Expat (≥ 2.4) bounds entity expansion; calamine has parsed this same XML already.
            for event, element in iterparse(content, events=("start", "end")):  # noqa: S314
                if element.tag == f"{t}table":
                    inside = event == "start" and element.get(f"{t}name") == sheet
                    if event == "end" and element.get(f"{t}name") == sheet:
                        break
                elif inside and event == "end" and element.tag == f"{t}table-row":
                    column = 0
                    for cell in element:
                        span = int(cell.get(f"{t}number-rows-spanned", "1"))
                        if span > 1:
                            merges.append(((row, column), (row + span - 1, column)))
                        column += int(cell.get(f"{t}number-columns-repeated", "1"))
                    row += int(element.get(f"{t}number-rows-repeated", "1"))
                    element.clear()
    except (zipfile.BadZipFile, KeyError, SyntaxError, ValueError):
        return []  # the sheet was read: only its merged cells are not known
    finally:
        stream.seek(0)
    return merges


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise UnreadableFile("utf32")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head[1:200:2].count(0) > len(head[1:200:2]) // 2:
        return "utf-16-le"  # "Unicode text" without its BOM
    if head[0:200:2].count(0) > len(head[0:200:2]) // 2:
        return "utf-16-be"
    if b"\x00" in head:
        raise UnreadableFile("unknown_binary")
    lowered = head[:512].lstrip().lower()
    if lowered.startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise UnreadableFile("web_page")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head[:65000])
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableFile("bad_encoding")


def _text(stream: IO[bytes], columns: Columns, required: Sequence[str]) -> Table:
    head = stream.read(65536)
    stream.seek(0)
    if not head.strip():
        raise UnreadableFile("empty_file")
    encoding = _encoding(head)
    sample = head[:4096].decode(encoding, "ignore")
    lines = [line for line in sample.splitlines()[:HEADER_SEARCH] if line.strip()]
    delimiter = "\t" if sum(line.count("\t") for line in lines) > sum(line.count(",") for line in lines) else ","
    reader = csv.reader(io.TextIOWrapper(stream, encoding=encoding, newline=""), delimiter=delimiter)
    numbered = _read_on(reader, encoding)
    top = [cells for _, cells in itertools.islice(numbered, HEADER_SEARCH)]
    index, mapping = _find_header(top, columns, required)
    rows = itertools.chain(enumerate(top[index + 1:], start=index + 2), numbered)
    return _table("text", None, index, top[index], mapping, rows)


def _read_on(reader: Iterator[list[str]], encoding: str) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableFile("unreadable_text", row=number, encoding=encoding, exc=str(exc)) from exc
