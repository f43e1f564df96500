"""An explanation in sentences a civil servant reads, in Chinese or English: "民主测评 77 分 × 20% =
15.4 分". Every number is the one the close stored (or the exact product of two stored numbers);
indicators, items and negative-list entries go by the scheme's names, rater groups and grades by the
catalogue's labels; no id appears."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.labels import CATALOGUE, ZH, label

_TEXT = {
    ZH: {
        "leaf": "{name} {score} 分 × {weight} = {part} 分",
        "leaf_value": "{name}：实际值 {value}，计 {score} 分 × {weight} = {part} 分",
        "missing": "{name}：缺项，{policy}",
        "renormalised": "缺项指标不计，其余指标权重合计 {weight}，按比例折算",
        "indicators": "指标得分 {score} 分",
        "indicators_share": "指标得分 {score} 分 × {weight} = {part} 分",
        "group": "{group} {raters} 人平均 {mean} 分 × {weight} = {part} 分",
        "evaluation": "{rating} {score} 分 × {weight} = {part} 分",
        "no_evaluation": "无{rating}评分，指标得分即为总分",
        "coefficient": "基础分系数 {value}（{kind}）",
        "item": "{direction}：{name} {points} 分",
        "item_evidence": "{direction}：{name} {points} 分（{evidence}）",
        "capped": "加减分超出上限的部分不计",
        "total_sum": "总分：{parts} = {total} 分",
        "total": "总分 {total} 分",
        "cap": "{rule}：等次不高于{grade}",
        "veto": "{rule}：一票否决",
        "no_grade": "{rule}：不评定等次",
        "below": "得分低于 {below} 分",
        "grade": "等次：{grade}（第 {rank} 名，共 {of} 人）",
        "grade_unranked": "等次：{grade}",
        "ungraded": "不评定等次",
    },
    "en": {
        "leaf": "{name} {score} × {weight} = {part}",
        "leaf_value": "{name}: value {value}, scored {score} × {weight} = {part}",
        "missing": "{name}: missing, {policy}",
        "renormalised": "missing indicators left out: the others, {weight} of the weight, reweighted to the whole",
        "indicators": "Indicator score {score}",
        "indicators_share": "Indicator score {score} × {weight} = {part}",
        "group": "{group}: {raters} rater(s), mean {mean} × {weight} = {part}",
        "evaluation": "{rating} {score} × {weight} = {part}",
        "no_evaluation": "Not rated ({rating}): the indicator score stands for the whole",
        "coefficient": "Base coefficient {value} ({kind})",
        "item": "{direction}: {name} {points}",
        "item_evidence": "{direction}: {name} {points} ({evidence})",
        "capped": "Bonus or deduction above the caps does not count",
        "total_sum": "Total: {parts} = {total}",
        "total": "Total {total}",
        "cap": "{rule}: grade no better than {grade}",
        "veto": "{rule}: vetoed",
        "no_grade": "{rule}: not graded",
        "below": "Score below {below}",
        "grade": "Grade: {grade} (rank {rank} of {of})",
        "grade_unranked": "Grade: {grade}",
        "ungraded": "Not graded",
    },
}


_PLACES = Decimal("0.000001")
_GROUPS = list(CATALOGUE["rater_group"])


def number(value: Decimal | str) -> str:
    """A decimal as written by hand: no exponent, no trailing zeros, at most six places."""
    exact = Decimal(value)
    rounded = exact.quantize(_PLACES)
    text = format(rounded if rounded != exact else exact, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(share: str) -> str:
    return f"{number(Decimal(share) * 100)}%"


def _names(indicators: list[dict[str, Any]], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for indicator in indicators:
        path = f"{prefix}/{indicator['code']}" if prefix else indicator["code"]
        out[path] = indicator["name"]
        out.update(_names(indicator.get("children") or [], path))
    return out


class _Writer:
    def __init__(self, definition: dict[str, Any], lang: str) -> None:
        self.lang = lang if lang in _TEXT else "en"
        self.text = _TEXT[self.lang]
        self.definition = definition
        self.names = _names(definition.get("indicators") or [])
        self.out: list[str] = []

    def say(self, key: str, **values: Any) -> None:
        self.out.append(self.text[key].format(**values))

    def indicator(self, path: str) -> str:
        return self.names.get(path, path.rsplit("/", 1)[-1])

    def item_name(self, section: str, code: str) -> str:
        declared = self.definition.get(section) or {}
        items = declared.get("items", declared) if section == "adjustments" else declared
        return str((items.get(code) or {}).get("name", code))


def explain(detail: dict[str, Any], definition: dict[str, Any], *, grade: str | None, rank: int | None,
            lang: str) -> list[str]:
    """The sentences of one person's explanation (``detail`` as the explanation shows it)."""
    w = _Writer(definition, lang)
    inner = detail if "indicators" in detail else next(
        (detail[k] for k in ("year_end_detail", "period_end_detail") if detail.get(k)), None)
    if inner is not None:
        _composition(w, inner)
    elif detail.get("total") is not None:
        w.say("total", total=number(detail["total"]))
    _limits(w, (inner or detail).get("limits") or [])
    of = (detail.get("grade") or {}).get("of")
    if grade is None:
        w.say("ungraded")
    elif rank is not None and of:
        w.say("grade", grade=label("grade", grade, w.lang), rank=rank, of=of)
    else:
        w.say("grade_unranked", grade=label("grade", grade, w.lang))
    return w.out


def _composition(w: _Writer, detail: dict[str, Any]) -> None:
    indicators = detail["indicators"]
    for leaf in indicators["leaves"]:
        name = w.indicator(leaf["path"])
        if leaf.get("missing") and leaf.get("score") is None:
            continue
        key = "leaf" if leaf.get("value") is None else "leaf_value"
        w.say(key, name=name, value=leaf.get("value") and number(leaf["value"]), score=number(leaf["score"]),
              weight=percent(leaf["weight"]), part=number(leaf["contribution"]))
    for missing in detail.get("missing") or []:
        w.say("missing", name=w.indicator(missing["path"]), policy=label("missing_policy", missing["policy"], w.lang))
    if indicators.get("renormalised_over"):
        w.say("renormalised", weight=percent(indicators["renormalised_over"]))
    rating = label("rating", "democratic", w.lang)
    evaluation = detail.get("evaluation")
    parts: list[Decimal] | None
    if evaluation is not None and evaluation.get("score") is not None:
        part = Decimal(indicators["score"]) * Decimal(indicators["weight"])
        w.say("indicators_share", score=number(indicators["score"]), weight=percent(indicators["weight"]),
              part=number(part))
        for group in sorted(evaluation["groups"], key=_group_order):
            if group.get("mean") is not None and group.get("raters"):
                w.say("group", group=label("rater_group", group["group"], w.lang), raters=group["raters"],
                      mean=number(group["mean"]), weight=percent(group["effective_weight"]),
                      part=number(group["contribution"]))
        share = Decimal(evaluation["share"])
        rated = Decimal(evaluation["score"]) * share
        w.say("evaluation", rating=rating, score=number(evaluation["score"]), weight=percent(evaluation["share"]),
              part=number(rated))
        parts = [part, rated]
    else:
        w.say("indicators", score=number(indicators["score"]))
        masked = evaluation is not None and evaluation.get("masked") is not None
        if evaluation is not None and not masked:
            w.say("no_evaluation", rating=rating)
        parts = None if masked else [Decimal(indicators["score"])]
    _rest(w, detail, parts)


def _group_order(group: dict[str, Any]) -> tuple[int, str]:
    """The catalogue's groups first, in its order (班子成员, 中层干部, ...), then the scheme's own by name."""
    return (_GROUPS.index(group["group"]) if group["group"] in _GROUPS else len(_GROUPS), group["group"])


def _rest(w: _Writer, detail: dict[str, Any], parts: list[Decimal] | None) -> None:
    """The coefficient, the bonus and deduction items and the total (as a sum where the parts shown
    add up to it exactly)."""
    coefficient = detail["coefficient"]
    scaled = Decimal(coefficient["value"]) != 1
    if scaled:
        w.say("coefficient", value=number(coefficient["value"]),
              kind=label("base_kind", coefficient["kind"], w.lang))
    adjustments = detail["adjustments"]
    items = (w.definition.get("adjustments") or {}).get("items") or {}
    for item in adjustments["items"]:
        direction = (items.get(item["item"]) or {}).get("direction", "bonus")
        sign = "+" if direction == "bonus" else "-"
        w.say("item_evidence" if item.get("evidence") else "item",
              direction=label("adjustment_direction", direction, w.lang),
              name=w.item_name("adjustments", item["item"]),
              points=f"{sign}{number(item['points'])}", evidence=item.get("evidence"))
    if adjustments.get("capped"):
        w.say("capped")
    total = Decimal(detail["total"])
    net = Decimal(adjustments["net"])
    if parts is None:
        w.say("total", total=number(total))
        return
    shown = " + ".join(number(p) for p in parts)
    body = sum(parts, Decimal(0))
    if scaled:
        shown = f"({shown})" if len(parts) > 1 else shown
        shown += f" × {number(coefficient['value'])}"
        body *= Decimal(coefficient["value"])
    if net:
        shown += f" + {number(net)}" if net > 0 else f" - {number(-net)}"
    if len(parts) + bool(net) + scaled > 1 and body + net == total:
        w.say("total_sum", parts=shown, total=number(total))
    else:
        w.say("total", total=number(total))


def _limits(w: _Writer, limits: list[dict[str, Any]]) -> None:
    for limit in limits:
        rule = str(limit.get("rule", ""))
        if rule.startswith("negative item "):
            rule = w.item_name("negative_items", rule.removeprefix("negative item "))
        elif rule.startswith("score below "):
            rule = w.text["below"].format(below=number(rule.removeprefix("score below ")))
        effect = str(limit.get("effect", ""))
        if effect.startswith("no better than "):
            w.say("cap", rule=rule, grade=label("grade", effect.removeprefix("no better than "), w.lang))
        elif effect == "veto":
            w.say("veto", rule=rule)
        else:
            w.say("no_grade", rule=rule)
