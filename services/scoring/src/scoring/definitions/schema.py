"""A scheme's definition as the API takes it: one JSON document per scheme version with the
indicator tree, the base score, the rater groups and their share, the bonus and deduction
catalogue with caps, the negative list, the grade rule and the score thresholds below which a
grade cannot be had, the year's rules and the procedure."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from scoring.definitions.indicators import IndicatorTreeIn, MissingPolicy
from scoring.domain import grades as grading
from scoring.domain import year as years
from scoring.period_settings import BottomRuleIn, PeriodsIn
from scoring.procedure.definition import ProcedureIn
from scoring.shares import Share, parse_share

Points = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2, json_schema_extra={"multipleOf": 0.01})]


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


class SchemeDefinition(IndicatorTreeIn):
    model_config = ConfigDict(extra="forbid")
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
