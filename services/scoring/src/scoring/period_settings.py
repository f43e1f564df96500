"""A scheme's periods: which kinds it closes, how a longer one is built from shorter ones, and
Xiacun's monthly bottom list.

``periods.closes`` names the kinds of period the scheme closes (month ``2025-03``, quarter
``2025Q1``, half ``2025H1``, year ``2025``); a close of another kind is refused. A kind without a
``periods.build`` entry is computed from its own range's inputs (the records summary over its
dates, its marks, ratings and items), as a quarter always was. A kind with one is built from its
published parts of the kind ``from``: the mean of their scores × ``share`` + the period-end
evaluation (the inputs entered for the longer period itself) × the rest, the parts' mean standing
for the whole where nobody entered a period-end input. The year is graded by the annual rules
(excellent slots from the quota, the escalation on failing quarters), so it is built from
quarters and its share is ``annual.quarter_weight`` unless the build names one (at least 60%,
Binzhou); any other built kind is graded by the scheme's grade rule, as a quarter. The default is
the rule before periods were a setting: quarters computed, years built from quarters.

``bottom_rule`` (Xiacun): ranked monthly, a person at the bottom of their group in
``months_running`` consecutive months of a quarter — the last leadership member, the last 5
organ cadres, the last 3 village heads — makes a public statement (表态发言) at the quarterly
meeting. Each group is the scheme's people of a staff category (or all of them) and how many of
its last places count.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.periods import KINDS, PeriodKind

Kind = Literal["month", "quarter", "half", "year"]
#: What a built kind may be built from: kinds that fit a whole number of times in it.
SHORTER: dict[str, tuple[str, ...]] = {k: KINDS[:i] for i, k in enumerate(KINDS)}


class BuildIn(BaseModel):
    """How a longer period is built from its parts."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)
    from_: Kind = Field(alias="from", description="the kind of the parts, shorter and closed by the scheme "
                                                  "(the year: quarter)")
    share: Decimal | None = Field(default=None, ge=0, le=1,
                                  description="the parts' share of the score, the rest the period-end evaluation; "
                                              "default: the year annual.quarter_weight (at least 0.6), "
                                              "another kind 1 (the parts alone)")


YEAR_FROM_QUARTERS = BuildIn.model_validate({"from": "quarter"})


def quarters_and_years() -> list[Kind]:
    return ["quarter", "year"]


class PeriodsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    closes: list[Kind] = Field(default_factory=quarters_and_years, min_length=1, max_length=4,
                               description="the kinds of period the scheme closes: month (2025-03), quarter "
                                           "(2025Q1), half (2025H1), year (2025); a close of another kind is "
                                           "refused (409)")
    build: dict[Kind, BuildIn] = Field(
        default_factory=dict,
        description="kind → {from, share}: a kind built from its published parts (mean × share + the period-end "
                    "evaluation × the rest) rather than from its own range's inputs; the year is always built from "
                    "quarters ({from: quarter} unless given, its share annual.quarter_weight unless given)")

    def build_of(self, kind: PeriodKind) -> BuildIn | None:
        """How a kind the scheme closes is built; None: from its own range's inputs."""
        return self.build.get(kind) or (YEAR_FROM_QUARTERS if kind == "year" else None)


class BottomGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, description="e.g. 班子成员, 机关干部, 村主职干部")
    staff_category: str | None = Field(default=None, max_length=32,
                                       description="the people of this staff category; none: all of the scheme's")
    last: int = Field(ge=1, le=1000, description="how many of the group's last places are at the bottom")


class BottomRuleIn(BaseModel):
    """Xiacun: the bottom of a group in ``months_running`` consecutive months of a quarter."""

    model_config = ConfigDict(extra="forbid")
    months_running: int = Field(default=2, ge=1, le=3, description="consecutive months at the bottom, in a quarter")
    groups: list[BottomGroupIn] = Field(min_length=1, max_length=20)


def check(periods: PeriodsIn, bottom: BottomRuleIn | None) -> tuple[str, str] | None:
    """The first broken rule as (message, field below the definition), else None."""
    closes = periods.closes
    for index, kind in enumerate(closes):
        if kind in closes[:index]:
            return f"{kind} is named twice", f"periods.closes.{index}"
    for kind, build in periods.build.items():
        where = f"periods.build.{kind}"
        if kind not in closes:
            return f"a {kind} is built, but the scheme does not close {kind}s (periods.closes)", where
        if build.from_ not in SHORTER[kind]:
            return f"a {kind} is built from a shorter kind ({', '.join(SHORTER[kind]) or 'none'})", f"{where}.from"
        if build.from_ not in closes:
            return f"a {kind} is built from {build.from_}s, which the scheme does not close", f"{where}.from"
        if kind == "year":
            if build.from_ != "quarter":
                return "the year is built from quarters: the annual rules count failing and good quarters", \
                    f"{where}.from"
            if build.share is not None and build.share < Decimal("0.6"):
                return f"the quarters are at least 60% of the annual score, not {build.share}", f"{where}.share"
    if "year" in closes and "quarter" not in closes:
        return "the year is built from quarters: close quarters too", "periods.closes"
    if bottom is not None:
        if "month" not in closes:
            return "the bottom list ranks monthly: close months (periods.closes)", "bottom_rule"
        names = [g.name for g in bottom.groups]
        for index, name in enumerate(names):
            if name in names[:index]:
                return f"group {name!r} is named twice", f"bottom_rule.groups.{index}.name"
    return None


def share_of(periods: PeriodsIn, kind: PeriodKind, quarter_weight: Decimal) -> Decimal:
    """The parts' share of a built kind's score."""
    build = periods.build_of(kind)
    if build is not None and build.share is not None:
        return build.share
    return quarter_weight if kind == "year" else Decimal(1)
