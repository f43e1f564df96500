"""A close computed in parts gives the bytes of one computed whole: the input digest, the
totals, the stored rows and the result digest; and a part keeps its bytes through ``encode``."""

from __future__ import annotations

import hashlib
import uuid
from array import array
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.definitions import SchemeDefinition, compile_rules
from scoring.results import parts as partition
from scoring.results.close import shared_of
from scoring.results.compute import Limits
from scoring.results.digests import digest_of, input_digest, inputs_spans
from scoring.results.engine import Compact, wanted_metrics
from scoring.results.groups import group_fields
from scoring.results.inputs import compacts_of
from scoring.results.quarter import quarter_results, quarter_rows
from scoring.results.rows import BATCH, graded_batches, heads, row_batches

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


def in_parts(people: list[dict[str, Any]], own: dict[str, Compact], rules: Any, size: int, *,
             through_bytes: bool = False) -> tuple[str, list[Any], str, list[bytes], int]:
    """A close's work as ``close_quarter`` does it, in parts of ``size`` people: the input digest, the
    totals, the result digest, the COPY's lines, and how many parts (``through_bytes``: each part
    encoded and decoded on the way, as when it is computed by another worker)."""
    people, own = [dict(p) for p in people], own_copy(own)
    shared = shared_of(people, own, wanted_metrics(rules), rules)
    given = partition.plan(people, own, size)
    if through_bytes:  # staged as the gathering worker stages it, computed and kept as bytes
        staged = [partition.staged_from(partition.stage_bytes(partition.staged_of(g, shared)[0])) for g in given]
        done = [partition.decode(partition.encode(partition.compute_staged(s, rules, shared)), s)
                for s in reversed(staged)]  # in any order
    else:
        done = [partition.compute_part(g, rules, shared) for g in reversed(given)]  # in any order
    ordered = sorted(done, key=lambda p: p.number)
    digest = digest_of({"scheme": 1}, [part.inputs for part in ordered])
    grades, _ = partition.grade(done, rules, shared.mean_load, shared.unit_means)
    batches = list(partition.rows(done, grades, CLOSE))
    result = hashlib.sha256(b"".join(part for part, _ in batches)).hexdigest()
    scored = [s for part in ordered for s in part.scored]
    return digest, scored, result, [lines for _, lines in batches], len(given)


def own_copy(own: dict[str, Compact]) -> dict[str, Compact]:
    return {pid: dict(inputs) for pid, inputs in own.items()}


def one_piece(people: list[dict[str, Any]], own: dict[str, Compact],
              rules: Any) -> tuple[str, list[Any], str, list[bytes]]:
    """The same work with the whole-close functions, for comparison."""
    compacts = compacts_of([dict(p) for p in people], wanted_metrics(rules), own_copy(own), group_fields(rules))
    kept: dict[str, Any] = {}
    digest = input_digest({"scheme": 1}, compacts, keep=kept)
    scored, grades, _ = quarter_results(compacts, rules)
    batches = list(row_batches(quarter_rows(compacts, scored, [grades[pid] for pid, *_ in scored], kept), CLOSE))
    result = hashlib.sha256(b"".join(part for part, _ in batches)).hexdigest()
    return digest, scored, result, [lines for _, lines in batches]


def exact(scored: list[Any]) -> list[Any]:
    """Totals, limits and tie-break values as numbers (a tie-break value may be a list or a tuple)."""
    return [(pid, num, den, limits, [tuple(t) for t in ties]) for pid, num, den, limits, ties in scored]


def lines_of(chunks: list[bytes]) -> bytes:
    return b"".join(chunks)


@settings(max_examples=40, deadline=None)
@given(schemes(), summaries(), st.integers(0, 7), st.booleans())
def test_parts_give_the_bytes_of_one_piece(definition: dict[str, Any],
                                           group: tuple[list[dict[str, Any]], dict[str, Compact]],
                                           size: int, through_bytes: bool) -> None:
    rules = compile_rules(SchemeDefinition.model_validate(definition))
    people, own = group
    digest, scored, result, lines = one_piece(people, own, rules)
    got = in_parts(people, own, rules, size, through_bytes=through_bytes)
    assert got[4] == (1 if size == 0 else -(-len(people) // size))
    assert (got[0], exact(got[1]), got[2]) == (digest, exact(scored), result)
    assert lines_of(got[3]) == lines_of(lines)


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


def test_a_province_in_parts_through_bytes_is_the_province_in_one_piece() -> None:
    people, own, rules = province(3 * BATCH + 17)
    digest, scored, result, lines = one_piece(people, own, rules)
    got = in_parts(people, own, rules, BATCH // 2, through_bytes=True)
    assert got[4] == 7
    assert (got[0], exact(got[1]), got[2]) == (digest, exact(scored), result) and lines_of(got[3]) == lines_of(lines)


def test_rows_are_copy_text_lines_with_anything_escaped() -> None:
    """Every field of a row in COPY's text format: tabs, line breaks and backslashes escaped
    wherever they are, none as ``\\N``; the result digest's bytes are the rows as they were."""
    rows = [("p1", None, "81.8", None, "a\tb\\c\nd\r", b'{"note":"x\\"y"}'), ("p2", "u1", "-2.5", 3, None, b"{}")]
    [(hashed, lines)] = list(row_batches(rows, CLOSE))
    assert lines == (f"{CLOSE}\tp1\t\\N\t81.8\t\\N\ta\\tb\\\\c\\nd\\r\t" + '{"note":"x\\\\"y"}\n'
                     f"{CLOSE}\tp2\tu1\t-2.5\t3\t\\N\t{{}}\n").encode()
    assert hashed == (b'["p1",null,"81.8",null,"a\\tb\\\\c\\nd\\r"]{"note":"x\\"y"}'
                      b'["p2","u1","-2.5",3,null]{}')


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(min_size=1), st.tuples(
    st.one_of(st.none(), st.text()), st.integers(-10**8, 10**8), st.integers(1, 10**4),
    st.lists(st.dictionaries(st.sampled_from(["item", "name", "effect"]), st.text(), max_size=2), max_size=2),
    st.one_of(st.none(), st.text()), st.one_of(st.none(), st.integers(1, 10**6)), st.lists(st.text(), max_size=2),
    st.dictionaries(st.text(), st.integers(-10**9, 10**9), max_size=2)), max_size=8), st.integers(1, 3))
def test_rows_graded_from_their_heads_are_the_rows_made_whole(people: dict[str, Any], size: int) -> None:
    """A part's rows made without their grades (``heads``, on the worker that computed it), the
    grades put in when everyone is graded: the bytes and COPY lines of the rows made whole, whatever
    the ids, units, grades and limits hold (tabs, backslashes, quotes, any character)."""
    compacts = {pid: {"unit": unit, "marks": marks} for pid, (unit, *_, marks) in people.items()}
    blob, spans = inputs_spans(compacts)
    scored = [(pid, num, den, Limits(None, False, (), tuple(listed)), []) for pid, (_, num, den, listed, *_)
              in people.items()]
    grades = [(grade, rank, reasons) for grade, rank, reasons in (v[4:7] for v in people.values())]
    made, cuts = bytearray(), array("q")
    for (pid, num, den, limits, _), (unit, *_) in zip(scored, people.values(), strict=True):
        for piece in heads(pid, unit, num, den, limits.listed):
            made += piece
            cuts.append(len(made))
    view = memoryview(blob)
    raw = {pid: view[a:b] for pid, (a, b) in zip(compacts, spans, strict=True)}
    whole = list(row_batches(quarter_rows(compacts, scored, grades, raw), CLOSE, size))
    assert list(graded_batches(bytes(made), cuts, blob, spans, grades, CLOSE, size)) == whole
