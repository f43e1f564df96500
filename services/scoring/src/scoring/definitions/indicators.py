"""The indicator tree of a scheme as the API takes it: indicators, their metrics and mappings, and
what a leaf without an input counts as."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scoring.shares import Share

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


class IndicatorTreeIn(BaseModel):
    """A body whose indicator tree is at most ``MAX_DEPTH`` levels deep (a scheme, a tree preview)."""

    indicators: list[IndicatorIn] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _not_too_deep(self) -> Self:
        if tree_depth(self.indicators) > MAX_DEPTH:
            raise ValueError(f"the indicator tree is deeper than {MAX_DEPTH} levels")
        return self
