"""Reverse indicators (反向指标) and the missing-input policies as pure rules."""

from __future__ import annotations

from fractions import Fraction as F
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.definitions import SchemeDefinition, compile_rules
from scoring.domain.indicators import MetricMapping
from scoring.results.engine import compile_engine, missing_finder, total

LEAVE = MetricMapping("steps", steps=((F(0), F(100)), (F(5), F(80)), (F(15), F(60))))


def test_reverse_steps_score_the_lowest_threshold_not_passed() -> None:
    # Leave days: none 100, up to 5 days 80, up to 15 days 60, more nothing.
    assert [LEAVE.score(F(v), lower=True) for v in (0, 3, 5, 10, 15, 16)] == [100, 80, 80, 60, 60, 0]
    assert [LEAVE.score(F(v)) for v in (0, 3, 5, 16)] == [100, 100, 80, 60]


def test_reverse_linear_counts_down_from_100() -> None:
    double = MetricMapping("linear", factor=F(2))
    assert [double.score(F(v), lower=True) for v in (0, 10, F(25, 2), 50, 70)] == [100, 80, 75, 0, 0]


def scheme(policy: str) -> Any:
    return compile_rules(SchemeDefinition.model_validate({"missing_inputs": policy, "indicators": [
        {"code": "a", "name": "A", "weight": "0.5"}, {"code": "b", "name": "B", "weight": "0.3"},
        {"code": "c", "name": "C", "weight": "0.2", "metric": "attendance_rate", "mapping": {"kind": "linear"}}]}))


def compact(marks: dict[str, int], attendance: list[int] | None) -> dict[str, Any]:
    return {"unit": "u", "section": None, "marks": marks, "ratings": {}, "adjustments": [], "negatives": [],
            "metrics": {} if attendance is None else {"attendance_rate": attendance}}


people = st.tuples(st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 10_000)),
                   st.one_of(st.none(), st.tuples(st.integers(0, 10_000), st.integers(1, 100)).map(list)))


@settings(max_examples=200, deadline=None)
@given(people)
def test_renormalise_is_the_weighted_mean_of_what_has_a_value(person: tuple[dict[str, int], list[int] | None]) -> None:
    marks, attendance = person
    rules = scheme("renormalise")
    scores = {code: F(mark, 100) for code, mark in marks.items()}
    if attendance is not None:
        scores["c"] = min(F(100), F(attendance[0], attendance[1]))  # the rate itself, linear × 1
    weights = {"a": F(1, 2), "b": F(3, 10), "c": F(1, 5)}
    present = sum((weights[c] for c in scores), F(0))
    expected = sum((weights[c] * s for c, s in scores.items()), F(0)) / present if present else F(0)
    assert total(compact(marks, attendance), compile_engine(rules), F(0)) == expected
    finder = missing_finder(rules, None)
    assert finder is not None
    blocked = finder(compact(marks, attendance))
    assert bool(blocked) == (not scores)  # held back only when nothing is left to share the weight over


@settings(max_examples=200, deadline=None)
@given(people)
def test_refuse_names_exactly_what_is_missing(person: tuple[dict[str, int], list[int] | None]) -> None:
    marks, attendance = person
    finder = missing_finder(scheme("refuse"), None)
    assert finder is not None
    named = {m["indicator"] for m in finder(compact(marks, attendance))}
    assert named == {"a", "b"} - set(marks) | (set() if attendance is not None else {"c"})
    assert missing_finder(scheme("zero"), None) is None  # nothing to look for: a close checks nothing
