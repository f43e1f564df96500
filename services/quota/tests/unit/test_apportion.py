"""The apportionment engine: hand-checked examples, an exact reference, the peer package."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from apportionment import methods as peer
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from quota.domain.apportion import (
    DIVISOR_METHODS,
    METHODS,
    ApportionmentError,
    apportion,
)

# --------------------------------------------------------------------------- reference


def _signpost_squared(method: str, s: int) -> Fraction:
    if method == "jefferson":
        return Fraction((s + 1) ** 2)
    if method == "webster":
        return Fraction(2 * s + 1, 2) ** 2
    if method == "adams":
        return Fraction(s * s)
    if method == "dean":
        return Fraction(2 * s * (s + 1), 2 * s + 1) ** 2
    return Fraction(s * (s + 1))


def reference(method: str, seats: int, pops: dict[str, int], mins: dict[str, int] | None = None,
              maxs: dict[str, int] | None = None) -> dict[str, int]:
    """Seat by seat, the textbook way, with squared priorities as exact fractions."""
    mins = mins or {}
    maxs = maxs or {}
    result = {u: mins.get(u, 0) for u in pops}
    if method == "hamilton":
        total = sum(pops.values())
        quota = {u: Fraction(seats * p, total) for u, p in pops.items()}
        result = {u: min(int(q), maxs.get(u, 10**12)) for u, q in quota.items()}
        lifted = {u for u in pops if result[u] < mins.get(u, 0)}
        for u in lifted:
            result[u] = mins[u]
        order = sorted((u for u in pops if u not in lifted and result[u] < maxs.get(u, 10**12)),
                       key=lambda u: (-(quota[u] - int(quota[u])), -pops[u], u))
        for u in order[: seats - sum(result.values())]:
            result[u] += 1
        return result

    def rank(u: str) -> tuple[int, Fraction, int, str]:
        """Smallest first: highest priority, then larger population, then id."""
        d2 = _signpost_squared(method, result[u])
        kind, value = (1, Fraction(pops[u])) if d2 == 0 else (0, Fraction(pops[u] ** 2) / d2)
        return (-kind, -value, -pops[u], u)

    for _ in range(seats - sum(result.values())):
        open_units = [u for u in pops if pops[u] > 0 and result[u] < maxs.get(u, 10**12)]
        best = min(open_units, key=rank)
        result[best] += 1
    return result


# --------------------------------------------------------------------------- examples


class TestHandChecked:
    def test_hamilton_alabama_paradox(self) -> None:
        # Quotas 4.29/4.29/1.43 give C the 10th seat; at 11 seats A and B take both.
        pops = {"A": 6, "B": 6, "C": 2}
        assert apportion("hamilton", 10, pops).seats == {"A": 4, "B": 4, "C": 2}
        assert apportion("hamilton", 11, pops).seats == {"A": 5, "B": 5, "C": 1}

    @pytest.mark.parametrize(("method", "expected"), [
        # populations 5,3,2 and 4 seats: quotas 2, 1.2, 0.8
        ("hamilton", {"A": 2, "B": 1, "C": 1}),
        # priorities 5, 3, 2.5, 2, 1.67: A B A C
        ("jefferson", {"A": 2, "B": 1, "C": 1}),
        # 5/0.5=10, 3/0.5=6, 2/0.5=4, 5/1.5=3.33: A B C A
        ("webster", {"A": 2, "B": 1, "C": 1}),
        # everyone one seat, then A at 5/1
        ("adams", {"A": 2, "B": 1, "C": 1}),
    ])
    def test_small_county(self, method: str, expected: dict[str, int]) -> None:
        assert apportion(method, 4, {"A": 5, "B": 3, "C": 2}).seats == expected

    def test_methods_differ_where_they_should(self) -> None:
        # Jefferson favours the large unit, Adams the small ones.
        pops = {"big": 9_000, "mid": 600, "small": 400}
        assert apportion("jefferson", 10, pops).seats == {"big": 10, "mid": 0, "small": 0}
        assert apportion("adams", 10, pops).seats == {"big": 8, "mid": 1, "small": 1}
        assert apportion("webster", 10, pops).seats == {"big": 9, "mid": 1, "small": 0}

    def test_huntington_hill_uses_the_geometric_mean(self) -> None:
        # B's 2nd seat: 45/sqrt(2)=31.8 ; A's 4th: 100/sqrt(12)=28.9 -> B wins the 5th seat.
        assert apportion("huntington_hill", 5, {"A": 100, "B": 45}).seats == {"A": 3, "B": 2}
        # Webster gives the same 5th seat to A: 100/3.5=28.6 < 45/1.5=30 -> B as well; 6 seats:
        # A 100/3.5=28.57 vs B 45/2.5=18 -> A.
        assert apportion("webster", 6, {"A": 100, "B": 45}).seats == {"A": 4, "B": 2}

    def test_dean_uses_the_harmonic_mean(self) -> None:
        # A's 3rd seat: d(2)=12/5 -> 10/2.4=4.17 ; B's 2nd: d(1)=4/3 -> 6/1.333=4.5 -> B first.
        assert apportion("dean", 4, {"A": 10, "B": 6}).seats == {"A": 2, "B": 2}

    def test_aliases(self) -> None:
        pops = {"A": 7, "B": 5, "C": 1}
        assert apportion("dhondt", 6, pops) .seats == apportion("jefferson", 6, pops).seats
        assert apportion("sainte_lague", 6, pops).seats == apportion("webster", 6, pops).seats
        assert apportion("largest_remainder", 6, pops).seats == apportion("hamilton", 6, pops).seats
        assert apportion("dhondt", 6, pops).method == "jefferson"

    def test_minimums_and_maximums(self) -> None:
        pops = {"A": 1000, "B": 10, "C": 10}
        result = apportion("jefferson", 10, pops, min_seats=1, max_seats={"A": 6})
        assert result.seats == {"A": 6, "B": 2, "C": 2}

    def test_hamilton_lifts_to_the_minimum_out_of_the_leftover(self) -> None:
        # Quotas 8.9, 0.9, 0.2: floors 8,0,0 ; lift B and C to 1 ; 0 left.
        result = apportion("hamilton", 10, {"A": 89, "B": 9, "C": 2}, min_seats=1)
        assert result.seats == {"A": 8, "B": 1, "C": 1}

    def test_hamilton_takes_back_from_the_weakest_when_lifts_overrun(self) -> None:
        # Quotas 2.5, 2.25, 0.15, 0.10: floors 2,2,0,0 leave 1 seat but C and D need 2 lifts;
        # the seat comes back from B, the smaller remainder above its minimum.
        result = apportion("hamilton", 5, {"A": 50, "B": 45, "C": 3, "D": 2}, min_seats=1)
        assert result.seats == {"A": 2, "B": 1, "C": 1, "D": 1}

    def test_zero_population_keeps_its_minimum(self) -> None:
        assert apportion("huntington_hill", 4, {"A": 0, "B": 7, "C": 3}, min_seats=0).seats == {
            "A": 0, "B": 3, "C": 1}


class TestTies:
    def test_an_exact_tie_is_reported_and_broken_by_population_then_id(self) -> None:
        result = apportion("webster", 5, {"east": 30, "west": 30, "north": 20, "south": 20})
        assert result.seats == {"east": 2, "west": 1, "north": 1, "south": 1}
        assert len(result.ties) == 1
        tie = result.ties[0]
        assert tie.contenders == ("east", "west") and tie.winners == ("east",)
        assert "population" in tie.rule

    def test_input_order_never_decides(self) -> None:
        a = apportion("jefferson", 7, {"z": 10, "a": 10, "m": 10})
        b = apportion("jefferson", 7, {"a": 10, "m": 10, "z": 10})
        assert a == b
        assert a.seats == {"a": 3, "m": 2, "z": 2}

    def test_no_tie_no_report(self) -> None:
        assert apportion("hamilton", 10, {"A": 61, "B": 39}).ties == ()


class TestBadInput:
    @pytest.mark.parametrize(("kwargs", "field"), [
        ({"method": "hamilton", "seats": 3, "populations": {}}, "populations"),
        ({"method": "hamilton", "seats": 3, "populations": {"A": -1}}, "populations.A"),
        ({"method": "borda", "seats": 3, "populations": {"A": 1}}, "method"),
        ({"method": "webster", "seats": 1, "populations": {"A": 1, "B": 1}, "min_seats": 1}, "seats"),
        ({"method": "webster", "seats": 5, "populations": {"A": 1}, "max_seats": {"A": 2}}, "seats"),
        ({"method": "webster", "seats": 5, "populations": {"A": 1}, "max_seats": {"Z": 2}},
         "max_seats.Z"),
        ({"method": "webster", "seats": 5, "populations": {"A": 1, "B": 2},
          "min_seats": {"A": 3}, "max_seats": {"A": 2}}, "max_seats.A"),
        ({"method": "hamilton", "seats": 5, "populations": {"A": 0, "B": 0}}, "populations"),
    ])
    def test_named_problem(self, kwargs: dict[str, object], field: str) -> None:
        with pytest.raises(ApportionmentError) as info:
            apportion(**kwargs)  # type: ignore[arg-type]
        assert info.value.field == field

    def test_too_many_units(self) -> None:
        with pytest.raises(ApportionmentError, match="limit"):
            apportion("webster", 5, {f"u{i}": 1 for i in range(11)}, max_units=10)


# --------------------------------------------------------------------------- properties

unit_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=3)
populations = st.dictionaries(unit_ids, st.integers(min_value=0, max_value=5_000), min_size=1, max_size=12)
methods = st.sampled_from(METHODS)


@st.composite
def problems(draw: st.DrawFn) -> tuple[str, int, dict[str, int], dict[str, int], dict[str, int]]:
    method = draw(methods)
    pops = draw(populations)
    assume(sum(pops.values()) > 0)
    mins = {u: draw(st.integers(0, 2)) for u in pops if draw(st.booleans())}
    maxs = {u: mins.get(u, 0) + draw(st.integers(0, 20)) for u in pops if draw(st.booleans())}
    populated = [u for u in pops if pops[u] > 0]
    assume(populated)
    capacity = sum(maxs.get(u, 10**6) if pops[u] > 0 or method == "hamilton" else mins.get(u, 0)
                   for u in pops)
    low = sum(mins.values())
    seats = draw(st.integers(low, min(low + 60, capacity)))
    return method, seats, pops, mins, maxs


SOME_POPULATIONS = [1, 2, 3, 7, 10, 1_000, 999_983]


class TestProperties:
    @given(problems())
    @settings(max_examples=400, suppress_health_check=[HealthCheck.filter_too_much])
    def test_seats_add_up_and_respect_bounds(self, problem: tuple) -> None:  # type: ignore[type-arg]
        method, seats, pops, mins, maxs = problem
        result = apportion(method, seats, pops, min_seats=mins, max_seats=maxs).seats
        assert sum(result.values()) == seats
        for unit, got in result.items():
            assert got >= mins.get(unit, 0)
            assert got <= maxs.get(unit, 10**9)

    @given(problems())
    @settings(max_examples=400, suppress_health_check=[HealthCheck.filter_too_much])
    def test_divisor_methods_equal_the_seat_by_seat_reference(self, problem: tuple) -> None:  # type: ignore[type-arg]
        method, seats, pops, mins, maxs = problem
        assume(method in DIVISOR_METHODS)
        got = apportion(method, seats, pops, min_seats=mins, max_seats=maxs).seats
        assert got == reference(method, seats, pops, mins, maxs)

    @given(methods, populations, st.integers(0, 80), st.randoms(use_true_random=False))
    def test_input_order_never_changes_the_output(self, method: str, pops: dict[str, int], seats: int,
                                                  rnd: random.Random) -> None:
        assume(sum(pops.values()) > 0)
        items = list(pops.items())
        rnd.shuffle(items)
        assert apportion(method, seats, pops) == apportion(method, seats, dict(items))

    @given(st.sampled_from(sorted(DIVISOR_METHODS)), populations, st.integers(0, 60))
    def test_divisor_methods_are_house_monotone(self, method: str, pops: dict[str, int],
                                                seats: int) -> None:
        assume(sum(pops.values()) > 0)
        smaller = apportion(method, seats, pops).seats
        larger = apportion(method, seats + 1, pops).seats
        assert all(larger[u] >= smaller[u] for u in pops)

    @given(populations, st.integers(1, 60))
    def test_hamilton_stays_within_quota(self, pops: dict[str, int], seats: int) -> None:
        total = sum(pops.values())
        assume(total > 0)
        for unit, got in apportion("hamilton", seats, pops).seats.items():
            quota = Fraction(seats * pops[unit], total)
            assert int(quota) <= got <= -(-quota.numerator // quota.denominator)

    @given(st.one_of(st.lists(st.sampled_from(SOME_POPULATIONS), min_size=1, max_size=30),
                     st.lists(st.sampled_from(SOME_POPULATIONS), min_size=200, max_size=450),
                     st.lists(st.integers(1, 10**6), min_size=200, max_size=450)),
           st.integers(0, 3_000))
    @settings(max_examples=150)
    def test_hamilton_equals_the_exact_largest_remainder_at_every_size(self, values: list[int], seats: int) -> None:
        """Small and bulk (200 units and more) paths alike, with many equal remainders."""
        pops = {f"u{i:03d}": p for i, p in enumerate(values)}
        total = sum(values)
        quotas = {u: Fraction(seats * p, total) for u, p in pops.items()}
        expected = {u: int(q) for u, q in quotas.items()}
        left = seats - sum(expected.values())
        # Largest remainder first; equal remainders: the larger population, then the unit id.
        for unit in sorted(pops, key=lambda u: (-(quotas[u] - int(quotas[u])), -pops[u], u))[:left]:
            expected[unit] += 1
        result = apportion("hamilton", seats, pops)
        assert result.seats == expected
        remainders = sorted((quotas[u] - int(quotas[u]) for u in pops), reverse=True)
        cut = 0 < left < len(pops) and remainders[left - 1] == remainders[left]
        assert bool(result.ties) == cut

    def test_large_inputs_match_the_reference_at_the_boundary(self) -> None:
        rng = random.Random(7)
        pops = {f"u{i:04d}": rng.randint(1, 10**6) for i in range(2_000)}
        for method in sorted(DIVISOR_METHODS):
            fast = apportion(method, 40_000, pops).seats
            # Check the divisor criterion exactly: every seat given outranks every seat not given.
            given_keys = [_key(method, pops[u], fast[u] - 1) for u in pops if fast[u] > 0]
            next_keys = [_key(method, pops[u], fast[u]) for u in pops]
            assert min(given_keys) >= max(next_keys), method


def _key(method: str, p: int, s: int) -> tuple[int, Fraction]:
    d2 = _signpost_squared(method, s)
    return (1, Fraction(p)) if d2 == 0 else (0, Fraction(p * p) / d2)


# --------------------------------------------------------------------------- the peer package

PEER_NAMES = {"hamilton": "largest_remainder", "jefferson": "dhondt", "webster": "saintelague",
              "huntington_hill": "huntington", "adams": "adams", "dean": "dean"}


class TestAgainstThePeerPackage:
    @given(st.sampled_from(METHODS), st.lists(st.integers(1, 100_000), min_size=2, max_size=15),
           st.integers(0, 200))
    @settings(max_examples=200)
    def test_same_seats_where_there_is_no_tie(self, method: str, votes: list[int], extra: int) -> None:
        seats = len(votes) + extra  # the peer's zero-signpost methods need seats >= units
        ids = [f"p{i:02d}" for i in range(len(votes))]
        ours = apportion(method, seats, dict(zip(ids, votes, strict=True)))
        assume(not ours.ties)
        theirs = peer.compute(PEER_NAMES[method], votes, seats, fractions=method != "huntington_hill")
        assert [ours.seats[i] for i in ids] == list(theirs)
