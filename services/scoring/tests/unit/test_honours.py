"""Honours of the ledger as compact adjustments: what each person gets is the table's points of
their honours' levels, nothing for a unit's honour, a level left out or someone not in the scheme."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scoring.definitions import SchemeDefinition, compile_rules
from scoring.results.honours import LEDGER, honour_adjustments, merge_honours

LEVELS = ("national", "provincial", "city", "county", "township")
PEOPLE = ("p1", "p2", "p3")

tables = st.dictionaries(st.sampled_from(LEVELS), st.decimals(min_value=0, max_value=50, places=2), max_size=5)
honours = st.lists(st.fixed_dictionaries({
    "id": st.uuids().map(str), "person_id": st.sampled_from((*PEOPLE, "outsider", None)),
    "level": st.sampled_from(LEVELS), "title": st.text(min_size=1, max_size=5),
    "evidence": st.text(min_size=1, max_size=5), "awarded_by": st.text(min_size=1, max_size=5)}), max_size=12)


def rules_with(table: dict[str, Decimal]) -> Any:
    return compile_rules(SchemeDefinition.model_validate({
        "indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
        "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"}},
                        "honours": {level: {"item": "honour", "points": str(p)} for level, p in table.items()}}}))


@given(tables, honours)
def test_each_person_gets_the_table_points_of_their_honours(table: dict[str, Decimal],
                                                            given_honours: list[dict[str, Any]]) -> None:
    out = honour_adjustments(rules_with(table), given_honours, PEOPLE)
    assert set(out) <= set(PEOPLE)
    for person in PEOPLE:
        expected = sum((table[h["level"]] * 100 for h in given_honours
                        if h["person_id"] == person and h["level"] in table), Decimal(0))
        assert sum(hundredths for _, hundredths, _, _ in out.get(person, [])) == expected
        assert all(item == "honour" and evidence.startswith(LEDGER) for item, _, evidence, _ in out.get(person, []))


def test_merged_after_the_keyed_items_and_for_someone_with_none() -> None:
    own: dict[str, Any] = {"p1": {"marks": {}, "ratings": {}, "adjustments": [["honour", 100, "镇级", "镇党委"]],
                                  "negatives": []}}
    merge_honours(own, {"p1": [["honour", 150, f"{LEDGER} x: y（z）", "县委"]],
                        "p2": [["honour", 200, f"{LEDGER} a: b（c）", "市委"]]})
    assert [a[1] for a in own["p1"]["adjustments"]] == [100, 150]
    assert own["p2"] == {"marks": {}, "ratings": {}, "adjustments": [["honour", 200, f"{LEDGER} a: b（c）", "市委"]],
                         "negatives": []}
