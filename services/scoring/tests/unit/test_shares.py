"""A share's text: a decimal or a fraction, its exact value, and the text kept as given."""

from __future__ import annotations

import copy
import pickle
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.shares import ExactShare, parse_share


@given(st.integers(1, 10**12 - 1).flatmap(lambda q: st.tuples(st.integers(0, q), st.just(q))))
def test_a_fraction_is_exact_and_kept_as_written(pq: tuple[int, int]) -> None:
    p, q = pq
    share = parse_share(f"{p}/{q}")
    assert share == Fraction(p, q) and share.text == f"{p}/{q}"
    assert parse_share(share.text) == share  # stored, then read back


@given(st.decimals(0, 1, places=12, allow_nan=False, allow_infinity=False))
def test_a_decimal_is_exact_and_kept_as_pydantic_wrote_it(value: Decimal) -> None:
    share = parse_share(format(value, "f"))  # as written, not 0E-6
    assert share == Fraction(value)
    assert parse_share(share.text) == share  # a small one too (0.0000001 is not kept as 1E-7)
    assert "E" not in share.text


@pytest.mark.parametrize(("given_as", "value", "text"), [
    ("0.30", Fraction(3, 10), "0.30"), (0.2, Fraction(1, 5), "0.2"), (1, Fraction(1), "1"), ("1", Fraction(1), "1"),
    (".5", Fraction(1, 2), "0.5"), ("2/6", Fraction(1, 3), "2/6"), ("0/7", Fraction(0), "0/7"),
    (Decimal("0.25"), Fraction(1, 4), "0.25"),
])
def test_examples(given_as: object, value: Fraction, text: str) -> None:
    share = parse_share(given_as)
    assert (share, share.text) == (value, text)


@pytest.mark.parametrize("bad", ["4/3", "1/0", "-0.1", "1.5", " 1/3", "1e-1", "one", "", True, None, [1], 2,
                                 float("nan"), float("inf"), "١/٣"])
def test_not_a_share(bad: object) -> None:
    with pytest.raises(ValueError, match="share"):
        parse_share(bad)


def test_three_thirds_make_one_and_six_places_do_not() -> None:
    assert sum([parse_share("1/3")] * 3, Fraction(0)) == 1
    assert sum([parse_share("0.333333")] * 3, Fraction(0)) != 1


def test_a_copy_or_a_pickle_keeps_the_text() -> None:
    share = parse_share("0.30")
    again = pickle.loads(pickle.dumps(share))  # noqa: S301 (its own bytes)
    assert copy.deepcopy(share).text == copy.copy(share).text == again.text == "0.30"
    assert isinstance(again, ExactShare)
