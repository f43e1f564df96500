"""The merged OpenAPI document as a provincial system's developer reads it: every operation says
what it does (a summary and a description), every JSON body shows an example, and every example
is one the API accepts or gives (it validates against its schema and its model); no schema name
means two shapes; every route that honours an ``Idempotency-Key`` declares it, and only those.

Built from the code (no database, no running service), so it runs with the unit tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from pydantic import BaseModel, Field

from gateway import policy
from gateway.routes.openapi import CALLERS, honours_idempotency_key
from kaohe import openapi
from shared.openapi import METHODS, examples_of, models_of

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="module")
def merged() -> dict[str, Any]:
    return openapi.merged_document()


def operations(document: dict[str, Any]) -> list[Operation]:
    return [(method, path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def json_bodies(operation: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each JSON body of the operation (``request`` or a status) with its media object."""
    for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
        if media_type.endswith("json"):
            yield "request", media
    for status, answer in operation.get("responses", {}).items():
        for media_type, media in answer.get("content", {}).items():
            if media_type.endswith("json"):
                yield status, media


def _has_example(schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """An example on the schema, on the schema it refers to, or on what it is made of: the items of a
    list, the values of a map, every non-null choice of a body of several shapes (a page, or with
    `updated_after` a feed answer)."""
    if schema.get("examples") or "example" in schema:
        return True
    if "$ref" in schema:
        return _has_example(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
    if schema.get("type") == "array":
        return _has_example(schema.get("items", {}), schemas)
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict) \
            and not schema.get("properties"):
        return _has_example(schema["additionalProperties"], schemas)
    choices = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return bool(choices) and all(_has_example(choice, schemas) for choice in choices)


def _said(description: str) -> str:
    """What the description says beyond who may call (which the gateway adds from the route policy)."""
    return description.split(CALLERS, 1)[0].strip()


def test_every_operation_has_a_summary_and_a_description(merged: dict[str, Any]) -> None:
    found = operations(merged)
    assert len(found) > 150
    missing = [f"{method.upper()} {path}" for method, path, operation in found
               if not (operation.get("summary") or "").strip() or not _said(operation.get("description") or "")]
    assert missing == [], f"{len(missing)} operations without a summary and a description"


def test_every_json_body_has_an_example(merged: dict[str, Any]) -> None:
    schemas = merged["components"]["schemas"]
    missing = [f"{method.upper()} {path} {where}" for method, path, operation in operations(merged)
               for where, media in json_bodies(operation)
               if not (media.get("example") is not None or media.get("examples")
                       or _has_example(media.get("schema", {}), schemas))]
    assert missing == [], f"{len(missing)} bodies without an example"


def _examples(document: dict[str, Any]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """Every example in the document with the schema it must satisfy."""
    for name, schema in document["components"]["schemas"].items():
        for example in schema.get("examples", []):
            yield f"schema {name}", example, {"$ref": f"#/components/schemas/{name}"}
    for method, path, operation in operations(document):
        for where, media in json_bodies(operation):
            shown = [media["example"]] if "example" in media else []
            shown += [e.get("value") for e in media.get("examples", {}).values()]
            for example in shown:
                yield f"{method.upper()} {path} {where}", example, media.get("schema", {})


def test_every_example_satisfies_its_schema_in_the_document(merged: dict[str, Any]) -> None:
    checked, wrong = 0, []
    for where, example, schema in _examples(merged):
        validator = jsonschema.Draft202012Validator({**schema, "components": merged["components"]})
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(example)]
        if errors:
            wrong.append(f"{where}: {errors[:3]}")
        checked += 1
    assert checked > 90
    assert wrong == []


def refused(model: type[BaseModel], example: Any) -> str | None:
    """Why the model refuses the example as JSON would bring it, or names a field it does not have; None
    when it takes it."""
    names = ({field.alias or name for name, field in model.model_fields.items()} | set(model.model_fields)
             | set(model.model_computed_fields))
    unknown = sorted(set(example) - names) if isinstance(example, dict) else []
    if unknown:
        return f"unknown fields {unknown}"
    try:
        model.model_validate_json(json.dumps(example))
    except ValueError as refusal:
        return str(refusal)[:300]
    return None


def test_every_example_of_a_model_is_one_the_model_accepts() -> None:
    """Stricter than the schema: the model's own validators (one of two fields, sums, dates in order), and
    no field the model does not have."""
    shown = {model: examples_of(model) for app in openapi.apps().values() for model in models_of(app.routes)
             if examples_of(model)}
    assert len(shown) > 90
    wrong = [f"{model.__module__}.{model.__qualname__}: {reason}" for model, examples in shown.items()
             for example in examples if (reason := refused(model, example)) is not None]
    assert wrong == []


def test_no_schema_name_or_title_means_two_shapes(merged: dict[str, Any]) -> None:
    seen: dict[str, tuple[str, Any]] = {}
    clashes = []
    for service, document in openapi.documents().items():
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            first = seen.setdefault(name, (service, schema))
            if json.dumps(first[1], sort_keys=True) != json.dumps(schema, sort_keys=True):
                clashes.append(f"{name}: {first[0]} and {service}")
    assert clashes == []
    titles = [schema.get("title", name) for name, schema in merged["components"]["schemas"].items()]
    assert sorted({t for t in titles if titles.count(t) > 1}) == []


def _declares_key(operation: dict[str, Any]) -> bool:
    return any(p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key"
               for p in operation.get("parameters", []))


def test_idempotency_key_is_declared_where_it_is_honoured(merged: dict[str, Any]) -> None:
    honoured = {(r.method.lower(), r.template) for r in policy.RULES if honours_idempotency_key(r)}
    assert ("post", "/api/v1/scoring/schemes") in honoured
    assert ("post", "/api/v1/scoring/rounds/{round_id}/codes") not in honoured  # its answer holds codes shown once
    declared = {(method, path) for method, path, operation in operations(merged) if _declares_key(operation)}
    documented = {(method, path) for method, path, _ in operations(merged)}
    assert sorted(honoured & documented - declared) == []
    assert sorted(declared - honoured) == []
    for method, path in honoured & documented:
        answers = merged["paths"][path][method]["responses"]
        assert any("Idempotent-Replayed" in a.get("headers", {}) for s, a in answers.items() if s.startswith("2"))


def test_retry_after_is_declared_on_every_429_and_503(merged: dict[str, Any]) -> None:
    missing = [f"{method.upper()} {path} {status}" for method, path, operation in operations(merged)
               for status, answer in operation.get("responses", {}).items()
               if status in ("429", "503") and "Retry-After" not in answer.get("headers", {})]
    assert missing == []
    catalogue = merged["paths"]["/api/v1/catalogue"]["get"]["responses"]["200"]
    assert "ETag" in catalogue.get("headers", {})


def test_a_missing_example_or_description_is_found() -> None:
    """The checks above can fail: a bare operation is caught by each."""
    document: dict[str, Any] = {"paths": {"/api/v1/x": {"post": {
        "summary": "x",
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
        "responses": {"200": {"content": {"application/json": {"schema": {"type": "array", "items": {
            "$ref": "#/components/schemas/B"}}}}}}}}},
        "components": {"schemas": {"A": {"type": "object"}, "B": {"type": "object", "examples": [{}]}}}}
    (_, _, operation), = operations(document)
    assert not _said(operation.get("description") or "")
    assert not _said(f"{CALLERS} anyone.")
    bodies = dict(json_bodies(operation))
    schemas = document["components"]["schemas"]
    assert not _has_example(bodies["request"]["schema"], schemas)
    assert _has_example(bodies["200"]["schema"], schemas)


def test_a_refused_example_is_found() -> None:
    class Rated(BaseModel):
        mark: int = Field(ge=0)

    assert refused(Rated, {"mark": 5}) is None
    assert refused(Rated, {"mark": -1}) is not None
    assert refused(Rated, {"mark": 5, "grade": "good"}) == "unknown fields ['grade']"
