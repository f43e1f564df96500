"""A scheme's ``procedure`` setting: the ordered stages a period runs through, and the two named ones.

Each stage says what it produces, who moves it on (``actor``: the lowest role that may; the roles
above it may too), its dates (``opens``/``closes``, or a duration in ``working_days`` from when it
opened) and the condition that must hold to leave it. Some conditions are built in: a draft is left
only once the period has been closed; the publicity (公示) is left only once its window has run out;
the final stage is entered only with no objection undecided, and publishes the latest close.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scoring.errors import SchemeInvalid

Produces = Literal["self_reports", "unit_review", "ballots", "leader_ratings", "draft", "publicity", "final"]
Actor = Literal["unit_admin", "region_admin", "province_admin"]
#: none: may be left at any time; all_ballots: the period's rating round closed with every ballot in,
#: or the stage's closing date passed (the round is then closed and the missing ballots counted);
#: round_closed: the round closed, however many ballots it has; deadline: the stage's closing date passed
Condition = Literal["none", "all_ballots", "round_closed", "deadline"]
#: the national rule: the excellent are made public for at least five working days
MIN_PUBLICITY_DAYS = 5


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name: str = Field(min_length=1, max_length=50, description="the stage's Chinese name")
    produces: Produces
    actor: Actor = Field(default="unit_admin", description="the lowest role that moves the stage on")
    opens: date | None = Field(default=None, description="not entered before this day")
    closes: date | None = Field(default=None, description="its closing date (for the conditions deadline and "
                                                          "all_ballots)")
    working_days: int | None = Field(default=None, ge=1, le=60,
                                     description="a duration: it closes this many working days after it opened "
                                                 "(the publicity: its window, at least 5)")
    condition: Condition | None = Field(default=None, description="to leave it; default all_ballots for ballots, "
                                                                  "none otherwise")

    @property
    def rule(self) -> Condition:
        if self.condition is not None:
            return self.condition
        return "all_ballots" if self.produces == "ballots" else "none"


def _stage(code: str, name: str, produces: Produces, actor: Actor = "unit_admin", **extra: object) -> StageIn:
    return StageIn.model_validate({"code": code, "name": name, "produces": produces, "actor": actor, **extra})


#: self-report → unit review → democratic rating → leader rating → draft → publicity 5 working days → final
NATIONAL: tuple[StageIn, ...] = (
    _stage("self_report", "个人总结", "self_reports"),
    _stage("unit_review", "单位审核", "unit_review"),
    _stage("democratic_rating", "民主测评", "ballots"),
    _stage("leader_rating", "领导评鉴", "leader_ratings"),
    _stage("draft", "拟定等次", "draft"),
    _stage("publicity", "公示", "publicity", working_days=MIN_PUBLICITY_DAYS),
    _stage("final", "确定等次", "final", "region_admin"),
)

#: Taibai's eight modules run through twelve procedures (a rendering: the source names the modules,
#: not the steps): the records are kept and checked, the democratic evaluation held, the unit's
#: draft made public and the objections reviewed, the county's organisation department decides.
TAIBAI: tuple[StageIn, ...] = (
    _stage("weekly_records", "周工作纪实", "self_reports"),
    _stage("monthly_reports", "月工作汇报", "self_reports"),
    _stage("leader_comments", "领导点评", "unit_review"),
    _stage("attendance", "日常考勤汇总", "unit_review"),
    _stage("adjustments", "加减分审核", "unit_review"),
    _stage("negative_list", "负面清单核查", "unit_review"),
    _stage("democratic_rating", "民主测评", "ballots"),
    _stage("unit_evaluation", "单位初评", "leader_ratings"),
    _stage("draft", "结果生成", "draft"),
    _stage("publicity", "结果公示", "publicity", working_days=MIN_PUBLICITY_DAYS),
    _stage("objection_review", "异议复核", "unit_review"),
    _stage("final", "结果确定", "final", "region_admin"),
)

NAMED: dict[str, tuple[StageIn, ...]] = {"national": NATIONAL, "taibai": TAIBAI}

ProcedureIn = Literal["national", "taibai"] | list[StageIn]


def _invalid(message: str, field: str) -> SchemeInvalid:
    return SchemeInvalid(message, errors=[{"field": f"body.procedure{field}", "message": message}])


def compile_procedure(procedure: ProcedureIn | None) -> tuple[StageIn, ...] | None:
    """The stages, checked: codes unique; one final stage, the last; a publicity stage comes after a
    draft, lasts at least five working days; a stage closes no earlier than it opens."""
    if procedure is None:
        return None
    if isinstance(procedure, str):
        return NAMED[procedure]
    stages = tuple(procedure)
    if not stages:
        raise _invalid("a procedure has at least one stage, the final one", "")
    seen: set[str] = set()
    kinds: list[str] = []
    for index, stage in enumerate(stages):
        if stage.code in seen:
            raise _invalid(f"stage code {stage.code!r} is used twice", f".{index}.code")
        seen.add(stage.code)
        if stage.opens is not None and stage.closes is not None and stage.closes < stage.opens:
            raise _invalid(f"{stage.code}: closes before it opens", f".{index}.closes")
        if stage.produces == "final" and index != len(stages) - 1:
            raise _invalid("the final stage is the last one", f".{index}.produces")
        if stage.produces in ("draft", "publicity") and stage.produces in kinds:
            raise _invalid(f"only one {stage.produces} stage", f".{index}.produces")
        if stage.produces == "publicity":
            if "draft" not in kinds:
                raise _invalid("the publicity comes after a draft stage", f".{index}.produces")
            if (stage.working_days or 0) < MIN_PUBLICITY_DAYS:
                raise _invalid(f"the publicity lasts at least {MIN_PUBLICITY_DAYS} working days (national rule)",
                               f".{index}.working_days")
        kinds.append(stage.produces)
    if stages[-1].produces != "final":
        raise _invalid("the last stage produces the final result", f".{len(stages) - 1}.produces")
    return stages
