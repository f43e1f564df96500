"""A quarter's results from its compact inputs (pure): each person's exact total and limits, the
grades of everyone, the stored rows; and the refusal of a close for missing inputs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from fractions import Fraction
from itertools import pairwise
from operator import itemgetter
from typing import Any

import orjson

from scoring.definitions import Rules
from scoring.errors import InputsMissing
from scoring.models import Scheme
from scoring.results import groups as grouping
from scoring.results.compute import NO_LIMITS, limits_of
from scoring.results.digests import Json
from scoring.results.engine import (
    Compact,
    EngineMeans,
    Missing,
    compile_engine,
    engine_means,
    mean_load_of,
    means_to_json,
    missing_finder,
    totaller,
    unit_means_of_compacts,
)
from scoring.results.ranking import Grade, Graded, Scored, grades_within
from scoring.results.rows import Row
from shared.numbers import decimal_str, ratio_str
from shared.periods import Period


def quarter_results(people: dict[str, Compact], rules: Rules) -> tuple[list[Scored], Graded, dict[str, Any]]:
    """Every person's exact total (the integer engine) and limits, in person order; their grades;
    the close's summary."""
    mean_load = mean_load_of(list(people.values())) if rules.base.kind == "task_load" else Fraction(0)
    means = unit_means_of_compacts(people.values(), rules)
    items = people
    if any(a >= b for a, b in pairwise(people)):  # a close's come in person order
        items = dict(sorted(people.items()))
    scored = score_people(items, rules, mean_load, engine_means(means))
    grades, summary = grade_scored(scored, rules, mean_load, means,
                                   grouping.keys_of_inputs(items, rules.compare_within))
    return scored, {s[0]: g for s, g in zip(scored, grades, strict=True)}, summary


#: Who a close cannot grade yet: each person, their unit and the leaves they lack (see ``missing_finder``).
Blocked = list[tuple[str, str | None, list[Missing]]]


def score_people(people: dict[str, Compact], rules: Rules, mean_load: Fraction, means: EngineMeans | None = None,
                 blocked: Blocked | None = None) -> list[Scored]:
    """Each person's exact total (the integer engine), limits and tie-break values, in the order
    given; those who lack an input their scheme will not score without are put in ``blocked``."""
    tie_keys = rules.rule.tie_keys
    thresholds = [(below.numerator, below.denominator) for _, below in rules.thresholds]
    no_tie = (0, 1)
    scored: list[Scored] = []
    append = scored.append
    total = totaller(compile_engine(rules), mean_load, means)
    find = missing_finder(rules, means) if blocked is not None else None
    for pid, inputs in people.items():
        if find is not None:
            lacking = find(inputs)
            if lacking:
                assert blocked is not None
                blocked.append((pid, inputs["unit"], lacking))
        num, den = total(inputs)
        negatives = inputs["negatives"]
        limited = bool(negatives)
        if not limited:
            for n, d in thresholds:
                if num * d < n * den:
                    limited = True
                    break
        limits = limits_of([(i, n) for i, n in negatives], Fraction(num, den), rules) if limited else NO_LIMITS
        metrics = inputs["metrics"]
        append((pid, num, den, limits, [metrics.get(k, no_tie) for k in tie_keys]))
    return scored


def grade_scored(scored: list[Scored], rules: Rules, mean_load: Fraction,
                 means: dict[str, dict[str, tuple[Fraction, int]]] | None = None,
                 groups: dict[str, grouping.GroupKey] | None = None) -> tuple[list[Grade], dict[str, Any]]:
    """Everyone's grade in the order of ``scored`` (person order), and the close's summary (with
    the unit means a unit_mean leaf was scored by, if any; and the groups, if the scheme compares
    people within groups: ``groups`` gives each one's)."""
    within = rules.compare_within
    grades, slots, graded, by_group = grades_within(scored, rules.rule, within, groups or {})
    given = Counter(map(itemgetter(0), grades))
    counts: dict[str, int] = {g: given.pop(g, 0) for g in rules.rule.order}
    counts.update((grade or "not_graded", n) for grade, n in given.items())  # None: not graded
    summary = {"grades": counts, "graded": graded, "slots": slots, "mean_task_load": str(mean_load),
               "rule": {"caps": {c.grade: decimal_str(c.max_share) for c in rules.rule.caps},
                        "rounding": rules.rule.rounding, "tie_at_cap": rules.rule.tie_at_cap}}
    if means:
        summary["unit_means"] = means_to_json(means)
    if by_group is not None:
        summary.update(compare_within=list(within), groups=by_group)
    return grades, summary


def quarter_rows(people: dict[str, Compact], scored: Iterable[Scored], grades: Iterable[Grade],
                 inputs_json: dict[str, Json] | None = None) -> Iterator[Row]:
    """The stored rows, one by one as the COPY takes them (``grades`` in the order of ``scored``).
    The detail is canonical JSON (keys
    sorted: grade, inputs, limits, total), written here piece by piece: the inputs' canonical JSON
    from the input digest (``inputs_json``) spliced in rather than written again."""
    dumps, sort = orjson.dumps, orjson.OPT_SORT_KEYS
    for (pid, num, den, limits, _), (grade, rank, reasons) in zip(scored, grades, strict=True):
        total = ratio_str(num, den)
        inputs = people[pid]
        raw = dumps(inputs, option=sort) if inputs_json is None else inputs_json[pid]
        detail = b"".join((b'{"grade":', dumps({"grade": grade, "rank": rank, "reasons": reasons}),
                           b',"inputs":', raw, b',"limits":',
                           dumps(limits.listed, option=sort) if limits.listed else b"[]",
                           b',"total":"', total.encode(), b'"}'))
        yield pid, inputs["unit"], total, rank, grade, detail


#: How many of the people and leaves missing a refused close lists (the readiness lists them all).
MISSING_LISTED = 1000


def inputs_missing(scheme: Scheme, period: Period, blocked: Blocked) -> InputsMissing:
    """The 409 of a close refused for missing inputs: every person and leaf missing (the first
    ``MISSING_LISTED`` of them, and how many in all), and where to find them all."""
    rows = [{"person_id": pid, "unit_id": unit, **entry} for pid, unit, lacking in blocked for entry in lacking]
    where = f"/api/v1/scoring/schemes/{scheme.id}/periods/{period.code}/readiness"
    return InputsMissing(
        f"{len(blocked)} {'person lacks' if len(blocked) == 1 else 'people lack'} an input the scheme does not "
        f"score without ({len(rows)} in all): mark them, or set the indicator's missing-input policy; "
        f"see {where}", extra={"missing": rows[:MISSING_LISTED], "missing_total": len(rows),
                               "people_missing": len(blocked), "readiness": where})
