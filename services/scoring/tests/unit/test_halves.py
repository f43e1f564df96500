"""A close worked in two processes gives the bytes of one: the input digest, the totals, the
stored rows and the result digest's bytes; and a child that dies leaves this process to finish."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import signal
import uuid
from collections.abc import AsyncIterator
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.definitions import SchemeDefinition, compile_rules
from scoring.results import halves
from scoring.results.engine import (
    Compact,
    engine_means,
    mean_load_of,
    unit_means_of_summary,
    wanted_metrics,
)
from scoring.results.groups import group_fields, keys_of_summary
from scoring.results.halves import BATCH, ForkedHalf, RowStream, split
from scoring.results.service import (
    compacts_of,
    digest_of,
    grade_scored,
    input_digest,
    quarter_results,
    quarter_rows,
    row_batches,
)

from .test_engine import schemes

CLOSE = uuid.UUID(int=7)


@st.composite
def summaries(draw: Any, size: int = 40) -> tuple[list[dict[str, Any]], dict[str, Compact]]:
    """People as the records summary gives them (every field a metric is made from), and this
    service's own inputs for some of them."""
    people, own = [], {}
    for i in range(draw(st.integers(1, size))):
        pid = f"{draw(st.integers(0, 10**6)):07d}-{i:03d}"
        due = draw(st.integers(0, 13))
        people.append({
            "person_id": pid, "unit_id": draw(st.sampled_from(["u1", "u2", None])),
            "section_id": draw(st.sampled_from([None, "s1", "s2", "s3"])),
            "post": draw(st.sampled_from([None, "科员", "驾驶员"])),
            "weeks_due": due, "weeks_on_time": draw(st.integers(0, due)),
            "attendance": draw(st.sampled_from([{}, {"present": 60}, {"present": 50, "leave": 5, "absent": 1}])),
            "task_completion": draw(st.sampled_from([None, "0", "0.85", "1"])),
            "task_load": draw(st.sampled_from([None, "0", "2.5", "12"])),
        })
        if draw(st.booleans()):
            own[pid] = {"marks": {f"i{k}": draw(st.integers(0, 10_000)) for k in range(4) if draw(st.booleans())},
                        "ratings": {g: [draw(st.integers(0, 10_000)) * n, n]
                                    for g, n in (("leadership", 2), ("middle", 3)) if draw(st.booleans())},
                        "adjustments": [["honour", 150, "证明", "党委"]] if draw(st.booleans()) else [],
                        "negatives": [["discipline", "通报"]] if draw(st.integers(0, 6)) == 0 else []}
    return people, own


def worked(people: list[dict[str, Any]], own: dict[str, Compact], rules: Any, at: int,
           kill: str | None = None) -> tuple[str, list[Any], str, list[bytes], int]:
    """A close's work as ``close_quarter`` does it: the input digest, the totals, the result
    digest, the COPY's lines (sorted: the table does not mind their order), and how many
    processes worked (``kill``: the child is killed before its inputs or its rows)."""
    mean_load = mean_load_of_people(people, own, rules)
    means = engine_means(unit_means_of_summary(people, own, rules))
    first, second = split([dict(p) for p in people], own_copy(own), wanted_metrics(rules), rules, mean_load, means,
                          at=at)
    try:
        if kill == "inputs":
            kill_child(second)
        parts = [first.inputs()] + ([] if second is None else [second.inputs()])
        digest = digest_of({"scheme": 1}, [blob for blob, _, _ in parts])
        scored = [s for _, some, _ in parts for s in some]
        grades, _ = grade_scored(scored, rules, mean_load, groups=keys_of_summary(people, rules.compare_within))
        if kill == "rows":
            kill_child(second)
        at = len(parts[0][1])
        stream = RowStream(first.rows(CLOSE, grades[:at]), None if second is None else second.rows(CLOSE, grades[at:]))
        lines = asyncio.run(taken(stream.lines()))
        return digest, scored, stream.hexdigest(), sorted_lines(lines), 1 if second is None else 2
    finally:
        if second is not None:
            second.stop()


async def taken(lines: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in lines]


def sorted_lines(chunks: list[bytes]) -> list[bytes]:
    return sorted(b"".join(chunks).splitlines())


def mean_load_of_people(people: list[dict[str, Any]], own: dict[str, Compact], rules: Any) -> Fraction:
    if rules.base.kind != "task_load":
        return Fraction(0)
    return mean_load_of(list(compacts_of([dict(p) for p in people], wanted_metrics(rules), own_copy(own)).values()))


def own_copy(own: dict[str, Compact]) -> dict[str, Compact]:
    return {pid: dict(inputs) for pid, inputs in own.items()}


def kill_child(half: ForkedHalf | None) -> None:
    assert half is not None and half.pid is not None
    os.kill(half.pid, signal.SIGKILL)
    half.process.join()


def one_process(people: list[dict[str, Any]], own: dict[str, Compact],
                rules: Any) -> tuple[str, list[Any], str, list[bytes]]:
    """The same work with the whole-close functions, for comparison."""
    compacts = compacts_of([dict(p) for p in people], wanted_metrics(rules), own_copy(own), group_fields(rules))
    kept: dict[str, Any] = {}
    digest = input_digest({"scheme": 1}, compacts, keep=kept)
    scored, grades, _ = quarter_results(compacts, rules)
    batches = list(row_batches(quarter_rows(compacts, scored, [grades[pid] for pid, *_ in scored], kept), CLOSE))
    result = hashlib.sha256(b"".join(part for part, _ in batches)).hexdigest()
    return digest, scored, result, sorted_lines([lines for _, lines in batches])


@settings(max_examples=40, deadline=None)
@given(schemes(), summaries())
def test_two_processes_give_the_bytes_of_one(definition: dict[str, Any],
                                             group: tuple[list[dict[str, Any]], dict[str, Compact]]) -> None:
    rules = compile_rules(SchemeDefinition.model_validate(definition))
    people, own = group
    expected = one_process(people, own, rules)
    alone = worked(people, own, rules, at=0)
    forked = worked(people, own, rules, at=2)
    assert alone[4] == 1 and forked[4] == (2 if len(people) >= 2 else 1)
    assert alone[:4] == expected
    assert forked[:4] == expected


def province(size: int) -> tuple[list[dict[str, Any]], dict[str, Compact], Any]:
    """``size`` people under Xiacun's scheme, each marked and rated (more than one batch of rows)."""
    from ..api.conftest import XIACUN

    rules = compile_rules(SchemeDefinition.model_validate(XIACUN))
    people = [{"person_id": f"{i * 7919 % size:08d}", "unit_id": f"u{i % 3}", "section_id": None}
              for i in range(size)]
    own = {p["person_id"]: {"marks": {"de": 6_000 + i % 4_000, "ji": 9_000 - i % 3_000},
                            "ratings": {"leadership": [8_000 + i % 2_000, 1]}, "adjustments": [],
                            "negatives": [["discipline", "通报"]] if i % 97 == 0 else []}
           for i, p in enumerate(people)}
    return people, own, rules


@pytest.mark.parametrize("kill", ["inputs", "rows"])
def test_a_child_that_dies_leaves_this_process_to_finish(kill: str, caplog: pytest.LogCaptureFixture) -> None:
    people, own, rules = province(3 * BATCH)
    expected = one_process(people, own, rules)
    with caplog.at_level(logging.WARNING, logger="scoring.close"):
        result = worked(people, own, rules, at=2, kill=kill)
    assert result[4] == 2
    assert result[:4] == expected
    assert "ended early" in caplog.text and f"working its {kill}" in caplog.text


def test_a_child_killed_midway_through_its_rows_is_taken_over_where_it_stopped(
        caplog: pytest.LogCaptureFixture) -> None:
    people, own, rules = province(6 * BATCH)
    digest, _, result, lines = one_process(people, own, rules)
    first, second = split([dict(p) for p in people], own_copy(own), wanted_metrics(rules), rules, Fraction(0), at=2)
    assert second is not None
    try:
        parts = [first.inputs(), second.inputs()]
        grades, _ = grade_scored([s for _, some, _ in parts for s in some], rules, Fraction(0))
        at = len(parts[0][1])
        own_rows = list(first.rows(CLOSE, grades[:at]))
        theirs = second.rows(CLOSE, grades[at:])

        async def take() -> list[bytes]:
            rest = theirs.rest()
            got = [await anext(rest)]  # a batch from the child, then it dies
            kill_child(second)
            return got + [chunk async for chunk in rest]

        with caplog.at_level(logging.WARNING, logger="scoring.close"):
            got = asyncio.run(take())
    finally:
        second.stop()
    assert digest_of({"scheme": 1}, [blob for blob, _, _ in parts]) == digest
    assert theirs.received >= 1 and theirs.hashed is not None
    assert sorted_lines([chunk for _, chunk in own_rows] + got) == lines
    assert hashlib.sha256(b"".join(part for part, _ in own_rows) + theirs.hashed).hexdigest() == result
    assert "working its rows after" in caplog.text


def test_rows_are_copy_text_lines_with_anything_escaped() -> None:
    """Every field of a row in COPY's text format: tabs, line breaks and backslashes escaped
    wherever they are, none as ``\\N``; the result digest's bytes are the rows as they were."""
    rows = [("p1", None, "81.8", None, "a\tb\\c\nd\r", b'{"note":"x\\"y"}'), ("p2", "u1", "-2.5", 3, None, b"{}")]
    [(hashed, lines)] = list(row_batches(rows, CLOSE))
    assert lines == (f"{CLOSE}\tp1\t\\N\t81.8\t\\N\ta\\tb\\\\c\\nd\\r\t" + '{"note":"x\\\\"y"}\n'
                     f"{CLOSE}\tp2\tu1\t-2.5\t3\t\\N\t{{}}\n").encode()
    assert hashed == (b'["p1",null,"81.8",null,"a\\tb\\\\c\\nd\\r"]{"note":"x\\"y"}'
                      b'["p2","u1","-2.5",3,null]{}')


def test_a_child_that_stops_answering_is_killed_and_taken_over(monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """A child stopped (SIGSTOP: as good as stuck) is given ``PATIENCE`` seconds, then killed; this
    process works its part, with the same result."""
    monkeypatch.setattr(halves, "PATIENCE", 0.5)
    people, own, rules = province(2 * BATCH)
    expected = one_process(people, own, rules)
    first, second = split([dict(p) for p in people], own_copy(own), wanted_metrics(rules), rules, Fraction(0), at=2)
    assert second is not None and second.pid is not None
    try:
        os.kill(second.pid, signal.SIGSTOP)
        with caplog.at_level(logging.WARNING, logger="scoring.close"):
            parts = [first.inputs(), second.inputs()]
        assert not second.process.is_alive()
        grades, _ = grade_scored([s for _, some, _ in parts for s in some], rules, Fraction(0))
        at = len(parts[0][1])
        stream = RowStream(first.rows(CLOSE, grades[:at]), second.rows(CLOSE, grades[at:]))
        lines = asyncio.run(taken(stream.lines()))
    finally:
        second.stop()
    assert digest_of({"scheme": 1}, [blob for blob, _, _ in parts]) == expected[0]
    assert (stream.hexdigest(), sorted_lines(lines)) == expected[2:]
    assert "working its inputs here" in caplog.text
