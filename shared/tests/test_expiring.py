"""The bounded cache of entries that each stand until a moment of their own."""

from __future__ import annotations

from shared.expiring import ExpiringCache


class TestExpiringCache:
    def test_an_entry_stands_until_its_moment(self) -> None:
        cache: ExpiringCache[str, int] = ExpiringCache(10)
        cache.put("a", 1, until=10.0, now=0.0)
        assert cache.get("a", 9.9) == 1
        assert cache.get("a", 10.0) is None
        assert cache.get("b", 0.0) is None

    def test_full_it_keeps_the_live_entries_when_the_expired_free_enough_room(self) -> None:
        cache: ExpiringCache[str, int] = ExpiringCache(4)
        for key, until in (("old1", 1.0), ("old2", 1.0), ("old3", 1.0), ("live", 100.0)):
            cache.put(key, 0, until=until, now=0.0)
        cache.put("new", 5, until=100.0, now=50.0)
        assert sorted(cache.entries) == ["live", "new"]

    def test_full_of_live_entries_it_starts_afresh(self) -> None:
        cache: ExpiringCache[str, int] = ExpiringCache(4)
        for key in "abcd":
            cache.put(key, 0, until=100.0, now=0.0)
        cache.put("e", 1, until=100.0, now=1.0)
        assert list(cache.entries) == ["e"]

    def test_entries_are_dropped_by_key_or_by_value(self) -> None:
        cache: ExpiringCache[str, tuple[bool, str]] = ExpiringCache(10)
        cache.put("s1", (True, "u1"), until=100.0, now=0.0)
        cache.put("s2", (True, "u2"), until=100.0, now=0.0)
        cache.put("s3", (True, "u1"), until=100.0, now=0.0)
        cache.pop("s2")
        cache.pop("missing")
        assert len(cache) == 2
        cache.drop_where(lambda value: value[1] == "u1")
        assert len(cache) == 0
