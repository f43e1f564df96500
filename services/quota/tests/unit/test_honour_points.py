"""Township points from honours: each unit adds the table's points of its honours' levels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from quota.allocations.honours import add_honour_points

LEVELS = ("national", "provincial", "city", "county", "township")
UNITS = ("T1", "T2", "D")

tables = st.dictionaries(st.sampled_from(LEVELS), st.decimals(min_value=0, max_value=50, places=2), max_size=5)
honours = st.lists(st.fixed_dictionaries({
    "id": st.uuids().map(str), "unit_id": st.sampled_from((*UNITS, "elsewhere")),
    "person_id": st.one_of(st.none(), st.uuids().map(str)), "level": st.sampled_from(LEVELS),
    "title": st.just("先进"), "awarded_on": st.sampled_from(("2025-03-01", "2025-09-30")),
    "awarded_by": st.just("市委")}), max_size=12)


@given(tables, honours, st.lists(st.integers(0, 60), min_size=3, max_size=3))
def test_points_add_the_table_for_each_honour(table: dict[str, Decimal], given_honours: list[dict[str, Any]],
                                             stored: list[int]) -> None:
    units = [{"id": u, "points": str(p)} for u, p in zip(UNITS, stored, strict=True)]
    out, trace = add_honour_points(units, given_honours, table)
    counted = [h for h in given_honours if h["unit_id"] in UNITS and h["level"] in table]
    for unit, before in zip(out, stored, strict=True):
        extra = sum((table[h["level"]] for h in counted if h["unit_id"] == unit["id"]), Decimal(0))
        assert Decimal(unit["points"]) == before + extra
    assert len(trace) == len(counted) and all(step.slots == 0 for step in trace)
    assert sorted(step.unit or "" for step in trace) == sorted(h["unit_id"] for h in counted)
