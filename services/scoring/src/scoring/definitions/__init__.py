"""A scheme's definition as the API takes it, and its translation into the domain's rules.

One JSON document per scheme version: the indicator tree, the base score, the rater groups and
their share, the bonus and deduction catalogue with caps, the negative list, the grade rule and
the score thresholds below which a grade cannot be had.
"""

from __future__ import annotations

from scoring.definitions.indicators import (
    MAX_DEPTH,
    METRICS,
    MISSING_POLICIES,
    IndicatorIn,
    IndicatorTreeIn,
    MappingIn,
    MissingPolicy,
    tree_depth,
)
from scoring.definitions.rules import Rules, compile_rules, rater_settings, to_rule, to_tree
from scoring.definitions.schema import (
    AdjustmentsIn,
    AnnualIn,
    BaseIn,
    CapIn,
    DeadlinesIn,
    DimensionIn,
    EscalationStepIn,
    HonourBonusIn,
    HonourLevel,
    ItemIn,
    NegativeItemIn,
    Points,
    RatersIn,
    RuleIn,
    SchemeDefinition,
    ThresholdIn,
    chengbu_escalation,
)

__all__ = [
    "MAX_DEPTH", "METRICS", "MISSING_POLICIES", "AdjustmentsIn", "AnnualIn", "BaseIn", "CapIn", "DeadlinesIn",
    "DimensionIn", "EscalationStepIn", "HonourBonusIn", "HonourLevel", "IndicatorIn", "IndicatorTreeIn", "ItemIn",
    "MappingIn", "MissingPolicy", "NegativeItemIn", "Points", "RatersIn", "RuleIn", "Rules", "SchemeDefinition",
    "ThresholdIn", "chengbu_escalation", "compile_rules", "rater_settings", "to_rule", "to_tree", "tree_depth",
]
