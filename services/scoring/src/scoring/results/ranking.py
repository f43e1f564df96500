"""The close's grading hot path: a province ranked and graded on integer keys.

The same answers as :func:`scoring.results.compute.grade_all` (the reference, over
``domain.grades.grade``) — grades, ranks and the very reasons — without a ``Fraction`` or a
candidate object per person: people are sorted on the floors of their score and tie-break values
at 12 decimal places, and only where two scores share that floor (a true tie, or nearly) are the
exact values compared. Property tests hold the two equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np

from scoring.domain.grades import SCALE, GradeRule, cap_size
from scoring.results import groups as grouping
from scoring.results.compute import Limits

# (person, score numerator, score denominator > 0, limits, [(numerator, denominator > 0) per tie key])
Scored = tuple[str, int, int, Limits, Sequence[Sequence[int]]]
#: A person's grade (None: not graded), rank (None: excluded) and the reasons for them.
Grade = tuple[str | None, int | None, list[str]]
Graded = dict[str, Grade]
NOT_YET: Grade = (None, None, [])


def _ranked(candidates: list[Scored]) -> tuple[list[int], list[int]]:
    """Candidate indexes best first (the reference order), and each position's group of exactly
    equal keys (equal numbers: equal score and tie values, so an equal rank).

    ``candidates`` are in person-id order, so a stable sort on the floors leaves people with
    equal floors in that order, as the reference's last key does.
    """
    size = len(candidates)
    columns = [[-(num * SCALE // den) for _, num, den, _, _ in candidates]]
    for j in range(len(candidates[0][4]) if candidates else 0):
        columns.append([-(n * SCALE // d) for n, d in (c[4][j] for c in candidates)])
    try:
        arrays = [np.array(column, dtype=np.int64) for column in columns]
    except OverflowError:  # a value beyond 9.2 million points: the plain sort
        keyed = sorted((*(column[i] for column in columns), i) for i in range(size))
        arrays = [np.array([k[j] for k in keyed], dtype=object) for j in range(len(columns))]
        order_array = np.array([k[-1] for k in keyed], dtype=np.int64)
    else:
        order_array = np.lexsort(arrays[::-1])
        arrays = [a[order_array] for a in arrays]
    differs = np.zeros(size, dtype=bool)
    if size:
        differs[0] = True
    for a in arrays:
        differs[1:] |= a[1:] != a[:-1]
    groups = np.cumsum(differs).tolist()
    order = order_array.tolist()
    score = arrays[0]
    same = np.flatnonzero(score[1:] == score[:-1]) if size else np.zeros(0, dtype=np.int64)
    if not same.size:
        return order, groups
    # Runs of people whose scores share their floor at 12 places (true ties, or nearly).
    floors = [a.tolist() for a in arrays[1:]]
    fresh = size + 1
    run_start = int(same[0])
    run_end = run_start + 2
    for p in [*same[1:].tolist(), None]:
        if p is not None and p + 1 == run_end:
            run_end += 1
            continue
        if not _plain_tie(candidates, order, floors, run_start, run_end):
            fresh = _exact_run(candidates, order, groups, run_start, run_end, fresh)
        if p is not None:
            run_start, run_end = p, p + 2
    return order, groups


def _exact_run(candidates: list[Scored], order: list[int], groups: list[int], start: int, end: int,
               fresh: int) -> int:
    """Order ``order[start:end]`` by the reference's exact keys (score, then each tie value: floor
    and exact value in turn, then person) and give exactly equal keys one new group."""
    run = []
    for index in order[start:end]:
        _, num, den, _, ties = candidates[index]
        exact: list[object] = [-Fraction(num, den)]
        for n, d in ties:
            exact += [-(n * SCALE // d), -Fraction(n, d)]
        run.append((tuple(exact), index))
    run.sort()
    previous = None
    for position, (exact_key, index) in enumerate(run, start):
        if exact_key != previous:
            fresh += 1
            previous = exact_key
        order[position] = index
        groups[position] = fresh
    return fresh


def _plain_tie(candidates: list[Scored], order: list[int], floors: list[list[int]], start: int, end: int) -> bool:
    """Whether everyone at ``order[start:end]`` has exactly one score, and each tie key's value is
    exactly the same for everyone with the same floor of it (checked by cross-multiplying): then
    the floors' order is the exact order and equal floors are equal keys."""
    _, num0, den0, _, _ = candidates[order[start]]
    seen: dict[tuple[int, int], tuple[int, int]] = {}
    for position in range(start, end):
        _, num, den, _, ties = candidates[order[position]]
        if num * den0 != num0 * den:
            return False
        for j, (n, d) in enumerate(ties):
            first = seen.setdefault((j, floors[j][position]), (n, d))
            if n * first[1] != first[0] * d:
                return False
    return True


def grade_people(scored: Sequence[Scored], rule: GradeRule) -> tuple[Graded, dict[str, int], int]:
    """Grade everyone not excluded: person → (grade, rank, reasons); the slots; how many were graded.
    ``scored`` is in person-id order (the reference's last tie-break)."""
    grades, slots, size = grades_in_order(scored, rule)
    return {s[0]: g for s, g in zip(scored, grades, strict=True)}, slots, size


def grades_in_order(scored: Sequence[Scored], rule: GradeRule) -> tuple[list[Grade], dict[str, int], int]:
    """``grade_people``, the grades in the order of ``scored``."""
    where = [i for i, s in enumerate(scored) if not s[3].excluded]
    candidates = [scored[i] for i in where]
    order, groups = _ranked(candidates)
    size = len(order)
    ranks = [0] * size
    for position in range(size):
        ranks[position] = ranks[position - 1] if position and groups[position] == groups[position - 1] \
            else position + 1
    order_index = {g: i for i, g in enumerate(rule.order)}
    # The best grade each may have by the negative list and thresholds (-1: no limit).
    limit = [-1 if (cap_at := candidates[i][3].cap_at) is None else order_index[cap_at] for i in order]
    slots = {cap.grade: cap_size(cap.max_share, size, rule.rounding) for cap in rule.caps}
    given: list[str | None] = [None] * size
    reasons: list[list[str]] = [[] for _ in range(size)]
    lowest = rule.order[-1]
    for position, index in enumerate(order):
        if candidates[index][3].veto:
            given[position] = lowest
            reasons[position].append(f"vetoed by the negative list: {lowest}")
    for cap in rule.caps:
        at = order_index[cap.grade]
        eligible = [p for p in range(size) if given[p] is None and limit[p] <= at]
        room = slots[cap.grade]
        chosen = eligible[:room]
        if 0 < room < len(eligible) and groups[eligible[room - 1]] == groups[eligible[room]]:
            boundary = groups[eligible[room]]
            tied = [p for p in eligible if groups[p] == boundary]
            if rule.tie_at_cap == "exclude":
                chosen = [p for p in chosen if groups[p] != boundary]
                why = f"tied where the {cap.grade} cap fell; the cap holds (tie_at_cap=exclude)"
            else:
                inside = set(chosen)
                chosen += [p for p in tied if p not in inside]
                why = f"tied where the {cap.grade} cap fell; all admitted (tie_at_cap=include)"
            for p in tied:
                reasons[p].append(why)
        within = f" within the {cap.grade} cap of {room} ({float(cap.max_share) * 100:g}% of {size}, {rule.rounding})"
        for p in chosen:
            given[p] = cap.grade
            reasons[p].append(f"rank {ranks[p]}{within}")
    default = rule.default
    for p in range(size):
        if given[p] is None:
            grade_ = default
            best = limit[p]
            if best >= 0:
                if best > order_index[default]:
                    grade_ = rule.order[best]
                reasons[p].append(f"limited to no better than {rule.order[best]} (see the limits)")
            given[p] = grade_
            reasons[p].append(f"rank {ranks[p]}: {grade_}")
    out: list[Grade] = [(None, None, [f"excluded from grading: {w}" for w in s[3].excluded]) if s[3].excluded
                        else NOT_YET for s in scored]
    for position, given_grade, rank, said in zip([where[i] for i in order], given, ranks, reasons, strict=True):
        out[position] = (given_grade, rank, said)
    return out, slots, size


#: Each group's summary (see ``groups.summary_entry``), when people are compared within groups.
Groups = list[dict[str, object]]


def grades_within(scored: Sequence[Scored], rule: GradeRule, within: Sequence[str],
                  keys: Mapping[str, grouping.GroupKey]) -> tuple[list[Grade], dict[str, int], int, Groups | None]:
    """``grades_in_order``, but with people compared only within their group (``keys``: person →
    group) when ``within`` names a grouping: each group ranked and graded on its own, its people's
    reasons saying which group it is. The slots are then the groups' added up; the groups' own
    are in the last value (None: one group, the whole scheme)."""
    if not within:
        grades, slots, size = grades_in_order(scored, rule)
        return grades, slots, size, None
    members: dict[grouping.GroupKey, list[int]] = {}
    for index, s in enumerate(scored):
        members.setdefault(keys[s[0]], []).append(index)
    out: list[Grade] = [NOT_YET] * len(scored)
    slots = {cap.grade: 0 for cap in rule.caps}
    graded = 0
    summary: Groups = []
    for key in sorted(members, key=grouping.order_of):
        at = members[key]
        grades, group_slots, size = grades_in_order([scored[i] for i in at], rule)
        first = grouping.note(within, key, size)
        counts = {g: 0 for g in rule.order}
        for index, (grade, rank, reasons) in zip(at, grades, strict=True):
            out[index] = (grade, rank, [first, *reasons])
            counts[grade or "not_graded"] = counts.get(grade or "not_graded", 0) + 1
        for grade, n in group_slots.items():
            slots[grade] += n
        graded += size
        summary.append(grouping.summary_entry(within, key, size, group_slots, counts))
    return out, slots, graded, summary
