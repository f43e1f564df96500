"""Comparing people only within groups (Binzhou's third way: 按类别/岗位/单位 分别比较).

A scheme's ``grades.compare_within`` names what people must share to be compared: their unit,
section, post (岗位) or staff category. Ranks, and each capped grade's share, are then worked out
in each group on its own, as if it were a scheme of its own; the close's summary lists the groups
with their slots, and each person's explanation names their group.

A person's group is read from their compact inputs (``unit``, ``section``, and ``post`` and
``staff_category`` kept there only for a scheme that compares within them), or from the records
summary the inputs are made of: the two give the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scoring.definitions import Rules

#: Each grouping: the key of the compact inputs, and the field of the records summary.
GROUPINGS: dict[str, tuple[str, str]] = {
    "unit": ("unit", "unit_id"),
    "section": ("section", "section_id"),
    "post": ("post", "post"),
    "staff_category": ("staff_category", "staff_category"),
}

#: What the compact inputs keep beyond unit and section, for a scheme that compares within it.
EXTRA = ("post", "staff_category")

#: A group: the values its people share, in the order of ``compare_within`` (None: none recorded).
GroupKey = tuple[str | None, ...]


def group_fields(rules: Rules) -> tuple[str, ...]:
    """The records summary's fields a scheme's grouping needs beyond unit and section; kept in
    the compact inputs (so that they are part of the input digest, and explain the group)."""
    return tuple(g for g in rules.compare_within if g in EXTRA)


def key_of_inputs(inputs: Mapping[str, Any], within: Sequence[str]) -> GroupKey:
    return tuple(inputs.get(GROUPINGS[g][0]) for g in within)


def keys_of_inputs(people: Mapping[str, Mapping[str, Any]], within: Sequence[str]) -> dict[str, GroupKey]:
    """Each person's group from their compact inputs (person → key)."""
    return {pid: key_of_inputs(inputs, within) for pid, inputs in people.items()}


def keys_of_summary(people: Iterable[Mapping[str, Any]], within: Sequence[str]) -> dict[str, GroupKey]:
    """Each person's group from the records summary's people (person → key)."""
    fields = [GROUPINGS[g][1] for g in within]
    return {str(p["person_id"]): tuple(None if p.get(f) is None else str(p[f]) for f in fields) for p in people}


def order_of(key: GroupKey) -> tuple[tuple[bool, str], ...]:
    """Groups in a fixed order: by each value, none first."""
    return tuple((value is not None, value or "") for value in key)


def label(within: Sequence[str], key: GroupKey) -> dict[str, str | None]:
    return dict(zip(within, key, strict=True))


def describe(within: Sequence[str], key: GroupKey) -> str:
    """E.g. ``unit 5f0c…, post 科员`` (``post none``: nobody's post is recorded)."""
    return ", ".join(f"{g} {'none' if v is None else v}" for g, v in zip(within, key, strict=True))


def note(within: Sequence[str], key: GroupKey, graded: int) -> str:
    """The first reason of everyone in a group."""
    return f"compared within {describe(within, key)} ({graded} graded; grades.compare_within)"


def summary_entry(within: Sequence[str], key: GroupKey, graded: int, slots: Mapping[str, int],
                  counts: Mapping[str, int]) -> dict[str, Any]:
    return {"group": label(within, key), "graded": graded, "slots": dict(slots), "grades": dict(counts)}


def find_entry(summary: Mapping[str, Any], group: Mapping[str, str | None]) -> Mapping[str, Any] | None:
    """The close's summary of a person's group, if the close compared within groups."""
    for entry in summary.get("groups") or ():
        if entry["group"] == group:
            return entry  # type: ignore[no-any-return]
    return None
