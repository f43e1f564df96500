"""A bounded map whose entries each stand until a moment of their own (verified tokens, signed
tokens, session states): read many times, worked out again once stale."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ExpiringCache(Generic[K, V]):
    """At most ``size`` entries, each kept until its ``until`` on the caller's clock.

    Full, it drops the expired entries; should that leave it more than half full, it starts
    afresh, so making room never costs more than one pass per ``size / 2`` entries added.
    """

    __slots__ = ("entries", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K, now: float) -> V | None:
        """The value kept for ``key`` if it stands after ``now``, else None."""
        hit = self.entries.get(key)
        return hit[1] if hit is not None and hit[0] > now else None

    def put(self, key: K, value: V, *, until: float, now: float) -> None:
        if len(self.entries) >= self.size:
            self.entries = {k: hit for k, hit in self.entries.items() if hit[0] > now}
            if len(self.entries) > self.size // 2:
                self.entries.clear()
        self.entries[key] = (until, value)

    def pop(self, key: K) -> None:
        self.entries.pop(key, None)

    def drop_where(self, condition: Callable[[V], bool]) -> None:
        self.entries = {k: hit for k, hit in self.entries.items() if not condition(hit[1])}

    def clear(self) -> None:
        self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)
