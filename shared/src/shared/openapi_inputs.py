"""The rules every request meets before a handler sees it, written into a service's OpenAPI document,
so that generated clients and Schemathesis send what the API accepts.

- Text (``shared.hostile``): a name or a code (``name``, ``code``, ``staff_no``, ``*_name``, ``*_code``,
  ``*_no``, every object key) holds no control character; other text none but tab, new line and
  carriage return. Declared as a ``pattern`` on each string a request body or query string holds.
- Numbers (``shared.hostile``): less than 1e15 in size in a JSON body. Declared as bounds where a
  number of a body has none (a query string's numbers are not checked so).
- Decimals: pydantic documents a ``Decimal`` as ``number`` or ``string`` and says nothing of the string.
  The string is declared as plain digits within the number's own bounds and with at most two decimal
  places (a form every such field accepts; the number form says the bounds exactly). A field that
  keeps fewer or more places says so with ``json_schema_extra={"multipleOf": 0.01}``, which is moved
  onto the number form.

Only schemas a request reaches are changed; a schema only ever answered with is left as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from shared.hostile import LARGEST, is_name_field

NO_CONTROL = "^[^\\x00-\\x1f\\x7f]*$"
NO_CONTROL_BUT_LAYOUT = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
DECIMAL_PLACES = 2
# A path segment the gateway takes as it is: no control character, "/", "\\" or "%" (an encoded "." or "/"
# is refused), and not "." or "..".
_NOT_IN_SEGMENT = r"\x00-\x1f\x7f/\\%"
_REST = f"[^{_NOT_IN_SEGMENT}]"
PATH_SEGMENT = rf"^([^.{_NOT_IN_SEGMENT}]{_REST}*|\.[^.{_NOT_IN_SEGMENT}]{_REST}*|\.\.{_REST}+)$"
_REF = "#/components/schemas/"


def decimal_pattern(number: dict[str, Any], places: int = DECIMAL_PLACES) -> str:
    """Digits that a ``Decimal`` within ``number``'s bounds accepts when written as a string, with at
    most ``places`` decimals: a subset of the bounds (every string it matches is accepted) that keeps
    their round numbers (0 to 1 takes "0", "0.25" and "1"; 0 to 1000 takes "999.99" and "1000")."""
    fraction = f"(\\.[0-9]{{1,{places}}})?" if places else ""
    low = number.get("minimum", number.get("exclusiveMinimum"))
    high = number.get("maximum", number.get("exclusiveMaximum"))
    low = -LARGEST if low is None else low
    high = LARGEST if high is None else high
    positive = ("exclusiveMinimum" in number and low >= 0) or low > 0
    magnitude = high if low >= 0 else min(high, -low)
    if low >= 1 or magnitude < 1:
        return f"^-?(0|[1-9][0-9]{{0,14}}){fraction}$"
    digits = min(15, math.floor(math.log10(magnitude)))  # every whole part of fewer digits is within bounds
    lead = int(str(int(magnitude))[0]) if digits < 15 else 1
    if not positive:
        whole = [f"0{fraction}"]
    elif places:
        whole = [f"0\\.[0-9]{{0,{places - 1}}}[1-9]"]
    else:
        whole = []
    if digits:
        whole.append(f"[1-9][0-9]{{0,{digits - 1}}}{fraction}")
    if lead > 1:
        whole.append(f"[1-{lead - 1}][0-9]{{{digits}}}{fraction}")
    if low >= 0 and "maximum" in number and high == int(high):
        whole.append(f"{int(high)}" + (f"(\\.0{{1,{places}}})?" if places else ""))
    return "^" + ("-?" if low < 0 else "") + "(" + "|".join(whole) + ")$"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF):
        name = ref.removeprefix(_REF)
        return document["components"]["schemas"].get(name, {}), name
    return schema, None


def _declare(document: dict[str, Any], schema: Any, *, strict: bool, seen: set[str], body: bool = True) -> None:
    if not isinstance(schema, dict):
        return
    schema, name = _resolve(document, schema)
    if name is not None:
        if name in seen:
            return
        seen.add(name)
    branches = schema.get("anyOf") or schema.get("oneOf") or []
    kinds = {branch.get("type") for branch in branches if isinstance(branch, dict)}
    if {"number", "string"} <= kinds:
        number = next(b for b in branches if b.get("type") == "number")
        places = DECIMAL_PLACES
        if "multipleOf" in schema:  # a Decimal's places, declared on the field: the number's alone
            number["multipleOf"] = schema.pop("multipleOf")
            places = max(0, -Decimal(str(number["multipleOf"])).as_tuple().exponent)  # type: ignore[operator]
        for branch in branches:
            if branch.get("type") == "string" and "pattern" not in branch:
                branch["pattern"] = decimal_pattern(number, places)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for branch in schema.get(key, []):
            _declare(document, branch, strict=strict, seen=seen, body=body)
    kind = schema.get("type")
    if kind == "string" and not {"format", "enum", "const", "pattern"} & schema.keys():
        schema["pattern"] = NO_CONTROL if strict else NO_CONTROL_BUT_LAYOUT
    elif kind in ("number", "integer") and body:  # the size of a number is checked in JSON bodies only
        if "maximum" not in schema and "exclusiveMaximum" not in schema:
            schema["exclusiveMaximum"] = LARGEST
        if "minimum" not in schema and "exclusiveMinimum" not in schema:
            schema["exclusiveMinimum"] = -LARGEST
    _declare(document, schema.get("items"), strict=strict, seen=seen, body=body)
    for field, value in schema.get("properties", {}).items():
        _declare(document, value, strict=is_name_field(field), seen=seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        keys = schema.setdefault("propertyNames", {})
        if "pattern" not in keys:
            keys["pattern"] = NO_CONTROL
        _declare(document, extra, strict=True, seen=seen)


def _request_schemas(document: dict[str, Any]) -> Iterator[tuple[dict[str, Any], bool, bool]]:
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and "schema" in parameter:
                    yield parameter["schema"], is_name_field(parameter.get("name", "")), False
            for media in operation.get("requestBody", {}).get("content", {}).values():
                if "schema" in media:
                    yield media["schema"], False, True


def declare_accepted_input(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (changed in place) with the text, number and decimal rules on every request schema."""
    seen: set[str] = set()
    for schema, strict, body in _request_schemas(document):
        _declare(document, schema, strict=strict, seen=seen, body=body)
    return document
