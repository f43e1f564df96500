"""The patterns a service document declares for its inputs say no more than the API accepts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.hostile import problems
from shared.openapi_inputs import NO_CONTROL, NO_CONTROL_BUT_LAYOUT, PATH_SEGMENT, decimal_pattern
from shared.periods import DAY_PATTERN, PERIOD_PATTERN, parse_period

BOUNDS = [{"minimum": 0, "maximum": 1}, {"exclusiveMinimum": 0, "maximum": 1000}, {"minimum": 0, "maximum": 100},
          {"exclusiveMinimum": 0, "exclusiveMaximum": 1}, {"minimum": 0, "maximum": 3}, {"minimum": -10, "maximum": 10},
          {"minimum": 0}, {}]


def ecma(pattern: str) -> re.Pattern[str]:
    """``pattern`` as a JSON Schema validator reads it: ``$`` is the end of the text, not a line's."""
    return re.compile(pattern.removesuffix("$") + r"\Z")


def _within(value: Decimal, number: dict[str, int]) -> bool:
    return (value >= number.get("minimum", value) and value <= number.get("maximum", value)
            and ("exclusiveMinimum" not in number or value > number["exclusiveMinimum"])
            and ("exclusiveMaximum" not in number or value < number["exclusiveMaximum"]) and abs(value) < 10**15)


@pytest.mark.parametrize("number", BOUNDS)
@pytest.mark.parametrize("places", [2, 4])
@given(text=st.from_regex(r"\A-?[0-9]{1,17}(\.[0-9]{1,6})?\Z"))
def test_a_decimal_string_the_pattern_matches_is_within_bounds(number: dict[str, int], places: int,
                                                              text: str) -> None:
    if ecma(decimal_pattern(number, places)).match(text):
        value = Decimal(text)
        assert _within(value, number)
        assert -int(value.as_tuple().exponent) <= places


@pytest.mark.parametrize(("number", "text"), [({"minimum": 0, "maximum": 1}, "1"), ({"minimum": 0, "maximum": 1}, "0"),
                                              ({"exclusiveMinimum": 0, "maximum": 1000}, "1000"),
                                              ({"exclusiveMinimum": 0, "maximum": 1000}, "1.5")])
def test_round_numbers_at_the_bounds_are_declared(number: dict[str, int], text: str) -> None:
    assert ecma(decimal_pattern(number)).match(text)


@given(st.text(max_size=12) | st.from_regex(r"\A20[0-9]{2}([Qq][0-9]|[Hh][0-9]|-[0-9]{2})?\Z"))
def test_the_period_pattern_takes_exactly_what_parse_period_takes(code: str) -> None:
    try:
        parsed = parse_period(code)
    except ValueError:
        parsed = None
    if ecma(PERIOD_PATTERN).match(code):
        assert parsed is not None
    elif code == code.strip() and code.isascii():
        assert parsed is None


def test_the_day_pattern_spans_the_years_2000_to_2100() -> None:
    day = ecma(DAY_PATTERN)
    assert day.match("2000-01-01") and day.match("2100-12-31")
    assert not day.match("1999-12-31") and not day.match("2101-01-01") and not day.match("2025-01-01\n")


@given(st.text(max_size=20), st.booleans())
def test_the_text_patterns_are_the_gateway_rules(text: str, strict: bool) -> None:
    refused = any(problems(text, ("body",), strict=strict))
    assert refused == (ecma(NO_CONTROL if strict else NO_CONTROL_BUT_LAYOUT).match(text) is None)


def test_a_name_ending_in_a_new_line_is_not_declared() -> None:
    assert ecma(NO_CONTROL).match("张伟\n") is None


@pytest.mark.parametrize(("segment", "declared"), [("乡镇", True), ("G", True), (".a", True), ("...", True),
                                                   (".", False), ("..", False), ("a/b", False), ("a\\b", False),
                                                   ("%2E", False), ("\t", False), ("", False)])
def test_a_path_segment_is_declared_as_the_gateway_takes_it(segment: str, declared: bool) -> None:
    assert (ecma(PATH_SEGMENT).match(segment) is not None) == declared
