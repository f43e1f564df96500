"""A close's stored rows on their way to the database (pure): each row as the bytes the result
digest takes and as a line of PostgreSQL's COPY text format, in batches.
"""

from __future__ import annotations

import hashlib
import uuid
from array import array
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence

import orjson

from scoring.results.compute import PersonResult
from shared.numbers import decimal_str, ratio_str

#: Rows per batch handed to the COPY.
BATCH = 5_000

#: A batch of stored rows: the bytes of them the result digest takes, and their lines for the COPY.
RowBatch = tuple[bytes, bytes]

#: One stored result as the close writes it: person, unit, score as text, rank, grade, detail JSON.
Row = tuple[str, str | None, str, int | None, str | None, bytes]


def row_batches(rows: Iterable[Row], close_id: uuid.UUID, size: int = BATCH) -> Iterator[RowBatch]:
    """The rows in batches, each as the bytes of it the result digest takes (each row's
    ``[person, unit, score, rank, grade]`` as JSON, then its detail) and as lines of PostgreSQL's
    COPY text format (a row's fields tab-separated, a backslash doubled, ``\\N`` for none), so
    that whichever process makes them, the service only passes them on to the database."""
    dumps = orjson.dumps
    prefix = str(close_id).encode() + b"\t"
    hashed: list[bytes] = []
    lines: list[bytes] = []
    for person_id, unit_id, score, rank, grade, detail in rows:
        hashed.append(dumps([person_id, unit_id, score, rank, grade]))
        hashed.append(detail)
        lines.append(b"%b%b\t%b\t%b\t%b\t%b\t%b\n" % (
            prefix, _copy_text(person_id), _NONE if unit_id is None else _copy_text(unit_id), _copy_text(score),
            _NONE if rank is None else b"%d" % rank, _NONE if grade is None else _copy_text(grade),
            detail.replace(b"\\", b"\\\\")))
        if len(lines) == size:
            yield b"".join(hashed), b"".join(lines)
            hashed, lines = [], []
    if lines:
        yield b"".join(hashed), b"".join(lines)


_NONE = b"\\N"
_COPY_ESCAPES = {ord("\\"): "\\\\", ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"}


def _copy_text(value: str) -> bytes:
    """A text field in COPY's text format (ids, scores and grade codes need no escape, but may)."""
    if value.isprintable() and "\\" not in value:
        return value.encode()
    return value.translate(_COPY_ESCAPES).encode()


def heads(person_id: str, unit_id: str | None, num: int, den: int, listed: Sequence[object]) -> tuple[bytes, ...]:
    """What ``row_batches`` makes of a quarter's row that its grade and rank do not change, made
    where the person is computed (a part, on any worker): the start of the bytes the result digest
    takes (``[person, unit, score,``), the row's first COPY fields (person, unit, score), and the
    end of its detail (limits and total, as ``quarter.quarter_rows`` writes them)."""
    dumps = orjson.dumps
    total = ratio_str(num, den)
    return (dumps([person_id, unit_id, total])[:-1] + b",",
            b"%b\t%b\t%b\t" % (_copy_text(person_id), _NONE if unit_id is None else _copy_text(unit_id),
                               _copy_text(total)),
            b"".join((b',"limits":', dumps(listed, option=orjson.OPT_SORT_KEYS) if listed else b"[]",
                      b',"total":"', total.encode(), b'"}')))


def graded_batches(made: bytes | bytearray, cuts: array[int], inputs: bytes | bytearray,
                   spans: Sequence[tuple[int, int]], grades: Iterable[tuple[str | None, int | None, list[str]]],
                   close_id: uuid.UUID, size: int = BATCH) -> Iterator[RowBatch]:
    """``row_batches`` of a part's rows from their ``heads`` (in ``made``, each piece ending at the
    next of ``cuts``) and their people's canonical inputs (``inputs`` at ``spans``): only the grade
    and rank are put in here. The very bytes ``row_batches`` makes of ``quarter_rows``."""
    dumps = orjson.dumps
    prefix = str(close_id).encode() + b"\t"
    view, made_view = memoryview(inputs), memoryview(made)
    grade_json: dict[str | None, tuple[bytes, bytes]] = {}
    hashed: list[bytes | memoryview] = []
    lines: list[bytes | memoryview] = []
    at = 0
    for i, ((grade, rank, reasons), (start, end)) in enumerate(zip(grades, spans, strict=True)):
        known = grade_json.get(grade)
        if known is None:
            known = grade_json[grade] = (dumps(grade), _NONE if grade is None else _copy_text(grade))
        rank_text = b"null" if rank is None else b"%d" % rank
        head_end, line_end, tail_end = cuts[3 * i], cuts[3 * i + 1], cuts[3 * i + 2]
        detail = b"".join((b'{"grade":', dumps({"grade": grade, "rank": rank, "reasons": reasons}), b',"inputs":',
                           view[start:end], made_view[line_end:tail_end]))
        hashed += (made_view[at:head_end], rank_text, b",", known[0], b"]", detail)
        lines += (prefix, made_view[head_end:line_end], _NONE if rank is None else rank_text, b"\t", known[1], b"\t",
                  detail.replace(b"\\", b"\\\\"), b"\n")
        at = tail_end
        if (i + 1) % size == 0:
            yield b"".join(hashed), b"".join(lines)
            hashed, lines = [], []
    if lines:
        yield b"".join(hashed), b"".join(lines)


def result_rows(results: Iterable[PersonResult]) -> Iterator[Row]:
    """The stored rows of results composed whole (a year's): the detail as canonical JSON."""
    for r in results:
        yield (r.person_id, r.unit_id, decimal_str(r.score), r.rank, r.grade,
               orjson.dumps(r.detail, option=orjson.OPT_SORT_KEYS))


class RowStream:
    """A close's stored rows on their way into the COPY, in person order, and the result digest
    over them (once the lines are all taken)."""

    def __init__(self, batches: Iterable[RowBatch]) -> None:
        self.batches = batches
        self.h = hashlib.sha256()

    async def lines(self) -> AsyncIterator[bytes]:
        for part, lines in self.batches:
            self.h.update(part)
            yield lines

    def hexdigest(self) -> str:
        return self.h.hexdigest()
