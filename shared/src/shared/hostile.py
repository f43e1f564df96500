"""Hostile input refused before any handler sees it, once for every query string and every JSON and
form body: a control character in text, a number no quantity of kaohe comes near, a number too long
to read. Each is a 422 naming the field (``body.units.0.name``, ``query.q``), never a 500 from a
database or a float conversion deep down, nor a 422 that cannot say which field.

Text kinds, by the field's name: names and codes (``name``, ``code``, ``username``, ``staff_no``,
``*_name``, ``*_code``, ``*_no``, and every object key) hold no control character at all; any other
text (notes, reasons, comments, titles) may hold tab, newline and carriage return, nothing else below
U+0020 nor DEL. Numbers: at most 1e15 in size and 30 digits written.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import validation_problem

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER_TOO_LONG = re.compile(rb"\d{31,}")
LARGEST = 10**15
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_name_field(key: str) -> bool:
    return key in ("name", "code", "username", "staff_no") or key.endswith(("_name", "_code", "_no"))


def problems(value: Any, loc: tuple[str | int, ...], *, strict: bool) -> Iterator[dict[str, Any]]:
    """Pydantic-style errors for the hostile values under ``value`` (``strict``: a name or a code)."""
    if isinstance(value, str):
        if (_ANY_CONTROL if strict else _CONTROL_BUT_LAYOUT).search(value):
            allowed = "" if strict else " (tab and new line are allowed here)"
            yield {"loc": loc, "type": "control_character", "msg": f"contains a control character{allowed}"}
    elif isinstance(value, bool):
        return
    elif isinstance(value, (int, float)):
        if not abs(value) < LARGEST:
            yield {"loc": loc, "type": "number_too_large", "msg": f"a number of at most {LARGEST:.0e} in size"}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from problems(item, (*loc, index), strict=strict)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from problems(key, (*loc, key), strict=True)
            yield from problems(item, (*loc, key), strict=is_name_field(key))


def check_json(body: bytes) -> list[dict[str, Any]]:
    """The errors of a JSON body; a body that is not JSON at all is left to the route to refuse."""
    try:
        return _check_json(body)
    except RecursionError:  # nested past any parser: the route refuses it as unreadable
        return []


def _check_json(body: bytes) -> list[dict[str, Any]]:
    if _NUMBER_TOO_LONG.search(body) is None:
        try:
            return list(problems(orjson.loads(body), ("body",), strict=False))
        except orjson.JSONDecodeError:
            pass
    try:  # a number beyond 64 bits, or a text holding 31 digits: the slow, exact parser says which
        parsed = json.loads(body, parse_constant=lambda _: float("inf"))
    except json.JSONDecodeError:
        return []
    except ValueError:  # more digits than Python reads (int_max_str_digits)
        return [{"loc": ("body",), "type": "number_too_large", "msg": "a number too long to read"}]
    return list(problems(parsed, ("body",), strict=False))


def check_form(body: bytes) -> list[dict[str, Any]]:
    try:
        fields = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return []
    return [error for key, value in fields
            for error in problems({key: value}, ("body",), strict=False)]


def check_query(query_string: bytes) -> list[dict[str, Any]]:
    """The errors of a query string: its names hold no control character, its values none but tab
    and new line (a NUL would reach the database)."""
    fields = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")
    return [error for key, value in fields for error in problems({key: value}, ("query",), strict=False)]


class HostileInputMiddleware:
    """Pure ASGI middleware: checks the query string, reads a JSON or form body of a write, refuses
    either with a 422 naming the field, or hands the same bytes on. A body beyond ``limit`` is handed
    on unread, for the size limit behind to refuse."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string") and (errors := check_query(scope["query_string"])):
            await validation_problem(errors, scope["path"])(scope, receive, send)
            return
        check = _checker(scope)
        if check is None:
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more and len(body) <= self.limit:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        errors = [] if more else check(body)
        if errors:
            await validation_problem(errors, scope["path"])(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more}

        await self.app(scope, replay, send)


def _checker(scope: Scope) -> Callable[[bytes], list[dict[str, Any]]] | None:
    if scope["type"] != "http" or scope["method"] not in WRITES:
        return None
    content_type = next((value for key, value in scope["headers"] if key == b"content-type"), b"")
    kind = content_type.split(b";")[0].strip().lower()
    if kind == b"application/json" or kind.endswith(b"+json"):
        return check_json
    if kind == b"application/x-www-form-urlencoded":
        return check_form
    return None


# The same rules, declared in an OpenAPI document (JSON Schema), for what the API reads: a client, or
# a generator of test data, then knows every text it may send before the middleware refuses it.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
SEGMENT_PATTERN = r"^[^\x00-\x1f\x7f/\\.]+$"
#: a text of words: TEXT_PATTERN's characters, one at least neither a space nor a control character
WORDS_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\x00-\x1f\x7f\s][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_PLAIN_FORMATS = frozenset({"uuid", "date", "date-time", "time", "email", "uri", "binary"})


def _declare_decimal(choices: list[Any], places: int | None = None) -> None:
    """A decimal is read as a number or as a string (pydantic's ``anyOf``): the string is a decimal
    numeral within the number's bounds and places (``multipleOf``), said as a pattern. A pattern
    cannot say every bound exactly, so it says a little less than the API takes, never more: below
    the bound's leading digit's power of ten, or the bound itself when it is taken."""
    numbers = [c for c in choices if isinstance(c, dict) and c.get("type") == "number"]
    texts = [c for c in choices if isinstance(c, dict) and c.get("type") == "string" and "pattern" not in c
             and "format" not in c and "enum" not in c]
    if len(numbers) != 1 or len(texts) != 1:
        return
    number = numbers[0]
    if places is None and isinstance(number.get("multipleOf"), (int, float)):
        places = _places(number["multipleOf"])
    low = float(next((number[k] for k in ("minimum", "exclusiveMinimum") if k in number), -LARGEST))
    high = float(next((number[k] for k in ("maximum", "exclusiveMaximum") if k in number), LARGEST))
    fraction = r"(\.[0-9]+)?" if places is None else rf"(\.[0-9]{{1,{places}}})?"
    digits = len(str(int(high)))  # whole parts below 10 ** (digits - 1), always below the bound
    whole = "0" if digits == 1 else rf"(0|[1-9][0-9]{{0,{digits - 2}}})"
    if low > 0 or (low == 0 and "exclusiveMinimum" in number):
        if low >= 1:  # no short pattern: a numeral of the bound's digits
            texts[0]["pattern"] = rf"^[0-9]{{1,{digits}}}{fraction}$"
            return
        tenths = math.ceil(low * 10) + (1 if "exclusiveMinimum" in number and low * 10 == int(low * 10) else 0)
        rest = "[0-9]*" if places is None else f"[0-9]{{0,{places - 1}}}"
        small = rf"0\.[{tenths}-9]{rest}" if low > 0 else rf"0\.[0-9]{{0,{(places or 30) - 1}}}[1-9]"
        large = "" if digits == 1 else rf"|[1-9][0-9]{{0,{digits - 2}}}{fraction}"
        pattern = small + large
    else:
        sign = "-?" if low <= -high else ""
        pattern = rf"{sign}{whole}{fraction}"
    if "maximum" in number and high == int(high):
        pattern += f"|{int(high)}"
    texts[0]["pattern"] = rf"^({pattern})$"


def _places(step: float) -> int | None:
    for places in range(13):
        if abs(step * 10**places - round(step * 10**places)) < 1e-9:
            return places if round(step * 10**places) == 1 else None
    return None


def _declare_segment(schema: Any) -> None:
    """A text path parameter is one canonical segment (the gateway refuses any other path with a 400):
    no control character, no slash or backslash, no dot (so never a '.' or '..' segment)."""
    if isinstance(schema, dict) and schema.get("type") == "string" and "pattern" not in schema \
            and "enum" not in schema and "const" not in schema and schema.get("format") not in _PLAIN_FORMATS:
        schema["pattern"] = SEGMENT_PATTERN


def declare(document: dict[str, Any]) -> dict[str, Any]:
    """Declare the rules on every request body and query parameter of ``document`` (in place, and
    returned): each text without a pattern of its own gets the pattern of its kind (a name or code,
    or any other text), each map's keys the name pattern, each number without bounds the size limit.
    The schemas a body refers to are changed where they are defined, once."""
    schemas = document.get("components", {}).get("schemas", {})
    seen: set[str] = set()

    def walk(schema: Any, strict: bool) -> None:
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen and name in schemas:
                seen.add(name)
                walk(schemas[name], False)
            return
        kind = schema.get("type")
        if kind == "string" and "pattern" not in schema and "enum" not in schema and "const" not in schema \
                and schema.get("format") not in _PLAIN_FORMATS:
            schema["pattern"] = NAME_PATTERN if strict else TEXT_PATTERN
        if kind in ("number", "integer"):
            if "maximum" not in schema and "exclusiveMaximum" not in schema:
                schema["exclusiveMaximum"] = LARGEST
            if "minimum" not in schema and "exclusiveMinimum" not in schema:
                schema["exclusiveMinimum"] = -LARGEST
        for key, value in schema.get("properties", {}).items():
            walk(value, is_name_field(key))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            names = schema.setdefault("propertyNames", {})
            if isinstance(names, dict) and "pattern" not in names:  # keys with lengths of their own, too
                names["pattern"] = NAME_PATTERN
            walk(extra, False)
        walk(schema.get("items"), strict)
        for item in schema.get("prefixItems", []):
            walk(item, strict)
        step = schema.get("multipleOf")
        for choices in ("anyOf", "oneOf", "allOf"):
            _declare_decimal(schema.get(choices, []), _places(step) if isinstance(step, (int, float)) else None)
            for choice in schema.get(choices, []):
                walk(choice, strict)

    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    walk(parameter.get("schema"), is_name_field(parameter.get("name", "")))
                elif parameter.get("in") == "path":
                    _declare_segment(parameter.get("schema"))
            for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
                if media_type.endswith("json") or media_type == "application/x-www-form-urlencoded":
                    walk(media.get("schema"), False)
    return document
