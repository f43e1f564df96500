"""Rater anonymity in what is shown: a small group hides every group's mean; the score goes only
when fewer than the threshold rated in all; an open scheme shows everything."""

from __future__ import annotations

from typing import Any

from scoring.definitions import SchemeDefinition, compile_rules
from scoring.results import masking

BASE: dict[str, Any] = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
                        "raters": {"share": "0.5", "groups": {"leadership": "0.5", "staff": "0.5"}}}


def rules(**extra: Any) -> Any:
    return compile_rules(SchemeDefinition.model_validate({**BASE, **extra}))


def shown(leaders: int, staff: int) -> dict[str, Any]:
    return {"score": "70", "share": "0.5", "groups": [
        {"group": "leadership", "weight": "0.5", "effective_weight": "0.5", "raters": leaders, "mean": "60",
         "contribution": "30"},
        {"group": "staff", "weight": "0.5", "effective_weight": "0.5", "raters": staff, "mean": "80",
         "contribution": "40"}]}


def test_enough_raters_everywhere_shows_everything() -> None:
    assert masking.evaluation(shown(3, 3), rules()) == shown(3, 3)
    assert masking.evaluation(None, rules()) is None


def test_one_small_group_hides_every_groups_mean_but_not_the_score() -> None:
    out = masking.evaluation(shown(1, 3), rules())
    assert out is not None and out["score"] == "70"
    assert [(g["raters"], g["mean"], g["contribution"], g.get("fewer_than")) for g in out["groups"]] == [
        (None, None, None, 3), (3, None, None, None)]
    assert not masking.evaluation_hidden(shown(1, 3), rules())


def test_fewer_raters_in_all_hides_the_score_too() -> None:
    out = masking.evaluation(shown(1, 1), rules())
    assert out is not None and out["score"] is None
    assert masking.evaluation_hidden(shown(1, 1), rules())


def test_the_threshold_and_open_ballots_are_scheme_settings() -> None:
    assert masking.evaluation(shown(1, 3), rules(min_raters_shown=1)) == shown(1, 3)
    assert masking.evaluation(shown(1, 1), rules(open_ballots=True)) == shown(1, 1)
    assert masking.ratings_input({"leadership": [6000, 1], "staff": [24000, 3]}, rules()) == {
        "leadership": {"raters": None, "fewer_than": 3}, "staff": {"raters": 3}}
    assert masking.ratings_input({"staff": [24000, 3]}, rules()) == {"staff": [24000, 3]}
