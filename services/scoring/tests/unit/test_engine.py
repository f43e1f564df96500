"""The close's integer engine against the reference composition, and the rules' properties:
scores do not depend on input order, raising one mark never lowers that person's score, grade
shares never exceed their caps."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import definitions
from scoring.definitions import SchemeDefinition, compile_rules
from scoring.domain.grades import GradeCap, GradeRule
from scoring.results.compute import NO_LIMITS, compose_person, compute, grade_all, mean_task_load, unit_means_of
from scoring.results.digests import input_digest
from scoring.results.engine import (
    SUMMARY_FIELDS,
    Compact,
    compile_engine,
    engine_means,
    mean_load_of,
    summary_fields,
    summary_metrics,
    to_reference,
    total,
    unit_means_of_compacts,
)
from scoring.results.quarter import quarter_results, quarter_rows
from scoring.results.ranking import grade_people
from shared.numbers import decimal_str

METRICS = ("weekly_on_time_rate", "attendance_rate", "task_completion", "task_load")


def split(draw: Any, parts: int) -> list[Decimal]:
    """``parts`` shares in hundredths adding up to exactly 1."""
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=parts - 1, max_size=parts - 1)))
    bounds = [0, *cuts, 100]
    return [Decimal(bounds[i + 1] - bounds[i]) / 100 for i in range(parts)]


@st.composite
def schemes(draw: Any, plain: bool = False) -> dict[str, Any]:
    """Schemes of every kind; ``plain``: no reverse indicator, and a missing leaf scores 0 (so that
    raising a mark never lowers a score)."""
    leaves = []
    count = draw(st.integers(1, 4))
    policies = ["zero", "refuse"] if plain else ["zero", "refuse", "renormalise", "unit_mean"]
    for index, weight in enumerate(split(draw, count)):
        leaf: dict[str, Any] = {"code": f"i{index}", "name": f"指标{index}", "weight": str(weight),
                                "missing": draw(st.sampled_from(policies)),
                                "direction": "higher" if plain else draw(st.sampled_from(["higher", "lower"]))}
        kind = draw(st.sampled_from(["manual", "linear", "steps"]))
        if kind != "manual":
            leaf["metric"] = draw(st.sampled_from(METRICS))
            if kind == "linear":
                leaf["mapping"] = {"kind": "linear", "factor": str(draw(st.sampled_from(["1", "0.5", "1.25", "3"])))}
            else:
                leaf["mapping"] = {"kind": "steps", "steps": [["50", "60"], ["80", "85"], ["95", "100"]]}
        leaves.append(leaf)
    if count == 3 and draw(st.booleans()):  # exact thirds
        for leaf in leaves:
            leaf["weight"] = "1/3"
    indicators = leaves
    if count > 1 and draw(st.booleans()):  # one more level: the first leaf under one parent, the rest under another
        rest = [{**leaf, "weight": str(w)} for leaf, w in zip(leaves[1:], split(draw, count - 1), strict=True)]
        top = split(draw, 2)
        indicators = [{"code": "p1", "name": "一", "weight": str(top[0]), "children": [{**leaves[0], "weight": "1"}]},
                      {"code": "p2", "name": "二", "weight": str(top[1]), "children": rest}]
    groups = ["leadership", "middle", "staff", "non_staff"][:draw(st.integers(1, 4))]
    definition: dict[str, Any] = {
        "indicators": indicators,
        "raters": {"share": draw(st.sampled_from(["0", "0.1", "0.2", "0.35", "1/3"])),
                   "groups": dict(zip(groups, ["1/3"] * 3 if len(groups) == 3 and draw(st.booleans())
                                      else map(str, split(draw, len(groups))), strict=True)),
                   "missing": draw(st.sampled_from(["renormalise", "zero"]))},
        "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"},
                                  "safety": {"name": "安全", "direction": "deduction", "max_points": "5"}},
                        "bonus_total": "4", "deduction_total": "6",
                        "over_cap": draw(st.sampled_from(["refuse", "cut"]))},
        "base": draw(st.sampled_from([{"kind": "flat"}, {"kind": "task_load", "floor": "0.8", "ceiling": "1.2"},
                                      {"kind": "section", "coefficients": {"s1": "1.1", "s2": "0.9"}},
                                      {"kind": "section", "default": "0.95"}])),
        "negative_items": {"discipline": {"name": "纪律", "effect": "cap", "grade": "average"},
                           "bribe": {"name": "受贿", "effect": "veto"},
                           "probe": {"name": "立案调查", "effect": "exclude"}},
        "grades": {"caps": [{"grade": "good", "max_share": draw(st.sampled_from(["0.2", "0.4", "0.5"]))}],
                   "default": "fairly_good", "tie_at_cap": draw(st.sampled_from(["exclude", "include"])),
                   "rounding": draw(st.sampled_from(["floor", "half_up", "ceiling"])),
                   "tie_keys": draw(st.sampled_from([[], ["weekly_on_time_rate"],
                                                     ["attendance_rate", "task_completion"]])),
                   "compare_within": draw(st.sampled_from([[], [], ["post"], ["unit", "post"], ["section"]]))},
        "thresholds": [{"grade": "poor", "below": "60"}],
    }
    return definition


@st.composite
def people(draw: Any, size: int = 8, narrow: bool = False) -> dict[str, Compact]:
    """Up to ``size`` people; ``narrow``: marks and rates from a few values, so that scores and
    tie-break values are often exactly equal."""
    value = st.sampled_from([0, 5_000, 8_000, 10_000]) if narrow else st.integers(0, 10_000)
    out = {}
    for i in range(draw(st.integers(1, size))):
        metrics: dict[str, list[int]] = {}
        for name in METRICS:
            if draw(st.booleans()):
                metrics[name] = ([draw(st.sampled_from([0, 50, 100])), draw(st.sampled_from([1, 2, 4]))] if narrow
                                 else [draw(st.integers(0, 10_000)), draw(st.integers(1, 120))])
        if draw(st.booleans()):  # the coefficient stored on the person's section (科室系数), from the records
            metrics["section_coefficient"] = [draw(st.sampled_from([1, 5, 6, 9, 1250])),
                                              draw(st.sampled_from([1, 4, 5]))]
        ratings = {}
        for group in ("leadership", "middle", "staff", "non_staff", "elsewhere"):
            raters = draw(st.integers(0, 2 if narrow else 5))
            if raters:
                ratings[group] = [sum(draw(value) for _ in range(raters)), raters]
        adjustments = [[draw(st.sampled_from(["honour", "safety"])), draw(st.integers(1, 400)), "证明", "党委"]
                       for _ in range(draw(st.integers(0, 3)))]
        adjustments = [[item, h if item == "honour" else -h, e, a] for item, h, e, a in adjustments]
        out[f"p{i:03d}"] = {"unit": draw(st.sampled_from(["u", "v"])),
                            "section": draw(st.sampled_from([None, "s1", "s2", "s3"])),
                            "post": draw(st.sampled_from([None, "科员", "科长"])),
                            "metrics": metrics,
                            "marks": {f"i{k}": draw(value) for k in range(4) if draw(st.booleans())},
                            "ratings": ratings, "adjustments": [] if narrow else sorted(adjustments),
                            "negatives": [[draw(st.sampled_from(["discipline", "discipline", "bribe", "probe"])),
                                           "通报"]] if draw(st.integers(0, 9)) == 0 else []}
    return out


@settings(max_examples=300, deadline=None)
@given(schemes(), st.one_of(people(size=30), people(size=30, narrow=True)))
def test_the_close_grades_as_the_reference_does(definition: dict[str, Any], group: dict[str, Compact]) -> None:
    """The close's fast path (integer totals, integer-key ranking) gives every person the score,
    rank, grade and reasons of the reference (the domain functions, Fractions throughout)."""
    rules = compile_rules(SchemeDefinition.model_validate(definition))
    scored, grades, summary = quarter_results(group, rules)
    reference = {r.person_id: r for r in compute([to_reference(pid, c) for pid, c in group.items()], rules)}
    assert [pid for pid, *_ in scored] == sorted(reference)
    kept: dict[str, bytes] = {}
    input_digest({}, group, keep=kept)
    in_order = [grades[pid] for pid, *_ in scored]
    rows = list(quarter_rows(group, scored, in_order, kept))
    assert rows == list(quarter_rows(group, scored, in_order))  # the inputs' JSON spliced in: the same bytes
    for (pid, num, den, _, _), (person_id, unit_id, score, rank, grade, detail) in zip(scored, rows, strict=True):
        expected = reference[pid]
        reasons = grades[pid][2]
        assert (person_id, unit_id, Fraction(num, den), rank, grade, reasons) == (
            pid, group[pid]["unit"], expected.score, expected.rank, expected.grade, expected.detail["grade"]["reasons"])
        assert score == decimal_str(expected.score) == expected.detail["total"]
        # What is stored: canonical JSON of the detail (keys sorted), as the reference would write it.
        stored = {"grade": {"grade": grade, "rank": rank, "reasons": reasons}, "inputs": group[pid],
                  "limits": expected.detail["limits"], "total": expected.detail["total"]}
        assert detail == orjson.dumps(stored, option=orjson.OPT_SORT_KEYS)
    if not rules.compare_within and reference:
        assert summary["slots"] == expected.detail["grade"]["slots"]
        assert summary["graded"] == expected.detail["grade"]["of"]
    if rules.compare_within:  # each group graded on its own: its size and slots as the reference's
        groups = {orjson.dumps(entry["group"]): entry for entry in summary["groups"]}
        for result in reference.values():
            entry = groups[orjson.dumps(result.detail["grade"]["group"])]
            assert (entry["graded"], entry["slots"]) == (result.detail["grade"]["of"], result.detail["grade"]["slots"])
        assert summary["graded"] == sum(entry["graded"] for entry in groups.values())


@settings(max_examples=300, deadline=None)
@given(schemes(), people())
def test_the_engine_gives_the_reference_totals(definition: dict[str, Any], group: dict[str, Compact]) -> None:
    rules = compile_rules(SchemeDefinition.model_validate(definition))
    engine = compile_engine(rules)
    mean = mean_load_of(list(group.values()))
    assert mean == mean_task_load([to_reference(pid, c) for pid, c in group.items()])
    means = unit_means_of_compacts(group.values(), rules)
    assert means == unit_means_of([(p.unit_id, p.marks, p.metrics)
                                   for p in (to_reference(pid, c) for pid, c in group.items())], rules)
    for pid, inputs in group.items():
        reference = compose_person(to_reference(pid, inputs), rules, mean, means)
        assert total(inputs, engine, mean, engine_means(means)) == reference.total
        assert reference.detail["total"] == decimal_str(reference.total)


@settings(max_examples=100, deadline=None)
@given(schemes(), people(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter(definition: dict[str, Any], group: dict[str, Compact],
                                     rnd: random.Random) -> None:
    rules = compile_rules(SchemeDefinition.model_validate(definition))
    items = list(group.items())
    rnd.shuffle(items)
    scored, grades, summary = quarter_results(group, rules)
    first = list(quarter_rows(group, scored, [grades[pid] for pid, *_ in scored]))
    scored, grades, summary_again = quarter_results(dict(items), rules)
    assert list(quarter_rows(dict(items), scored, [grades[pid] for pid, *_ in scored])) == first
    assert summary == summary_again


@settings(max_examples=150, deadline=None)
@given(schemes(plain=True), people(), st.data())
def test_raising_a_mark_never_lowers_the_score(definition: dict[str, Any], group: dict[str, Compact],
                                               data: st.DataObject) -> None:
    rules = compile_rules(SchemeDefinition.model_validate(definition))
    engine = compile_engine(rules)
    pid = data.draw(st.sampled_from(sorted(group)))
    person = group[pid]
    mean = mean_load_of(list(group.values()))
    before = total(person, engine, mean)
    code = data.draw(st.sampled_from(["i0", "i1", "i2", "i3"]))
    raised = {**person, "marks": {**person["marks"], code: min(10_000, person["marks"].get(code, 0) +
                                                                  data.draw(st.integers(0, 2_000)))}}
    assert total(raised, engine, mean) >= before
    if person["ratings"]:
        group_name = data.draw(st.sampled_from(sorted(person["ratings"])))
        marks, raters = person["ratings"][group_name]
        better = {**person, "ratings": {**person["ratings"],
                                        group_name: [min(10_000 * raters, marks + data.draw(st.integers(0, 500))),
                                                     raters]}}
        assert total(better, engine, mean) >= before


@settings(max_examples=150, deadline=None)
@given(schemes(), people(size=30))
def test_grade_shares_never_exceed_their_caps(definition: dict[str, Any], group: dict[str, Compact]) -> None:
    rules = compile_rules(SchemeDefinition.model_validate(definition))
    scored, grades, summary = quarter_results(group, rules)
    share = Fraction(rules.rule.caps[0].max_share)
    rounded = {"floor": math.floor, "ceiling": math.ceil, "half_up": lambda x: math.floor(x + Fraction(1, 2))}
    # Compared within groups, each group's share is its own; else one group, the whole scheme.
    for entry in summary.get("groups") or [{"group": None, "graded": summary["graded"], "slots": summary["slots"],
                                             "grades": summary["grades"]}]:
        good = entry["grades"]["good"]
        cap = entry["slots"]["good"]
        exact = share * entry["graded"]  # the cap is the share of those graded, rounded as the scheme says
        assert cap == rounded[rules.rule.rounding](exact)
        if rules.rule.rounding == "floor":
            assert cap <= share * len(scored)
        if rules.rule.tie_at_cap == "exclude":
            assert good <= cap
        else:  # a tie at the cap lets all the tied in, and says so
            assert good <= cap or any("tie_at_cap=include" in " ".join(reasons) for _, _, reasons in grades.values())
    assert sum(1 for grade, _, _ in grades.values() if grade == "good") == summary["grades"]["good"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([10**7, 10**7 + 1, 3 * 10**9, 1]), st.integers(1, 3),
                          st.sampled_from([[0, 1], [1, 3], [2, 6], [10**20, 7]])), min_size=1, max_size=25),
       st.sampled_from(["exclude", "include"]))
def test_grading_beyond_int64_floors_is_the_reference(values: list[tuple[int, int, list[int]]],
                                                       tie_at_cap: str) -> None:
    """Scores or tie values whose 12-place floors do not fit in int64 take the plain sort, with the
    same answers as the reference grading."""
    rule = GradeRule(order=("good", "fairly_good", "average", "poor"), caps=(GradeCap("good", Fraction(2, 5)),),
                     default="fairly_good", tie_at_cap=tie_at_cap, tie_keys=("weekly_on_time_rate",))
    scored = [(f"p{i:03d}", num, den, NO_LIMITS, [tie]) for i, (num, den, tie) in enumerate(values)]
    fast = grade_people(scored, rule)
    rules = SimpleNamespace(rule=rule)
    reference = grade_all([(pid, Fraction(num, den), limits, {"weekly_on_time_rate": Fraction(*tie)})
                           for pid, num, den, limits, (tie,) in scored], rules)  # type: ignore[arg-type]
    assert fast == reference


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({
    "weeks_due": st.integers(0, 14), "weeks_on_time": st.integers(0, 14), "weeks_submitted": st.integers(0, 14),
    "months_due": st.integers(0, 4), "monthly_reports": st.integers(0, 4), "reports_on_time": st.integers(0, 4),
    "attendance": st.dictionaries(st.sampled_from(["present", "business_trip", "sick_leave", "absent"]),
                                  st.integers(1, 60)),
    "task_completion": st.one_of(st.none(), st.decimals(0, 100, places=2).map(str)),
    "mean_leader_mark": st.one_of(st.none(), st.decimals(0, 100, places=2).map(str)),
    "task_load": st.decimals(0, 10_000, places=4).map(str), "leave_days_in_year": st.integers(0, 300)}),
    st.sets(st.sampled_from(sorted(SUMMARY_FIELDS)), min_size=1))
def test_the_summary_fields_asked_for_make_the_metrics(person: dict[str, Any], metrics: set[str]) -> None:
    """A close asks records only for the fields its metrics are made from: they make the same metrics."""
    assert set(definitions.METRICS) <= set(SUMMARY_FIELDS)
    lean = {k: v for k, v in person.items() if k in summary_fields(metrics)}
    assert summary_metrics(lean, sorted(metrics)) == summary_metrics(person, sorted(metrics))
