"""A quarter's close in parts: its people split into runs of person ids, each computed on its own,
then finished in one step that sees everyone (pure).

Everything a close does person by person depends on that person alone, given two things worked
out from everyone first (``Shared``: the mean task load and the unit means): the compact inputs,
their canonical JSON (the bytes the input digest takes, spliced into the stored detail), the exact
total and limits, and each stored row but for its grade and rank. ``compute_part`` does that for
one part; the parts may be computed one after another in one process, or at once by several
workers (a part is then ``Staged``: its people's bytes for the digest, made where the inputs were
gathered; what it gives travels as ``encode``'s bytes). ``finish`` grades everyone in one step and
puts the grades into the stored rows. The parts' bytes in order are the bytes of the whole close:
the input digest and the result digest are those of a close computed in one piece (tests hold
them equal).
"""

from __future__ import annotations

import uuid
from array import array
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
from scoring.results.digests import inputs_spans
from scoring.results.engine import Compact, EngineMeans, engine_means, means_from_json, means_to_json
from scoring.results.inputs import compacts_of
from scoring.results.quarter import Blocked, grade_scored, score_people
from scoring.results.ranking import Grade, Scored
from scoring.results.rows import BATCH, RowBatch, graded_batches, heads


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
    their groups (a scheme that compares within groups), who lacks an input, and what their stored
    rows are without their grades (``rows.heads``, one after another in ``made``, each piece ending
    at the next of ``cuts``)."""

    number: int
    inputs: bytes | bytearray
    spans: list[tuple[int, int]]
    scored: list[Scored]
    units: list[str | None]
    groups: list[grouping.GroupKey] = field(default_factory=list)
    blocked: Blocked = field(default_factory=list)
    made: bytes = b""
    cuts: array[int] = field(default_factory=lambda: array("q"))

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
    return _scored(given.number, compacts, blob, spans, rules, shared)


@dataclass(frozen=True)
class Staged:
    """A part as a worker is given it: the bytes the input digest takes of its people (each id,
    then the canonical JSON of their compact inputs at ``spans``), made where the inputs were
    gathered, so that the input digest is known before any part is computed."""

    number: int
    inputs: bytes | bytearray
    spans: list[tuple[int, int]]


def staged_of(given: PartInputs, shared: Shared) -> tuple[Staged, dict[str, Compact]]:
    """The part as workers are given it, and its people's compact inputs (to compute it from where it was
    staged, with ``compute_known``)."""
    compacts = compacts_of(given.people, shared.wanted, given.own, shared.extra)
    blob, spans = inputs_spans(compacts)
    return Staged(given.number, blob, spans), compacts


def compute_known(staged: Staged, compacts: dict[str, Compact], rules: Rules, shared: Shared) -> Part:
    """A staged part computed where its people's compact inputs are still at hand (no reading back)."""
    return _scored(staged.number, compacts, staged.inputs, staged.spans, rules, shared)


def compute_staged(staged: Staged, rules: Rules, shared: Shared) -> Part:
    """A staged part computed: its people's compact inputs read back from their canonical JSON
    (the same values: the close's inputs are integers, strings, lists and objects)."""
    view, loads, at = memoryview(staged.inputs), orjson.loads, 0
    compacts: dict[str, Compact] = {}
    for start, end in staged.spans:
        compacts[bytes(view[at:start]).decode()] = loads(view[start:end])
        at = end
    return _scored(staged.number, compacts, staged.inputs, staged.spans, rules, shared)


def _scored(number: int, compacts: dict[str, Compact], blob: bytes | bytearray, spans: list[tuple[int, int]],
            rules: Rules, shared: Shared) -> Part:
    blocked: Blocked = []
    scored = score_people(compacts, rules, shared.mean_load, shared.means, blocked)
    within = rules.compare_within
    units = [c["unit"] for c in compacts.values()]
    made, cuts = bytearray(), array("q")
    for (pid, num, den, limits, _), unit in zip(scored, units, strict=True):
        for piece in heads(pid, unit, num, den, limits.listed):
            made += piece
            cuts.append(len(made))
    return Part(number, blob, spans, scored, units,
                list(grouping.keys_of_inputs(compacts, within).values()) if within else [], blocked, bytes(made), cuts)


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
        yield from graded_batches(part.made, part.cuts, part.inputs, part.spans, grades[at:at + part.people],
                                  close_id, size)
        at += part.people


# ------------------------------------------------------------------ a part as bytes


def encode(part: Part) -> bytes:
    """What a computed part gives beyond its inputs (``Staged``), as bytes to be kept until the close
    is finished: the length of a JSON header (8 bytes), the header (totals exact: numerators and
    denominators as text), the ``cuts`` (8 bytes each), then the rows' ``made`` bytes."""
    header = orjson.dumps({
        "number": part.number, "units": part.units, "groups": part.groups, "blocked": part.blocked,
        "scored": [[pid, str(num), str(den), None if limits is NO_LIMITS else
                    [limits.cap_at, limits.veto, limits.excluded, limits.listed],
                    [[str(n), str(d)] for n, d in ties]] for pid, num, den, limits, ties in part.scored]})
    return len(header).to_bytes(8, "big") + header + part.cuts.tobytes() + part.made


def decode(payload: bytes | memoryview, staged: Staged) -> Part:
    """The part ``encode`` made of the part ``staged``."""
    view = memoryview(payload)
    length = int.from_bytes(view[:8], "big")
    header = orjson.loads(view[8:8 + length])
    cuts = array("q")
    cuts.frombytes(view[8 + length:8 + length + 24 * len(header["scored"])])
    scored: list[Scored] = []
    for pid, num, den, limits, ties in header["scored"]:
        scored.append((pid, int(num), int(den), NO_LIMITS if limits is None else
                       Limits(limits[0], limits[1], tuple(limits[2]), tuple(limits[3])),
                       [[int(n), int(d)] for n, d in ties]))
    return Part(header["number"], staged.inputs, staged.spans, scored, header["units"],
                [tuple(g) for g in header["groups"]],
                [(pid, unit, lacking) for pid, unit, lacking in header["blocked"]],
                bytes(view[8 + length + 8 * len(cuts):]), cuts)


def stage_bytes(staged: Staged) -> bytes:
    """A staged part as bytes: its number and how many people (8 bytes each), their spans (8 bytes
    each end), then its inputs."""
    flat = array("q", (n for span in staged.spans for n in span))
    return (staged.number.to_bytes(8, "big") + len(staged.spans).to_bytes(8, "big") + flat.tobytes()
            + bytes(staged.inputs))


def staged_from(payload: bytes) -> Staged:
    """The part ``stage_bytes`` made."""
    number, count = int.from_bytes(payload[:8], "big"), int.from_bytes(payload[8:16], "big")
    flat = array("q")
    flat.frombytes(payload[16:16 + 16 * count])
    return Staged(number, payload[16 + 16 * count:], list(zip(flat[::2], flat[1::2], strict=True)))
