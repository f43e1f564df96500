"""The close's hot path: a province of people scored in integer arithmetic.

Each person's inputs are kept in a compact, JSON-ready form (integers only: marks and rating sums
in hundredths of a point, metrics as numerator/denominator pairs), stored with the result so the
explanation can be recomputed from exactly what the close saw. The totals follow the same rules
as ``compute.compose_person`` (the reference), as exact rationals without ``Fraction`` until the
end; property tests hold the two equal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from scoring.definitions import Rules
from scoring.domain import adjustments as adjusting
from scoring.domain import indicators as tree
from scoring.results.compute import AdjustmentInput, PersonInputs

Compact = dict[str, Any]
MANUAL, LINEAR, STEPS = 0, 1, 2


def _ratio(text: object) -> list[int]:
    value = Fraction(str(text))
    return [value.numerator, value.denominator]


def _rate(part: str, whole: str, *, capped: bool) -> Callable[[Mapping[str, Any]], list[int] | None]:
    def rate(person: Mapping[str, Any]) -> list[int] | None:
        due = person[whole]
        if not due:
            return None
        return [100 * (min(person[part], due) if capped else person[part]), due]
    return rate


def _attendance_rate(person: Mapping[str, Any]) -> list[int] | None:
    days = person.get("attendance") or {}
    recorded = sum(days.values())
    return [100 * (days.get("present", 0) + days.get("business_trip", 0)), recorded] if recorded else None


def _decimal(name: str) -> Callable[[Mapping[str, Any]], list[int] | None]:
    def read(person: Mapping[str, Any]) -> list[int] | None:
        value = person.get(name)
        return None if value is None else _ratio(value)
    return read


#: How each metric is read from one person of the records summary, as [numerator, denominator];
#: None: a rate with nothing to rate (no weeks due, no days recorded), left out.
READERS: dict[str, Callable[[Mapping[str, Any]], list[int] | None]] = {
    "weekly_on_time_rate": _rate("weeks_on_time", "weeks_due", capped=False),
    "weekly_submitted_rate": _rate("weeks_submitted", "weeks_due", capped=True),
    "monthly_report_rate": _rate("monthly_reports", "months_due", capped=True),
    "attendance_rate": _attendance_rate,
    "task_completion": _decimal("task_completion"),
    "mean_leader_mark": _decimal("mean_leader_mark"),
    "task_load": lambda person: _ratio(person.get("task_load") or 0),
    "leave_days_in_year": lambda person: [int(person.get("leave_days_in_year") or 0), 1],
    # not a leaf's metric (definitions.METRICS): the coefficient on the person's section, for base.kind=section
    "section_coefficient": _decimal("section_coefficient"),
}


def metrics_reader(wanted: Iterable[str]) -> Callable[[Mapping[str, Any]], dict[str, list[int]]]:
    """The metrics a scheme reads, as one function of a person of the records summary."""
    readers = tuple((name, READERS[name]) for name in wanted)

    def read(person: Mapping[str, Any]) -> dict[str, list[int]]:
        out = {}
        for name, reader in readers:
            value = reader(person)
            if value is not None:
                out[name] = value
        return out
    return read


def summary_metrics(person: Mapping[str, Any], wanted: Iterable[str]) -> dict[str, list[int]]:
    """The metrics a scheme reads, from one person of the records summary."""
    return metrics_reader(wanted)(person)


#: The fields of the records summary each metric is made from.
SUMMARY_FIELDS = {
    "weekly_on_time_rate": ("weeks_due", "weeks_on_time"),
    "weekly_submitted_rate": ("weeks_due", "weeks_submitted"),
    "monthly_report_rate": ("months_due", "monthly_reports"),
    "attendance_rate": ("attendance",),
    "task_completion": ("task_completion",),
    "mean_leader_mark": ("mean_leader_mark",),
    "task_load": ("task_load",),
    "leave_days_in_year": ("leave_days_in_year",),
    "section_coefficient": ("section_coefficient", "section_name"),  # the name for the explanation
}


def summary_fields(metrics: Iterable[str]) -> tuple[str, ...]:
    """What to ask the records summary for, to make these metrics."""
    return tuple(sorted({f for m in metrics for f in SUMMARY_FIELDS[m]}))


def wanted_metrics(rules: Rules, *, year: bool = False) -> tuple[str, ...]:
    names = {i.metric for i, _, _ in rules.leaves if i.metric is not None} | set(rules.rule.tie_keys)
    if rules.base.kind == "task_load":
        names.add("task_load")
    if rules.base.kind == "section":
        names.add("section_coefficient")
    if year:
        names.add("leave_days_in_year")
    return tuple(sorted(names))


def to_reference(person_id: str, c: Compact) -> PersonInputs:
    return PersonInputs(
        person_id=person_id, unit_id=c["unit"], section_id=c["section"], section_name=c.get("section_name"),
        metrics={k: Fraction(n, d) for k, (n, d) in c["metrics"].items()},
        marks={k: Fraction(h, 100) for k, h in c["marks"].items()},
        ratings={g: (Fraction(s, 100), n) for g, (s, n) in c["ratings"].items()},
        adjustments=[AdjustmentInput(i, Fraction(h, 100), e, a) for i, h, e, a in c["adjustments"]],
        negatives=[(i, n) for i, n in c["negatives"]])


@dataclass(frozen=True)
class Compiled:
    leaves: tuple[tuple[str, int, int, int, Any], ...]
    weights: tuple[tuple[str, int], ...]  # rater group → weight over the common denominator below
    weights_total: int
    renormalise: bool
    share: tuple[int, int]
    rules: Rules


def compile_engine(rules: Rules) -> Compiled:
    leaves: list[tuple[str, int, int, int, Any]] = []
    for indicator, _, weight in rules.leaves:
        if indicator.metric is None:
            leaves.append((indicator.code, weight.numerator, weight.denominator, MANUAL, None))
            continue
        mapping = indicator.mapping
        assert mapping is not None
        if mapping.kind == "linear":
            leaves.append((indicator.code, weight.numerator, weight.denominator, LINEAR,
                           (indicator.metric, mapping.factor.numerator, mapping.factor.denominator)))
        else:
            steps = tuple((t.numerator, t.denominator, s.numerator, s.denominator) for t, s in mapping.steps)
            leaves.append((indicator.code, weight.numerator, weight.denominator, STEPS, (indicator.metric, steps)))
    common = math.lcm(*(w.denominator for w in rules.rater_weights.values())) if rules.rater_weights else 1
    weights = tuple((g, w.numerator * (common // w.denominator)) for g, w in rules.rater_weights.items())
    return Compiled(tuple(leaves), weights, common, rules.rater_missing == "renormalise",
                    (rules.rater_share.numerator, rules.rater_share.denominator), rules)


def total(c: Compact, engine: Compiled, mean_load: Fraction) -> Fraction:
    """The person's exact total, by the rules of ``compose_person``."""
    return Fraction(*total_ratio(c, engine, mean_load))


def total_ratio(c: Compact, engine: Compiled, mean_load: Fraction) -> tuple[int, int]:
    """The person's exact total as a numerator and a positive denominator (not reduced)."""
    return totaller(engine, mean_load)(c)


def totaller(engine: Compiled, mean_load: Fraction) -> Callable[[Compact], tuple[int, int]]:
    """``total_ratio`` for one scheme as one function (a close calls it for everyone)."""
    leaves, weights, rules = engine.leaves, engine.weights, engine.rules
    scale = None if engine.renormalise else engine.weights_total
    share_n, share_d = engine.share
    flat = rules.base.kind == "flat"
    caps = rules.caps

    def total(c: Compact) -> tuple[int, int]:
        marks, metrics = c["marks"], c["metrics"]
        num, den = 0, 1
        for code, wn, wd, kind, param in leaves:
            if kind == MANUAL:
                mark = marks.get(code)
                if mark is None:
                    continue
                sn, sd = mark, 100
            else:
                value = metrics.get(param[0])
                if value is None:
                    continue
                p, q = value
                if kind == LINEAR:
                    sn, sd = p * param[1], q * param[2]
                    if sn <= 0:
                        continue
                    if sn >= 100 * sd:
                        sn, sd = 100, 1
                else:
                    sn = 0
                    for tn, td, scn, scd in param[1]:
                        if p * td >= tn * q:
                            sn, sd = scn, scd
                    if sn == 0:
                        continue
            num, den = num * wd * sd + wn * sn * den, den * wd * sd
        if weights:
            ratings = c["ratings"]
            en, ed, present = 0, 1, 0
            for group, weight in weights:
                found = ratings.get(group)
                if found is None or not found[1]:
                    continue
                total_marks, raters = found
                present += weight
                en, ed = en * 100 * raters + weight * total_marks * ed, ed * 100 * raters
            if present:
                by = present if scale is None else scale
                num, den = (num * (share_d - share_n) * ed * by + en * share_n * den, den * ed * by * share_d)
        if not flat:
            coefficient = _coefficient(c, rules, mean_load)
            num, den = num * coefficient.numerator, den * coefficient.denominator
        if c["adjustments"]:
            net = adjusting.apply([adjusting.Adjustment(i, Fraction(h, 100), e) for i, h, e, _ in c["adjustments"]],
                                  caps).net
            num, den = num * net.denominator + net.numerator * den, den * net.denominator
        return num, den
    return total


def _coefficient(c: Compact, rules: Rules, mean_load: Fraction) -> Fraction:
    base = rules.base
    if base.kind == "section":  # as compute.coefficient_of: the scheme's override, the section's own, the default
        section = c["section"]
        if section is None:
            return Fraction(base.default)
        if section in base.coefficients:
            return Fraction(base.coefficients[section])
        stored = c["metrics"].get("section_coefficient")
        return Fraction(*stored) if stored is not None else Fraction(base.default)
    load = c["metrics"].get("task_load")
    return tree.task_load_base(Fraction(*load) if load else Fraction(0), group_mean_load=mean_load,
                               floor=Fraction(base.floor), ceiling=Fraction(base.ceiling))


def mean_load_of(people: Sequence[Compact]) -> Fraction:
    if not people:
        return Fraction(0)
    loads = [p["metrics"].get("task_load") for p in people]
    return sum((Fraction(*v) for v in loads if v), Fraction(0)) / len(people)


def mean_load_of_summary(people: Sequence[Mapping[str, Any]]) -> Fraction:
    """``mean_load_of`` the people's compact inputs, from the records summary they are made of."""
    if not people:
        return Fraction(0)
    read = READERS["task_load"]
    return sum((Fraction(*read(p) or (0, 1)) for p in people), Fraction(0)) / len(people)
