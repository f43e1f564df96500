"""Indicator trees (指标体系) and how a person's score is composed from them.

A tree of any depth; at every level the weights of the children add up to 100%, or the tree is
refused naming the node whose children do not. A leaf is scored by hand (0-100) or derived from
a records summary metric through a declared mapping: ``steps`` (the score of the highest
threshold reached) or ``linear`` (value × factor, capped at 100). A reverse indicator (反向指标,
Chengbu's: lower is better) turns both round: ``steps`` gives the score of the lowest threshold
the value does not pass, ``linear`` 100 - value × factor, and a hand mark counts down from the
maximum mark. A leaf without a mark or value is treated by its missing-input policy.

The total (Xiacun's shape): indicator score × (1 - evaluation share) + rater evaluation ×
evaluation share (20%), times the base coefficient (a section coefficient, or 1), plus the net
bonus and deduction. Every part of it is returned for the explanation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from shared.field_error import FieldError
from shared.numbers import decimal_str


class SchemeError(FieldError):
    """Input this rule cannot take; ``field`` names where the problem is."""


@dataclass(frozen=True)
class MetricMapping:
    kind: str  # "steps" or "linear"
    steps: tuple[tuple[Fraction, Fraction], ...] = ()  # (threshold, score), ascending thresholds
    factor: Fraction = Fraction(1)

    def score(self, value: Fraction, *, lower: bool = False) -> Fraction:
        """Higher is better: ``linear`` is value × factor, ``steps`` the score of the highest
        threshold reached. Lower is better (a reverse indicator): ``linear`` is 100 - value ×
        factor, ``steps`` the score of the lowest threshold the value does not pass. Within 0-100."""
        if self.kind == "linear":
            scaled = value * self.factor
            return max(Fraction(0), min(Fraction(100), 100 - scaled if lower else scaled))
        if lower:
            return next((score for threshold, score in self.steps if value <= threshold), Fraction(0))
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
    direction: str = "higher"  # "lower": a reverse indicator (反向指标)
    missing: str = "zero"  # without a mark or value: "refuse", "zero", "renormalise" or "unit_mean"

    def score(self, given: Fraction, mark_max: Fraction = Fraction(100)) -> Fraction:
        """The leaf's score from its metric's value or its mark (a reverse hand mark counts down
        from the maximum mark)."""
        lower = self.direction == "lower"
        if self.metric is not None:
            assert self.mapping is not None  # validated
            return self.mapping.score(given, lower=lower)
        return mark_max - given if lower else given


@dataclass(frozen=True)
class LeafPart:
    code: str
    path: str
    effective_weight: Fraction  # product of the weights from the root
    value: Fraction | None  # the metric's value, for derived leaves
    score: Fraction
    contribution: Fraction
    missing: str | None = None  # the policy applied when the leaf had no mark or value


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
    renormalised_over: Fraction | None = None  # the weight of the leaves scored, when others' was shared


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
            if indicator.direction != "higher":
                raise SchemeError(f"{indicator.code}: only a leaf is a reverse indicator", field=f"{here}.direction")
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
    """A person's total and every part of it. A leaf without a mark or value is treated by its
    missing-input policy, and the notes say so."""
    validate(tree)
    return compose_leaves(leaves(tree), marks=marks, metrics=metrics, evaluation=evaluation,
                          evaluation_share=evaluation_share, coefficient=coefficient, adjustments=adjustments)


def compose_leaves(tree_leaves: Sequence[tuple[Indicator, str, Fraction]], *, marks: Mapping[str, Fraction],
                   metrics: Mapping[str, Fraction], evaluation: Fraction | None, evaluation_share: Fraction,
                   coefficient: Fraction = Fraction(1), adjustments: Fraction = Fraction(0),
                   mark_max: Fraction = Fraction(100),
                   unit_means: Mapping[str, tuple[Fraction, int]] | None = None) -> Composition:
    """``compose`` over the leaves of a tree already validated (a close composes thousands of people).

    A leaf without a mark or value: ``zero`` (and ``refuse``, which a close never lets through)
    scores 0; ``unit_mean`` scores the mean in ``unit_means`` (code → (mean score, people)), 0 if
    there is none; ``renormalise`` leaves the leaf out and divides the indicator score by the
    weight of the leaves that remain."""
    parts, notes = [], []
    shared = Fraction(0)
    for indicator, path, effective in tree_leaves:
        value = None
        given: Fraction | None
        if indicator.metric is not None:
            given = value = metrics.get(indicator.metric)
            lack = f"no value for {indicator.metric}"
        else:
            given = marks.get(indicator.code)
            lack = "not marked"
        if given is not None:
            score = indicator.score(given, mark_max)
            parts.append(LeafPart(indicator.code, path, effective, value, score, effective * score))
            continue
        policy = indicator.missing
        score = Fraction(0)
        if policy == "renormalise":
            shared += effective
            notes.append(f"{path}: {lack}; its weight is shared among the other indicators (renormalise)")
        elif policy == "unit_mean" and unit_means and indicator.code in unit_means:
            score, people = unit_means[indicator.code]
            notes.append(f"{path}: {lack}; scored the unit's mean {decimal_str(score)} of {people} "
                         f"{'person' if people == 1 else 'people'} (unit_mean)")
        else:
            notes.append(f"{path}: {lack}; scored 0 ({policy})")
        contribution = Fraction(0) if policy == "renormalise" else effective * score
        parts.append(LeafPart(indicator.code, path, effective, None, score, contribution, missing=policy))
    indicator_score = sum((p.contribution for p in parts), Fraction(0))
    over = None
    if shared:
        over = 1 - shared
        indicator_score = indicator_score / over if over else Fraction(0)
        notes.append(f"indicator score renormalised over the {decimal_str(over * 100)}% of the weight that has values")
    if evaluation is None:
        if evaluation_share:
            notes.append("no rater evaluation: the indicator score stands for the whole")
        blended = indicator_score
    else:
        blended = indicator_score * (1 - evaluation_share) + evaluation * evaluation_share
    total = blended * coefficient + adjustments
    return Composition(indicator_score=indicator_score, evaluation=evaluation, evaluation_share=evaluation_share,
                       coefficient=coefficient, adjustments=adjustments, total=total, leaves=tuple(parts),
                       notes=tuple(notes), renormalised_over=over)


def task_load_base(load: Fraction, *, group_mean_load: Fraction, floor: Fraction, ceiling: Fraction) -> Fraction:
    """Binzhou's first way: a base coefficient from the person's task load against the group's
    mean, kept between a floor and a ceiling (all scheme settings)."""
    if group_mean_load <= 0:
        return Fraction(1)
    return max(floor, min(ceiling, load / group_mean_load))
