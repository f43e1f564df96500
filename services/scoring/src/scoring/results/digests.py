"""The input digest: what a close's results depend on, as the bytes of every person's canonical
compact inputs in person order (pure).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from scoring.results.compute import canonical
from scoring.results.engine import Compact

Json = bytes | memoryview  # a person's canonical JSON, as kept for the stored detail


def inputs_spans(people: dict[str, Compact]) -> tuple[bytearray, list[tuple[int, int]]]:
    """What the input digest takes of these people: each id and the canonical JSON of their
    compact inputs, in order; and where each one's JSON is in those bytes."""
    dumps, sort = orjson.dumps, orjson.OPT_SORT_KEYS
    blob = bytearray()
    # Each JSON is appended at once and let go: orjson's result keeps the ~4 KB buffer it was
    # written into (200,000 of them held 750 MB more at the peak of a province's close).
    spans = []
    for pid, inputs in people.items():
        blob += pid.encode()
        start = len(blob)
        blob += dumps(inputs, option=sort)
        spans.append((start, len(blob)))
    return blob, spans


def inputs_bytes(people: dict[str, Compact], keep: dict[str, Json] | None = None) -> bytearray:
    """``inputs_spans``' bytes (each person's JSON also put in ``keep``, if given, for the stored
    details: slices of these bytes, not copies)."""
    blob, spans = inputs_spans(people)
    if keep is not None:
        view = memoryview(blob)
        for pid, (start, end) in zip(people, spans, strict=True):
            keep[pid] = view[start:end]
    return blob


def digest_of(definition: dict[str, Any], parts: Iterable[bytes | bytearray], *extra: Any) -> str:
    """The input digest: the scheme version, anything else the results depend on, and the people's
    ``inputs_bytes`` in person order."""
    h = hashlib.sha256(canonical({"definition": definition, "extra": list(extra)}))
    for part in parts:
        h.update(part)
    return h.hexdigest()


def input_digest(definition: dict[str, Any], people: dict[str, Compact], *extra: Any,
                 keep: dict[str, Json] | None = None) -> str:
    """What the results depend on: the scheme version and every person's compact inputs (their
    canonical JSON also put in ``keep``, if given, for the stored details)."""
    return digest_of(definition, [inputs_bytes(people, keep)], *extra)
