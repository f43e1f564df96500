"""A quarter's close in parts: its people split into runs of person ids, each computed on its own,
then finished in one step that sees everyone (pure).

Everything a close does person by person depends on that person alone, given two things worked
out from everyone first (``Shared``: the mean task load and the unit means): the compact inputs,
their canonical JSON (the bytes the input digest takes, spliced into the stored detail), the exact
total and limits. ``compute_part`` does that for one part; the parts may be computed one after
another in one process, or at once by several workers (a part then travels as ``encode``'s
bytes). ``finish`` grades everyone in one step and makes the stored rows. The parts' bytes in
order are the bytes of the whole close: the input digest and the result digest are those of a
close computed in one piece (tests hold them equal).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from operator import itemgetter
from typing import Any

import orjson

from scoring.config import CLOSE_PART_PEOPLE
from scoring.definitions import Rules
from scoring.results import groups as grouping
from scoring.results.compute import NO_LIMITS, Limits
from scoring.results.digests import Json, inputs_spans
from scoring.results.engine import Compact, EngineMeans, engine_means, means_from_json, means_to_json
from scoring.results.inputs import compacts_of
from scoring.results.quarter import Blocked, grade_scored, quarter_rows, score_people
from scoring.results.ranking import Grade, Scored
from scoring.results.rows import BATCH, RowBatch, row_batches


@dataclass(frozen=True)
class Shared:
    """What every part needs that is worked out from everyone: the metrics the scheme reads, the
    summary fields kept for grouping, the mean task load and the unit means."""

    wanted: tuple[str, ...]
    extra: tuple[str, ...]
    mean_load: Fraction
    means: EngineMeans | None
    unit_means: dict[str, dict[str, tuple[Fraction, int]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"wanted": list(self.wanted), "extra": list(self.extra), "mean_load": str(self.mean_load),
                "unit_means": means_to_json(self.unit_means)}

    @classmethod
    def from_json(cls, kept: dict[str, Any]) -> Shared:
        means = means_from_json(kept["unit_means"])
        return cls(tuple(kept["wanted"]), tuple(kept["extra"]), Fraction(kept["mean_load"]), engine_means(means),
                   means)


@dataclass
class PartInputs:
    """A part's people as the records summary gives them (in person-id order) and this service's
    inputs for them."""

    number: int
    people: list[dict[str, Any]]
    own: dict[str, Compact]


@dataclass
class Part:
    """A part computed: the bytes the input digest takes of its people, in person order (each id,
    then the canonical JSON of their inputs at ``spans``), their totals and limits, their units,
    their groups (a scheme that compares within groups), and who lacks an input."""

    number: int
    inputs: bytes | bytearray
    spans: list[tuple[int, int]]
    scored: list[Scored]
    units: list[str | None]
    groups: list[grouping.GroupKey] = field(default_factory=list)
    blocked: Blocked = field(default_factory=list)

    @property
    def people(self) -> int:
        return len(self.scored)


def plan(people: list[dict[str, Any]], own: dict[str, Compact], size: int = CLOSE_PART_PEOPLE) -> list[PartInputs]:
    """The people in person-id order, cut into runs of ``size`` (one part if ``size`` is 0), each
    with its own inputs."""
    people.sort(key=itemgetter("person_id"))
    size = size or max(len(people), 1)
    out = []
    for number, start in enumerate(range(0, max(len(people), 1), size)):
        some = people[start:start + size]
        out.append(PartInputs(number, some, {p["person_id"]: own[p["person_id"]] for p in some
                                             if p["person_id"] in own}))
    return out


def compute_part(given: PartInputs, rules: Rules, shared: Shared) -> Part:
    """One part: its people's compact inputs, their bytes for the digest, their totals."""
    compacts = compacts_of(given.people, shared.wanted, given.own, shared.extra)
    blob, spans = inputs_spans(compacts)
    blocked: Blocked = []
    scored = score_people(compacts, rules, shared.mean_load, shared.means, blocked)
    within = rules.compare_within
    return Part(given.number, blob, spans, scored, [c["unit"] for c in compacts.values()],
                list(grouping.keys_of_inputs(compacts, within).values()) if within else [], blocked)


def blocked_of(parts: Sequence[Part]) -> Blocked:
    return [b for part in sorted(parts, key=lambda p: p.number) for b in part.blocked]


def grade(parts: Sequence[Part], rules: Rules, mean_load: Fraction,
          means: dict[str, dict[str, tuple[Fraction, int]]] | None) -> tuple[list[Grade], dict[str, Any]]:
    """Everyone's grade in person order (the parts' order), and the close's summary."""
    ordered = sorted(parts, key=lambda p: p.number)
    scored = [s for part in ordered for s in part.scored]
    groups: dict[str, grouping.GroupKey] = {}
    if rules.compare_within:
        for part in ordered:
            groups.update(zip((s[0] for s in part.scored), part.groups, strict=True))
    return grade_scored(scored, rules, mean_load, means, groups)


def rows(parts: Sequence[Part], grades: Sequence[Grade], close_id: uuid.UUID,
         size: int = BATCH) -> Iterator[RowBatch]:
    """The stored rows of every part, in person order, in batches for the version ``close_id``."""
    at = 0
    for part in sorted(parts, key=lambda p: p.number):
        view = memoryview(part.inputs)
        raw: dict[str, Json] = {s[0]: view[start:end] for s, (start, end) in zip(part.scored, part.spans, strict=True)}
        people = {s[0]: {"unit": unit} for s, unit in zip(part.scored, part.units, strict=True)}
        yield from row_batches(quarter_rows(people, part.scored, grades[at:at + part.people], raw), close_id, size)
        at += part.people


# ------------------------------------------------------------------ a part as bytes


def encode(part: Part) -> bytes:
    """A part as bytes, to be kept until the close is finished: a JSON header (its length first,
    8 bytes) then the input digest's bytes. Totals are exact: numerators and denominators as text."""
    header = orjson.dumps({
        "number": part.number, "spans": part.spans, "units": part.units, "groups": part.groups,
        "blocked": part.blocked,
        "scored": [[pid, str(num), str(den), None if limits is NO_LIMITS else
                    [limits.cap_at, limits.veto, limits.excluded, limits.listed],
                    [[str(n), str(d)] for n, d in ties]] for pid, num, den, limits, ties in part.scored]})
    return len(header).to_bytes(8, "big") + header + bytes(part.inputs)


def decode(payload: bytes | memoryview) -> Part:
    """The part ``encode`` made."""
    view = memoryview(payload)
    length = int.from_bytes(view[:8], "big")
    header = orjson.loads(view[8:8 + length])
    scored: list[Scored] = []
    for pid, num, den, limits, ties in header["scored"]:
        scored.append((pid, int(num), int(den), NO_LIMITS if limits is None else
                       Limits(limits[0], limits[1], tuple(limits[2]), tuple(limits[3])),
                       [[int(n), int(d)] for n, d in ties]))
    return Part(header["number"], bytes(view[8 + length:]), [tuple(s) for s in header["spans"]], scored,
                header["units"], [tuple(g) for g in header["groups"]],
                [(pid, unit, lacking) for pid, unit, lacking in header["blocked"]])
