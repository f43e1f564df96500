"""Indicator trees (指标体系) and how a person's score is composed from them.

A tree of any depth; at every level the weights of the children add up to 100%, or the tree is
refused naming the node whose children do not. A leaf is scored by hand (0-100) or derived from
a records summary metric through a declared mapping: ``steps`` (the score of the highest
threshold reached) or ``linear`` (value × factor, capped at 100).

The total (Xiacun's shape): indicator score × (1 - evaluation share) + rater evaluation ×
evaluation share (20%), times the base coefficient (a section coefficient, or 1), plus the net
bonus and deduction. Every part of it is returned for the explanation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction


class SchemeError(ValueError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MetricMapping:
    kind: str  # "steps" or "linear"
    steps: tuple[tuple[Fraction, Fraction], ...] = ()  # (threshold, score), ascending thresholds
    factor: Fraction = Fraction(1)

    def score(self, value: Fraction) -> Fraction:
        if self.kind == "linear":
            return max(Fraction(0), min(Fraction(100), value * self.factor))
        reached = [score for threshold, score in self.steps if value >= threshold]
        return reached[-1] if reached else Fraction(0)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    weight: Fraction  # share of the parent
    children: tuple[Indicator, ...] = ()
    metric: str | None = None  # a records summary metric; None = marked by hand
    mapping: MetricMapping | None = None


@dataclass(frozen=True)
class LeafPart:
    code: str
    path: str
    effective_weight: Fraction  # product of the weights from the root
    value: Fraction | None  # the metric's value, for derived leaves
    score: Fraction
    contribution: Fraction


@dataclass(frozen=True)
class Composition:
    indicator_score: Fraction
    evaluation: Fraction | None
    evaluation_share: Fraction
    coefficient: Fraction
    adjustments: Fraction
    total: Fraction
    leaves: tuple[LeafPart, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()


def validate(tree: Sequence[Indicator], path: str = "indicators") -> None:
    if not tree:
        raise SchemeError("a level has no indicators", field=path)
    codes = [i.code for i in tree]
    if len(set(codes)) != len(codes):
        raise SchemeError(f"duplicate indicator codes under {path}", field=path)
    total = sum((i.weight for i in tree), Fraction(0))
    if total != 1:
        raise SchemeError(f"weights under {path} add up to {float(total) * 100:g}%, not 100%", field=path)
    for index, indicator in enumerate(tree):
        here = f"{path}.{index}"
        if indicator.weight < 0:
            raise SchemeError(f"{indicator.code}: negative weight", field=f"{here}.weight")
        if indicator.children:
            if indicator.metric is not None:
                raise SchemeError(f"{indicator.code}: a node with children is not scored itself", field=here)
            validate(indicator.children, f"{here}.children")
        elif indicator.metric is not None and indicator.mapping is None:
            raise SchemeError(f"{indicator.code}: a derived leaf needs a mapping", field=f"{here}.mapping")


def leaves(tree: Sequence[Indicator], prefix: str = "", weight: Fraction = Fraction(1)) -> list[tuple[Indicator, str,
                                                                                                     Fraction]]:
    out = []
    for indicator in tree:
        path = f"{prefix}/{indicator.code}" if prefix else indicator.code
        effective = weight * indicator.weight
        if indicator.children:
            out += leaves(indicator.children, path, effective)
        else:
            out.append((indicator, path, effective))
    return out


def compose(tree: Sequence[Indicator], *, marks: Mapping[str, Fraction], metrics: Mapping[str, Fraction],
            evaluation: Fraction | None, evaluation_share: Fraction, coefficient: Fraction = Fraction(1),
            adjustments: Fraction = Fraction(0)) -> Composition:
    """A person's total and every part of it. A hand-marked leaf without a mark scores 0 and
    says so; so does a derived leaf whose metric is missing."""
    validate(tree)
    return compose_leaves(leaves(tree), marks=marks, metrics=metrics, evaluation=evaluation,
                          evaluation_share=evaluation_share, coefficient=coefficient, adjustments=adjustments)


def compose_leaves(tree_leaves: Sequence[tuple[Indicator, str, Fraction]], *, marks: Mapping[str, Fraction],
                   metrics: Mapping[str, Fraction], evaluation: Fraction | None, evaluation_share: Fraction,
                   coefficient: Fraction = Fraction(1), adjustments: Fraction = Fraction(0)) -> Composition:
    """``compose`` over the leaves of a tree already validated (a close composes thousands of people)."""
    parts, notes = [], []
    for indicator, path, effective in tree_leaves:
        value = None
        if indicator.metric is not None:
            value = metrics.get(indicator.metric)
            assert indicator.mapping is not None
            if value is None:
                notes.append(f"{path}: no value for {indicator.metric}; scored 0")
            score = indicator.mapping.score(value) if value is not None else Fraction(0)
        else:
            mark = marks.get(indicator.code)
            if mark is None:
                notes.append(f"{path}: not marked; scored 0")
            score = mark if mark is not None else Fraction(0)
        parts.append(LeafPart(indicator.code, path, effective, value, score, effective * score))
    indicator_score = sum((p.contribution for p in parts), Fraction(0))
    if evaluation is None:
        if evaluation_share:
            notes.append("no rater evaluation: the indicator score stands for the whole")
        blended = indicator_score
    else:
        blended = indicator_score * (1 - evaluation_share) + evaluation * evaluation_share
    total = blended * coefficient + adjustments
    return Composition(indicator_score=indicator_score, evaluation=evaluation, evaluation_share=evaluation_share,
                       coefficient=coefficient, adjustments=adjustments, total=total, leaves=tuple(parts),
                       notes=tuple(notes))


def task_load_base(load: Fraction, *, group_mean_load: Fraction, floor: Fraction, ceiling: Fraction) -> Fraction:
    """Binzhou's first way: a base coefficient from the person's task load against the group's
    mean, kept between a floor and a ceiling (all scheme settings)."""
    if group_mean_load <= 0:
        return Fraction(1)
    return max(floor, min(ceiling, load / group_mean_load))
