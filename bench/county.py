"""A generated county shaped like Bazhou (83 units), for allocation benchmarks and examples."""

from __future__ import annotations

import random
from typing import Any

POLICY: dict[str, Any] = {
    "ratio_by_grade": {"first": "0.22", "second": "0.20", "third": "0.15"},
    "unit_cap_ratio": "0.40",
    "township_uplift": "0.20",
    "designated_rules": [{"condition": "target_first_class", "slots": 1},
                         {"condition": "city_commendation", "slots": 1}],
}


def county(seed: int = 2024, units: int = 83) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    kinds = ["township"] * 23 + ["street"] * 5 + ["department"] * 45 + ["institution"] * 10
    out = []
    for i in range(units):
        kind = kinds[i % len(kinds)]
        headcount = rng.randint(6, 18) if kind == "township" else rng.randint(5, 60)
        grade = rng.choices(["first", "second", "third"], weights=[3, 5, 2])[0]
        conditions = []
        if kind == "township" and grade == "first":
            conditions.append("target_first_class")
        if kind == "township" and rng.random() < 0.3:
            conditions.append("city_commendation")
        red_lines = ["criticised_notice"] if kind == "township" and rng.random() < 0.1 else []
        out.append({"id": f"unit-{i:03d}", "kind": kind, "headcount": headcount, "grade": grade,
                    "points": rng.randint(0, 60) if kind == "township" else 0,
                    "conditions": conditions, "red_lines": red_lines})
    return out
