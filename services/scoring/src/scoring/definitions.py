"""A scheme's definition as the API takes it, and its translation into the domain's rules.

One JSON document per scheme version: the indicator tree, the base score, the rater groups and
their share, the bonus and deduction catalogue with caps, the negative list, the grade rule and
the score thresholds below which a grade cannot be had.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scoring.domain import adjustments as adjusting
from scoring.domain import grades as grading
from scoring.domain import indicators as tree
from scoring.domain import raters as rating
from scoring.domain import year as years
from scoring.errors import SchemeInvalid
from scoring.period_settings import BottomRuleIn, PeriodsIn
from scoring.period_settings import check as check_periods
from scoring.procedure.definition import ProcedureIn, StageIn, compile_procedure
from scoring.shares import Share, parse_share

Points = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2, json_schema_extra={"multipleOf": 0.01})]

# What a derived leaf (or a tie-break) may read from the records summary, each 0-100 except task_load.
METRICS = {
    "weekly_on_time_rate": "weekly records submitted on time, % of the weeks due",
    "weekly_submitted_rate": "weekly records submitted, % of the weeks due",
    "monthly_report_rate": "monthly reports submitted, % of the months due",
    "monthly_on_time_rate": "monthly reports submitted by the scheme's deadlines.report_deadline_day, % of the "
                            "months due",
    "attendance_rate": "days present or on business trip, % of the days recorded",
    "task_completion": "weighted task completion, % (weights: quantity × intensity × difficulty)",
    "mean_leader_mark": "mean of the leaders' marks on the person's records, 0-100",
    "task_load": "sum of quantity × intensity × difficulty of the person's tasks due in the period",
    "leave_days_in_year": "days of sick and personal leave in the period's year",
}


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["steps", "linear"]
    steps: list[tuple[Decimal, Decimal]] = Field(default_factory=list, description="(threshold, score), ascending")
    factor: Decimal = Decimal(1)


#: What a leaf without a mark (or without a value of its metric) counts as: ``refuse`` — the close
#: is refused (409) naming every person and indicator missing; ``zero``; ``renormalise`` — the
#: leaf's weight is shared among the person's other indicators, in proportion to theirs;
#: ``unit_mean`` — the mean score of the leaf among the people of the person's unit who have one.
MissingPolicy = Literal["refuse", "zero", "renormalise", "unit_mean"]
MISSING_POLICIES: tuple[str, ...] = ("refuse", "zero", "renormalise", "unit_mean")

MAX_DEPTH = 8  # levels of an indicator tree (Chengbu's has 2; Xiacun's 3)


def tree_depth(items: list[IndicatorIn]) -> int:
    """Levels below and including ``items``, counted without recursion (a hostile tree is deep)."""
    depth, level = 0, items
    while level:
        depth += 1
        level = [child for item in level for child in item.children]
    return depth


class IndicatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    weight: Share = Field(description="share of the parent, e.g. 0.2 or 1/3")
    children: list[IndicatorIn] = Field(default_factory=list, max_length=100)
    metric: str | None = Field(default=None, description="a records summary metric for a derived leaf")
    mapping: MappingIn | None = None
    direction: Literal["higher", "lower"] = Field(
        default="higher", description="lower: a reverse indicator (反向指标), a lower value or mark scores more")
    missing: MissingPolicy | None = Field(
        default=None, description="what a leaf without a mark or value counts as; default the scheme's "
                                  "missing_inputs")
    standard: str | None = Field(
        default=None, min_length=1, max_length=4000, exclude_if=lambda v: v is None,
        description="the scoring standard and rules of the indicator, in words (评分标准及规则), as raters and "
                    "the people evaluated read it; a region may require it of every indicator")


class CapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grade: str
    max_share: Share


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order: list[str] = Field(default=list(grading.QUARTER_GRADES), min_length=2)
    caps: list[CapIn] = Field(default_factory=lambda: [CapIn(grade="good", max_share=parse_share("0.4"))])
    default: str = "average"
    rounding: Literal["floor", "half_up", "ceiling"] = "floor"
    tie_at_cap: Literal["exclude", "include"] = "exclude"
    tie_keys: list[str] = Field(default_factory=list, description="records metrics, higher first")
    compare_within: list[Literal["unit", "section", "post", "staff_category"]] = Field(
        default_factory=list, max_length=4,
        description="compare people only within groups sharing these (Binzhou: 按类别/岗位/单位 分别比较): "
                    "a quarter's ranks, and each capped grade's share, are then per group; none: the whole "
                    "scheme (the year's excellent slots stay the quota service's, per unit)")


class BaseIn(BaseModel):
    """Binzhou's three ways: flat, by task load against the group's mean, or a section coefficient.

    By section, a person's coefficient is the one stored on their section in the records (科室系数);
    ``coefficients`` overrides it for the sections it names, in this scheme only; ``default`` is for
    a person with no section, or whose section has none."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["flat", "task_load", "section"] = "flat"
    floor: Decimal = Field(default=Decimal("0.8"), gt=0, le=10)
    ceiling: Decimal = Field(default=Decimal("1.2"), gt=0, le=10)
    coefficients: dict[str, Annotated[Decimal, Field(gt=0, le=10)]] = Field(
        default_factory=dict, description="section id → coefficient (kind=section), over the coefficient stored on "
                                          "the section in the records, for this scheme only")
    default: Decimal = Field(default=Decimal(1), gt=0, le=10,
                             description="for a person with no section, or whose section has no coefficient")


class DimensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, description="e.g. 强度")
    weight: Share = Field(description="share of the rating, e.g. 0.2")


class RatersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share: Share = Field(description="how much of the total the evaluation is, e.g. 0.2")
    groups: dict[str, Share] = Field(min_length=1, max_length=20,
                                     description="rater group → weight (e.g. 0.4 or 1/3), adding up to 1")
    missing: Literal["renormalise", "zero"] = "renormalise"
    trim: list[str] = Field(default_factory=list, max_length=20,
                            description="groups whose mean leaves out one highest and one lowest mark "
                                        "(去掉一个最高分和一个最低分) where at least 3 of them rated the person")
    dimensions: dict[Annotated[str, Field(min_length=1, max_length=32)], DimensionIn] | None = Field(
        default=None, min_length=1, max_length=20,
        description="code → {name, weight}, weights adding up to 1: a rater marks each dimension and the "
                    "rating is the weighted sum, rounded half up to 0.01 (none: one mark per person)")
    outside: list[str] = Field(default_factory=list, max_length=20,
                               description="groups whose raters have no account and rate with one-time codes "
                                           "the round issues (服务对象, 群众)")


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    direction: Literal["bonus", "deduction"]
    max_points: Points = Field(description="the most this item adds or takes off in a period")


class HonourBonusIn(BaseModel):
    """What an honour of the ledger (荣誉台账) of one level is worth: points of a bonus item."""

    model_config = ConfigDict(extra="forbid")
    item: str = Field(description="a bonus item of the catalogue (adjustments.items): its caps apply")
    points: Points


HonourLevel = Literal["national", "provincial", "city", "county", "township"]


class AdjustmentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: dict[str, ItemIn] = Field(default_factory=dict, max_length=200)
    honours: dict[HonourLevel, HonourBonusIn] = Field(
        default_factory=dict, description="honours of the records ledger awarded in the period, by level (national "
                                          "国家级, provincial 省级, city 市级, county 县级, township 乡镇级), become "
                                          "these bonus points at a close; none by default")
    bonus_total: Points = Decimal(10)
    deduction_total: Points = Decimal(20)
    over_cap: Literal["refuse", "cut"] = Field(
        default="refuse", description="points that would take an item or a direction's total past its cap: "
                                      "refused when keyed (refuse), or accepted and cut to the cap in the result, "
                                      "which says so (cut)")


class NegativeItemIn(BaseModel):
    """``cap``: no better than ``grade``; ``veto``: the lowest grade; ``exclude``: no grade at all
    (under sanction or investigation), and no bonus."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    effect: Literal["cap", "veto", "exclude"]
    grade: str | None = Field(default=None, description="for effect=cap: no better than this grade")


class ThresholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grade: str
    below: Decimal = Field(ge=0, le=1000, description="a score below this is no better than the grade")


class DeadlinesIn(BaseModel):
    """When a record is on time: the records summary counts by these (weeks_on_time, reports_on_time)."""

    model_config = ConfigDict(extra="forbid")
    log_deadline_days: int = Field(default=1, ge=0, le=31,
                                   description="a weekly record is on time until the end of this many days after "
                                               "its week's Sunday (1: the Monday after)")
    report_deadline_day: int = Field(default=31, ge=1, le=31,
                                     description="a monthly report is on time until the end of this day of its month "
                                                 "(Xiacun: achievements declared by the 25th; 31: the month's last "
                                                 "day)")


class SchemeDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=100)
    base: BaseIn = Field(default_factory=BaseIn)
    raters: RatersIn | None = None
    adjustments: AdjustmentsIn = Field(default_factory=AdjustmentsIn)
    negative_items: dict[str, NegativeItemIn] = Field(default_factory=dict, max_length=100)
    grades: RuleIn = Field(default_factory=RuleIn)
    thresholds: list[ThresholdIn] = Field(default_factory=list, max_length=10)
    mark_max: Decimal = Field(default=Decimal(100), gt=0, le=1000, description="marks run from 0 to this")
    missing_inputs: MissingPolicy = Field(
        default="refuse", description="what a leaf without a mark or value counts as, unless the leaf says: "
                                      "refuse (the close is refused, naming every person and indicator missing), "
                                      "zero, renormalise (its weight shared among the person's other indicators) "
                                      "or unit_mean (the mean score of the leaf in the person's unit)")
    annual: AnnualIn = Field(default_factory=lambda: AnnualIn())
    objection_days: int = Field(default=7, ge=1, le=60, description="days after publication to object")
    min_raters_shown: int = Field(default=3, ge=1, le=1000,
                                  description="a rater group with fewer raters than this for a person is shown as "
                                              "'fewer than N raters' in explanations and exports (its mean would "
                                              "give a rater's mark away); the score is computed the same")
    open_ballots: bool = Field(default=False, description="the evaluation is open: every group's detail is shown "
                                                          "whatever its number of raters")
    publish_ranks: bool = Field(default=True, description="a person sees their own rank (in their group) with "
                                                          "their results and explanation; false: the score and "
                                                          "grade only (administrators and leaders see ranks)")
    deadlines: DeadlinesIn = Field(default_factory=DeadlinesIn)
    procedure: ProcedureIn | None = Field(
        default=None, description="the stages a period runs through (national, taibai, or a list); without it, "
                                  "a period is closed and published directly")
    periods: PeriodsIn = Field(default_factory=PeriodsIn,
                               description="the kinds of period closed and how a longer one is built from its "
                                           "parts (see scoring.period_settings); default: quarters, and years "
                                           "built from quarters")
    bottom_rule: BottomRuleIn | None = Field(
        default=None, description="Xiacun's monthly bottom list: {months_running, groups: [{name, staff_category, "
                                  "last}]}; needs months closed")

    @model_validator(mode="after")
    def _not_too_deep(self) -> SchemeDefinition:
        if tree_depth(self.indicators) > MAX_DEPTH:
            raise ValueError(f"the indicator tree is deeper than {MAX_DEPTH} levels")
        return self


class EscalationStepIn(BaseModel):
    """From ``failing_quarters`` quarters graded ``annual.failing_grade`` in a year: a talk with the
    unit head (``talk``), a notice of criticism (``notice``), or an annual grade no better than
    ``grade`` (``grade``)."""

    model_config = ConfigDict(extra="forbid")
    failing_quarters: int = Field(ge=1, le=4)
    action: Literal["talk", "notice", "grade"]
    grade: str | None = Field(default=None, description="for action=grade: an annual grade below excellent")


def chengbu_escalation() -> list[EscalationStepIn]:
    return [EscalationStepIn.model_validate({"failing_quarters": s.failing_quarters, "action": s.action,
                                             "grade": s.grade}) for s in years.CHENGBU_ESCALATION]


class AnnualIn(BaseModel):
    """The year: quarters' share of the annual score (Binzhou: at least 60%) and the year-end part;
    Chengbu's rules on the quarter grades (see ``scoring.domain.year``)."""

    model_config = ConfigDict(extra="forbid")
    quarter_weight: Decimal = Field(default=Decimal("0.6"), ge=Decimal("0.6"), le=1)
    failing_grade: str = "poor"
    leave_days_limit: int = Field(default=182, ge=1, le=366,
                                  description="sick and personal leave days in the year beyond which there is no grade")
    poor_quarter_bars_excellent: bool = Field(default=True, description="a quarter graded the failing grade bars an "
                                                                        "excellent year (Chengbu)")
    four_good_breaks_ties: bool = Field(default=True, description="of equal annual scores, four quarters graded good "
                                                                  "rank first and take an excellent slot first")
    escalation: list[EscalationStepIn] = Field(
        default_factory=chengbu_escalation, max_length=4,
        description="steps by failing quarters, ascending (Chengbu: 1 talk, 2 notice, 3 basically_competent, "
                    "4 incompetent); consequences accumulate, the lowest grade bound wins")

    bonus_pool_min: Decimal = Field(default=Decimal("0.1"), ge=0, le=1,
                                    description="the least share of a unit's bonus a payout pools and pays by result "
                                                "(Taibai: 10%)")
    bonus_pool_max: Decimal = Field(default=Decimal("0.2"), ge=0, le=1,
                                    description="the most share of a unit's bonus a payout pools (Taibai: 20%)")

    def steps(self) -> tuple[years.EscalationStep, ...]:
        return tuple(years.EscalationStep(s.failing_quarters, s.action, s.grade) for s in self.escalation)


SchemeDefinition.model_rebuild()


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
