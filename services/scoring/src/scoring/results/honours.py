"""Honours of the records ledger (荣誉台账) as bonus items of a close.

The scheme's ``adjustments.honours`` table gives, per level, a bonus item of the catalogue and
its points. At a close, each honour of one of the scheme's people awarded within the period and
not voided becomes an adjustment of that item in the person's compact inputs, next to the keyed
ones: counted under the item's caps, in the input digest (a new honour changes the close), and
listed in the explanation with evidence "荣誉台账 …" and the awarding body as approver.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from scoring.clients import Neighbours
from scoring.definitions import Rules
from scoring.results.engine import Compact
from shared.periods import Period

#: How an adjustment made from the ledger begins its evidence, in the explanation.
LEDGER = "荣誉台账"


async def ledger_honours(neighbours: Neighbours, rules: Rules, region_id: uuid.UUID, period: Period, *,
                         year: bool = False) -> list[dict[str, Any]]:
    """The region's honours awarded in the period, if the scheme turns honours into points; none
    for the year-end part of a year (the year's honours count in its quarters)."""
    if not rules.honours or year:
        return []
    return await neighbours.honours(region_id=region_id, first=period.start, last=period.end)


def honour_adjustments(rules: Rules, honours: Iterable[dict[str, Any]],
                       people: Iterable[str]) -> dict[str, list[list[Any]]]:
    """The compact adjustments ``[item, hundredths, evidence, approved_by]`` of the people's honours
    whose level the table prices (a unit's honour, or a level not in the table, gives none)."""
    table = {level: (item, int(points * 100)) for level, item, points in rules.honours}
    ours = set(people)
    out: dict[str, list[list[Any]]] = {}
    for honour in honours:
        pid, priced = honour.get("person_id"), table.get(honour["level"])
        if pid is None or priced is None or str(pid) not in ours:
            continue
        item, hundredths = priced
        evidence = f"{LEDGER} {honour['id']}: {honour['title']}（{honour['evidence']}）"
        out.setdefault(str(pid), []).append([item, hundredths, evidence, honour["awarded_by"]])
    for entries in out.values():
        entries.sort()
    return out


def merge_honours(own: dict[str, Compact], adjustments: dict[str, list[list[Any]]]) -> None:
    """Each person's honour adjustments added to their own inputs (after the keyed ones)."""
    for pid, entries in adjustments.items():
        entry = own.get(pid)
        if entry is None:
            own[pid] = {"marks": {}, "ratings": {}, "adjustments": entries, "negatives": []}
        else:
            entry["adjustments"] = [*entry["adjustments"], *entries]
