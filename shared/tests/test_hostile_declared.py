"""The rules of the hostile-input guard as the OpenAPI document declares them: a text the declared
pattern allows is one the guard lets through, and one it refuses the guard refuses too."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.hostile import LARGEST, NAME_PATTERN, TEXT_PATTERN, declare, problems

SAMPLES = ["夏村镇", "a b", "line\nbreak", "tab\there", "cr\r", "nul\x00", "bell\x07", "esc\x1b", "del\x7f", ""]


def test_the_declared_patterns_are_the_guards_rules() -> None:
    for sample in SAMPLES:
        assert bool(re.fullmatch(NAME_PATTERN, sample)) == (not list(problems(sample, ("x",), strict=True))), sample
        assert bool(re.fullmatch(TEXT_PATTERN, sample)) == (not list(problems(sample, ("x",), strict=False))), sample


def test_a_body_schema_gets_the_rules_by_field_name() -> None:
    document = {
        "paths": {"/x": {"post": {
            "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}},
        "components": {"schemas": {"A": {"type": "object", "properties": {
            "name": {"type": "string"}, "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "period": {"type": "string", "pattern": "^[0-9]{4}$"}, "on": {"type": "string", "format": "date"},
            "count": {"type": "integer"},
            "mark": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1000}, {"type": "string"}]},
            "by_code": {"type": "object", "additionalProperties": {"type": "string"}},
            "by_short_code": {"type": "object", "additionalProperties": {"type": "string"},
                              "propertyNames": {"minLength": 1, "maxLength": 32}}}}}}}
    props = declare(document)["components"]["schemas"]["A"]["properties"]
    assert props["name"]["pattern"] == NAME_PATTERN
    assert props["note"]["anyOf"][0]["pattern"] == TEXT_PATTERN
    assert props["period"]["pattern"] == "^[0-9]{4}$"  # its own pattern stays
    assert "pattern" not in props["on"]
    assert (props["count"]["exclusiveMaximum"], props["count"]["exclusiveMinimum"]) == (LARGEST, -LARGEST)
    assert re.fullmatch(props["mark"]["anyOf"][1]["pattern"], "999.5")
    assert not re.fullmatch(props["mark"]["anyOf"][1]["pattern"], "abc")
    assert props["by_code"]["propertyNames"] == {"pattern": NAME_PATTERN}
    # keys with lengths of their own are names too
    assert props["by_short_code"]["propertyNames"] == {"minLength": 1, "maxLength": 32, "pattern": NAME_PATTERN}
    assert document["paths"]["/x"]["post"]["parameters"][0]["schema"]["pattern"] == TEXT_PATTERN


BOUNDED = [  # a decimal's bounds and places as pydantic declares them
    ({"minimum": 0, "maximum": 100}, 0.01), ({"exclusiveMinimum": 0, "maximum": 1000}, 0.01),
    ({"exclusiveMinimum": 0, "exclusiveMaximum": 1}, 0.0001), ({"minimum": 0.6, "maximum": 1}, None),
    ({"exclusiveMinimum": 0, "maximum": 10}, None), ({"minimum": 0, "maximum": 10_000_000_000}, 0.01), ({}, None)]


@given(data=st.data())
@settings(max_examples=300, deadline=None)
def test_a_decimal_text_the_document_allows_is_within_the_bounds_and_places(data: st.DataObject) -> None:
    bounds, step = data.draw(st.sampled_from(BOUNDED))
    schema: dict[str, Any] = {"anyOf": [{"type": "number", **bounds}, {"type": "string"}]}
    if step is not None:
        schema["multipleOf"] = step
    document = {"paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema": schema}}}}}}}
    pattern = declare(document)["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "anyOf"][1]["pattern"]
    value = Decimal(data.draw(st.from_regex(pattern)).strip())
    low, high = bounds.get("minimum", bounds.get("exclusiveMinimum", -LARGEST)), bounds.get(
        "maximum", bounds.get("exclusiveMaximum", LARGEST))
    assert low <= value <= high
    assert value != low or "exclusiveMinimum" not in bounds
    assert value != high or "exclusiveMaximum" not in bounds
    if step is not None:
        assert value % Decimal(str(step)) == 0


def test_a_text_path_parameter_is_one_canonical_segment() -> None:
    document = {"paths": {"/x/{code}": {"get": {"parameters": [
        {"name": "code", "in": "path", "schema": {"type": "string"}}]}}}}
    pattern = declare(document)["paths"]["/x/{code}"]["get"]["parameters"][0]["schema"]["pattern"]
    assert re.fullmatch(pattern, "de") and re.fullmatch(pattern, "德")
    for wrong in (".", "..", "a/b", "a\\b", "a\x0cb", ""):
        assert not re.fullmatch(pattern, wrong), wrong
