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
from scoring.results.compute import AdjustmentInput, PersonInputs, unit_means_of

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
    "monthly_on_time_rate": _rate("reports_on_time", "months_due", capped=True),
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
    "monthly_on_time_rate": ("months_due", "reports_on_time"),
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
        post=c.get("post"), staff_category=c.get("staff_category"),
        metrics={k: Fraction(n, d) for k, (n, d) in c["metrics"].items()},
        marks={k: Fraction(h, 100) for k, h in c["marks"].items()},
        ratings={g: (Fraction(s, 100), n) for g, (s, n) in c["ratings"].items()},
        adjustments=[AdjustmentInput(i, Fraction(h, 100), e, a) for i, h, e, a in c["adjustments"]],
        negatives=[(i, n) for i, n in c["negatives"]])


#: What a leaf without a mark or value counts as in the totals (``refuse`` is held back before).
ZERO, RENORMALISE, UNIT_MEAN = 0, 1, 2
POLICY = {"refuse": ZERO, "zero": ZERO, "renormalise": RENORMALISE, "unit_mean": UNIT_MEAN}

#: unit → leaf code → its mean score in the unit, as numerator and denominator (see ``unit_means``).
EngineMeans = Mapping[str, Mapping[str, tuple[int, int]]]


@dataclass(frozen=True)
class Compiled:
    leaves: tuple[tuple[str, int, int, int, Any, int, bool], ...]  # code, weight, kind, param, policy, lower
    weights: tuple[tuple[str, int], ...]  # rater group → weight over the common denominator below
    weights_total: int
    renormalise: bool
    share: tuple[int, int]
    rules: Rules


def compile_engine(rules: Rules) -> Compiled:
    leaves: list[tuple[str, int, int, int, Any, int, bool]] = []
    for indicator, _, weight in rules.leaves:
        head = (indicator.code, weight.numerator, weight.denominator)
        tail = (POLICY[indicator.missing], indicator.direction == "lower")
        if indicator.metric is None:
            leaves.append((*head, MANUAL, (rules.mark_max.numerator, rules.mark_max.denominator), *tail))
            continue
        mapping = indicator.mapping
        assert mapping is not None
        if mapping.kind == "linear":
            leaves.append((*head, LINEAR, (indicator.metric, mapping.factor.numerator, mapping.factor.denominator),
                           *tail))
        else:
            steps = tuple((t.numerator, t.denominator, s.numerator, s.denominator) for t, s in mapping.steps)
            leaves.append((*head, STEPS, (indicator.metric, steps), *tail))
    common = math.lcm(*(w.denominator for w in rules.rater_weights.values())) if rules.rater_weights else 1
    weights = tuple((g, w.numerator * (common // w.denominator)) for g, w in rules.rater_weights.items())
    return Compiled(tuple(leaves), weights, common, rules.rater_missing == "renormalise",
                    (rules.rater_share.numerator, rules.rater_share.denominator), rules)


def engine_means(means: Mapping[str, Mapping[str, tuple[Fraction, int]]]) -> dict[str, dict[str, tuple[int, int]]]:
    return {unit: {code: (mean.numerator, mean.denominator) for code, (mean, _) in codes.items()}
            for unit, codes in means.items()}


def total(c: Compact, engine: Compiled, mean_load: Fraction, means: EngineMeans | None = None) -> Fraction:
    """The person's exact total, by the rules of ``compose_person``."""
    return Fraction(*total_ratio(c, engine, mean_load, means))


def total_ratio(c: Compact, engine: Compiled, mean_load: Fraction,
                means: EngineMeans | None = None) -> tuple[int, int]:
    """The person's exact total as a numerator and a positive denominator (not reduced)."""
    return totaller(engine, mean_load, means)(c)


def _leaf_score(kind: int, param: Any, lower: bool, p: int, q: int) -> tuple[int, int]:
    """A leaf's score from its mark (``p``/``q``) or its metric's value, as numerator and
    denominator; a numerator of 0 or less scores nothing."""
    if kind == MANUAL:
        if lower:  # counts down from the maximum mark
            return param[0] * q - p * param[1], q * param[1]
        return p, q
    if kind == LINEAR:
        sn, sd = p * param[1], q * param[2]
        if lower:
            sn = 100 * sd - sn
        if sn >= 100 * sd:
            return 100, 1
        return sn, sd
    if lower:
        for tn, td, scn, scd in param[1]:
            if p * td <= tn * q:
                return scn, scd
        return 0, 1
    sn, sd = 0, 1
    for tn, td, scn, scd in param[1]:
        if p * td >= tn * q:
            sn, sd = scn, scd
    return sn, sd


def totaller(engine: Compiled, mean_load: Fraction,
             means: EngineMeans | None = None) -> Callable[[Compact], tuple[int, int]]:
    """``total_ratio`` for one scheme as one function (a close calls it for everyone); ``means``:
    the unit means of the scheme's unit_mean leaves, if it has any."""
    leaves, weights, rules = engine.leaves, engine.weights, engine.rules
    scale = None if engine.renormalise else engine.weights_total
    share_n, share_d = engine.share
    flat = rules.base.kind == "flat"
    caps = rules.caps
    no_means: Mapping[str, tuple[int, int]] = {}

    def total(c: Compact) -> tuple[int, int]:
        marks, metrics = c["marks"], c["metrics"]
        num, den = 0, 1
        mn, md = 0, 1  # the weight of the leaves left out (renormalise), which the others share
        for code, wn, wd, kind, param, policy, lower in leaves:
            if kind == MANUAL:
                mark = marks.get(code)
                given = None if mark is None else (mark, 100)
            else:
                given = metrics.get(param[0])
            if given is not None:
                if kind == MANUAL and not lower:
                    sn, sd = given
                else:
                    sn, sd = _leaf_score(kind, param, lower, *given)
            elif policy == RENORMALISE:
                mn, md = mn * wd + wn * md, md * wd
                continue
            elif policy == UNIT_MEAN and means:
                found = means.get(c["unit"] or "", no_means).get(code)
                if found is None:
                    continue
                sn, sd = found
            else:
                continue
            if sn <= 0:
                continue
            num, den = num * wd * sd + wn * sn * den, den * wd * sd
        if mn:
            num, den = (num * md, den * (md - mn)) if md != mn else (0, 1)
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


#: A leaf a person has no mark or value for: its code, its path, the policy and whether it holds
#: the close back (and why).
Missing = dict[str, Any]


def missing_finder(rules: Rules, means: EngineMeans | None, *,
                   every: bool = False) -> Callable[[Compact], list[Missing]] | None:
    """What a person lacks, as one function of their compact inputs: by default only what holds
    the close back — a leaf under ``refuse``; under ``unit_mean``, one nobody in the person's unit
    has; under ``renormalise``, when no leaf is left to share the weight — and with ``every`` the
    leaves scored by a policy as well. None when nothing can be found (a close then checks nothing)."""
    checks = tuple((i.code, path, i.metric, i.missing, weight) for i, path, weight in rules.leaves
                   if every or i.missing != "zero")
    if not checks:
        return None
    sharing = tuple(path for _, path, _, policy, _ in checks if policy == "renormalise")
    no_means: Mapping[str, tuple[int, int]] = {}

    def find(c: Compact) -> list[Missing]:
        marks, metrics = c["marks"], c["metrics"]
        out: list[Missing] = []
        shared = Fraction(0)
        for code, path, metric, policy, weight in checks:
            if (marks.get(code) if metric is None else metrics.get(metric)) is not None:
                continue
            if policy == "renormalise":
                shared += weight
                if every:
                    out.append({"indicator": code, "path": path, "policy": policy, "blocks": False})
            elif policy == "unit_mean":
                known = code in (means.get(c["unit"] or "", no_means) if means else no_means)
                if every or not known:
                    out.append({"indicator": code, "path": path, "policy": policy, "blocks": not known,
                                **({} if known else {"why": "nobody in the unit has a mark or value for it"})})
            elif every or policy == "refuse":
                out.append({"indicator": code, "path": path, "policy": policy, "blocks": policy == "refuse"})
        if sharing and shared == 1:
            for entry in out:
                if entry["path"] in sharing:
                    entry.update(blocks=True, why="no indicator has a value to share its weight")
            if not every:
                out += [{"indicator": path.rsplit("/", 1)[-1], "path": path, "policy": "renormalise", "blocks": True,
                         "why": "no indicator has a value to share its weight"} for path in sharing]
        return out
    return find


def unit_means_of_compacts(people: Iterable[Compact], rules: Rules) -> dict[str, dict[str, tuple[Fraction, int]]]:
    """The unit means of the scheme's unit_mean leaves (see ``compute.unit_means_of``)."""
    if not rules.unit_mean_leaves:
        return {}
    return unit_means_of(((c["unit"], {k: Fraction(h, 100) for k, h in c["marks"].items()},
                           {k: Fraction(n, d) for k, (n, d) in c["metrics"].items()}) for c in people), rules)


def unit_means_of_summary(people: Sequence[Mapping[str, Any]], own: Mapping[str, Compact],
                          rules: Rules) -> dict[str, dict[str, tuple[Fraction, int]]]:
    """The same, from the records summary's people and this service's inputs, before the compact
    inputs are made (a large close makes them in two processes)."""
    leaves = rules.unit_mean_leaves
    if not leaves:
        return {}
    read = metrics_reader(sorted({i.metric for i in leaves if i.metric is not None}))
    return unit_means_of(((p["unit_id"],
                           {k: Fraction(h, 100) for k, h in (own.get(p["person_id"]) or {}).get("marks", {}).items()},
                           {k: Fraction(n, d) for k, (n, d) in read(p).items()}) for p in people), rules)


def means_to_json(means: Mapping[str, Mapping[str, tuple[Fraction, int]]]) -> dict[str, Any]:
    """Unit means as a close's summary keeps them (exact, so an explanation recomposes its total)."""
    return {unit: {code: {"mean": str(mean), "people": people} for code, (mean, people) in codes.items()}
            for unit, codes in means.items()}


def means_from_json(kept: Mapping[str, Any] | None) -> dict[str, dict[str, tuple[Fraction, int]]]:
    return {unit: {code: (Fraction(v["mean"]), int(v["people"])) for code, v in codes.items()}
            for unit, codes in (kept or {}).items()}
