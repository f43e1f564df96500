"""A scheme's definition translated into the domain's rules, every rule checked on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from scoring.definitions.indicators import METRICS, IndicatorIn
from scoring.definitions.schema import (
    AdjustmentsIn,
    AnnualIn,
    BaseIn,
    DeadlinesIn,
    ItemIn,
    NegativeItemIn,
    RatersIn,
    RuleIn,
    SchemeDefinition,
)
from scoring.domain import adjustments as adjusting
from scoring.domain import grades as grading
from scoring.domain import indicators as tree
from scoring.domain import raters as rating
from scoring.domain import year as years
from scoring.errors import SchemeInvalid
from scoring.period_settings import BottomRuleIn, PeriodsIn
from scoring.period_settings import check as check_periods
from scoring.procedure.definition import StageIn, compile_procedure


@dataclass(frozen=True)
class Rules:
    """A scheme version compiled once into the domain's terms."""

    indicators: tuple[tree.Indicator, ...]
    leaves: tuple[tuple[tree.Indicator, str, Fraction], ...]
    base: BaseIn
    rater_weights: dict[str, Fraction]
    rater_share: Fraction
    rater_missing: str
    caps: adjusting.AdjustmentCaps
    items: dict[str, ItemIn]
    negative: dict[str, NegativeItemIn]
    rule: grading.GradeRule
    thresholds: tuple[tuple[str, Fraction], ...]
    mark_max: Fraction
    manual_leaves: frozenset[str]
    objection_days: int
    annual: AnnualIn
    min_raters_shown: int = 3
    open_ballots: bool = False
    reverse_leaves: frozenset[str] = frozenset()
    rater_settings: rating.RaterSettings = field(default_factory=rating.RaterSettings)
    deadlines: DeadlinesIn = field(default_factory=DeadlinesIn)
    honours: tuple[tuple[str, str, Decimal], ...] = ()  # (level, bonus item, points) of the ledger's honours
    procedure: tuple[StageIn, ...] | None = None
    periods: PeriodsIn = field(default_factory=PeriodsIn)
    bottom: BottomRuleIn | None = None
    compare_within: tuple[str, ...] = ()  # graded within groups sharing these (grades.compare_within)

    @property
    def unit_mean_leaves(self) -> tuple[tree.Indicator, ...]:
        return tuple(i for i, _, _ in self.leaves if i.missing == "unit_mean")


def to_tree(items: list[IndicatorIn], missing: str = "zero") -> tuple[tree.Indicator, ...]:
    """The domain's tree; a leaf without its own missing-input policy takes its nearest ancestor's,
    else ``missing`` (the scheme's)."""
    return tuple(tree.Indicator(
        code=i.code, name=i.name, weight=Fraction(i.weight), children=to_tree(i.children, i.missing or missing),
        metric=i.metric,
        mapping=None if i.mapping is None else tree.MetricMapping(
            kind=i.mapping.kind, steps=tuple((Fraction(a), Fraction(b)) for a, b in i.mapping.steps),
            factor=Fraction(i.mapping.factor)),
        direction=i.direction, missing=i.missing or missing)
        for i in items)


def to_rule(rule: RuleIn) -> grading.GradeRule:
    return grading.GradeRule(order=tuple(rule.order),
                             caps=tuple(grading.GradeCap(c.grade, Fraction(c.max_share)) for c in rule.caps),
                             default=rule.default, rounding=rule.rounding, tie_at_cap=rule.tie_at_cap,
                             tie_keys=tuple(rule.tie_keys))


def _invalid(message: str, field: str) -> SchemeInvalid:
    return SchemeInvalid(message, errors=[{"field": f"body.{field}", "message": message}])


def _check_metrics(items: list[IndicatorIn], path: str) -> None:
    for index, indicator in enumerate(items):
        if indicator.metric is not None and indicator.metric not in METRICS:
            raise _invalid(f"{indicator.code}: unknown metric {indicator.metric!r}; one of {', '.join(METRICS)}",
                           f"{path}.{index}.metric")
        _check_metrics(indicator.children, f"{path}.{index}.children")


def _check_honours(adjustments: AdjustmentsIn) -> None:
    """Each level of the honours table names a bonus item of the catalogue."""
    for level, honour in adjustments.honours.items():
        item = adjustments.items.get(honour.item)
        if item is None or item.direction != "bonus":
            raise _invalid(f"honours of level {level}: {honour.item!r} is not a bonus item of the catalogue",
                           f"adjustments.honours.{level}.item")


def compile_rules(definition: SchemeDefinition) -> Rules:
    """Every rule checked, naming the field that breaks it, before anything is stored."""
    indicators = to_tree(definition.indicators, definition.missing_inputs)
    try:
        tree.validate(indicators)
    except tree.SchemeError as exc:
        raise _invalid(str(exc), exc.field) from exc
    _check_metrics(definition.indicators, "indicators")
    # two fields compared: rules of the scheme (scheme_invalid), checked with the others after the objects named
    if definition.base.floor > definition.base.ceiling:
        raise _invalid("base.floor is above base.ceiling", "base.floor")
    if definition.annual.bonus_pool_min > definition.annual.bonus_pool_max:
        raise _invalid("annual.bonus_pool_min is above annual.bonus_pool_max", "annual.bonus_pool_min")
    rule = to_rule(definition.grades)
    try:
        grading.validate(rule)
    except grading.GradeRuleError as exc:
        raise _invalid(str(exc), f"grades.{exc.field}") from exc
    for key in rule.tie_keys:
        if key not in METRICS:
            raise _invalid(f"tie key {key!r} is not a records metric", "grades.tie_keys")
    within = definition.grades.compare_within
    for index, grouping in enumerate(within):
        if grouping in within[:index]:
            raise _invalid(f"{grouping!r} is named twice", f"grades.compare_within.{index}")
    known = set(rule.order)
    weights: dict[str, Fraction] = {}
    share = Fraction(0)
    missing = "renormalise"
    settings = rating.RaterSettings()
    if definition.raters is not None:
        weights = {g: Fraction(w) for g, w in definition.raters.groups.items()}
        try:
            rating.validate(weights)
        except rating.RaterRuleError as exc:
            raise _invalid(str(exc), f"raters.{exc.field}") from exc
        share, missing = Fraction(definition.raters.share), definition.raters.missing
        settings = rater_settings(definition.raters)
    for code, item in definition.negative_items.items():
        if item.effect == "cap" and item.grade not in known:
            raise _invalid(f"negative item {code}: a cap needs a grade of the rule ({', '.join(rule.order)})",
                           f"negative_items.{code}.grade")
    for index, threshold in enumerate(definition.thresholds):
        if threshold.grade not in known:
            raise _invalid(f"threshold grade {threshold.grade!r} is not a grade of the rule",
                           f"thresholds.{index}.grade")
    if definition.annual.failing_grade not in known:
        raise _invalid(f"failing grade {definition.annual.failing_grade!r} is not a grade of the rule",
                       "annual.failing_grade")
    try:
        years.validate_escalation(definition.annual.steps())
    except years.YearRuleError as exc:
        raise _invalid(str(exc), f"annual.{exc.field}") from exc
    broken = check_periods(definition.periods, definition.bottom_rule)
    if broken is not None:
        raise _invalid(*broken)
    adjustments = definition.adjustments
    _check_honours(adjustments)
    caps = adjusting.AdjustmentCaps(per_item={c: Fraction(i.max_points) for c, i in adjustments.items.items()},
                                    bonus_total=Fraction(adjustments.bonus_total),
                                    deduction_total=Fraction(adjustments.deduction_total),
                                    over_cap=adjustments.over_cap)
    leaves = tuple(tree.leaves(indicators))
    return Rules(indicators=indicators, leaves=leaves, base=definition.base, rater_weights=weights,
                 rater_share=share, rater_missing=missing, caps=caps, items=dict(adjustments.items),
                 negative=dict(definition.negative_items), rule=rule,
                 thresholds=tuple((t.grade, Fraction(t.below)) for t in definition.thresholds),
                 mark_max=Fraction(definition.mark_max),
                 manual_leaves=frozenset(i.code for i, _, _ in leaves if i.metric is None),
                 objection_days=definition.objection_days, annual=definition.annual,
                 min_raters_shown=definition.min_raters_shown, open_ballots=definition.open_ballots,
                 reverse_leaves=frozenset(i.code for i, _, _ in leaves if i.direction == "lower"),
                 rater_settings=settings, deadlines=definition.deadlines,
                 honours=tuple((level, h.item, h.points) for level, h in sorted(adjustments.honours.items())),
                 procedure=compile_procedure(definition.procedure),
                 periods=definition.periods, bottom=definition.bottom_rule,
                 compare_within=tuple(within))


def rater_settings(raters: RatersIn) -> rating.RaterSettings:
    """The trimmed groups, dimensions and outside groups of a valid ``raters`` block, checked: each
    group named is one of ``groups``; dimension weights add up to exactly 1."""
    for setting in ("trim", "outside"):
        named: list[str] = getattr(raters, setting)
        for index, group in enumerate(named):
            if group not in raters.groups:
                raise _invalid(f"{group!r} is not a rater group ({', '.join(raters.groups)})",
                               f"raters.{setting}.{index}")
            if group in named[:index]:
                raise _invalid(f"{group!r} is named twice", f"raters.{setting}.{index}")
    dimensions = tuple(rating.Dimension(code, d.name, Fraction(d.weight))
                       for code, d in (raters.dimensions or {}).items())
    if dimensions:
        try:
            rating.validate_dimensions(dimensions)
        except rating.RaterRuleError as exc:
            raise _invalid(str(exc), f"raters.{exc.field}") from exc
    return rating.RaterSettings(trim=frozenset(raters.trim), dimensions=dimensions,
                                outside=frozenset(raters.outside))
