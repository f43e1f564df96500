"""OpenAPI documents that say what the services really answer with when something goes wrong.

FastAPI documents a 422 as ``application/json`` with its own ``HTTPValidationError`` body; every
kaohe error is ``application/problem+json`` (see :mod:`shared.errors`). ``document_problems``
rewrites each documented 4xx/5xx answer of the ``/api/v1/`` operations to that media type and
the ``Problem`` schema, and may add the answers every operation can give (the gateway's 401,
403, 404, 429, 503 ...), so generated clients and Schemathesis can check them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_jsonable_python

from shared import hostile
from shared.errors import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
BODY_METHODS = frozenset({"post", "put", "patch"})
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


class Problem(BaseModel):
    """Problem details (RFC 9457). ``code`` is stable: clients branch on it, not on ``title``."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"type": "https://kaohe.example/problems/round_closed", "title": "The rating round is closed", "status": 409,
         "code": "round_closed", "detail": "rating round 229e0312-cf0e-5027-99f9-8d2baa6dab14 is closed",
         "instance": "/api/v1/scoring/rounds/229e0312-cf0e-5027-99f9-8d2baa6dab14/ratings",
         "request_id": "4bf92f3577b34da6a3ce929d0e0e4736"}]})

    type: str = Field(description="a URI naming the kind of problem, ending in `code`")
    title: str
    status: int
    code: str = Field(description="stable machine code, e.g. `validation_error`, `unit_not_found`")
    detail: str | None = None
    instance: str | None = Field(default=None, description="the path that was called")
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="each bad field (`field`, `message`) or bad row (`row`, `column`, `reason`)")


def given(*names: str, exactly_one: bool = False) -> dict[str, Any]:
    """A body's rule "give at least one (or exactly one) of these fields, not null", for a model's
    ``json_schema_extra``, so that the document says what its validator enforces::

        model_config = ConfigDict(json_schema_extra={**given("item", "note"), "examples": [...]})
    """
    choices = [{"required": [name], "properties": {name: {"not": {"type": "null"}}}} for name in names]
    return {"oneOf" if exactly_one else "anyOf": choices}


def operation_id(route: APIRoute) -> str:
    """A route's ``operationId``: its handler's name in camelCase (``list_schemes`` → ``listSchemes``),
    stable as long as the name is; names must be unique across the merged document (tested)."""
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}


def document_problems(document: dict[str, Any], *,
                      every_operation: Mapping[int, str] | None = None,
                      with_body: Mapping[int, str] | None = None,
                      applies: Callable[[str, str], bool] | None = None) -> dict[str, Any]:
    """A copy of ``document`` whose ``/api/v1/`` error answers are problem+json.

    ``every_operation`` adds answers any such operation may give; ``with_body`` adds those of the
    operations that take a body (POST, PUT, PATCH); ``applies(method, path)`` narrows both.
    """
    document = copy.deepcopy(document)
    for path, item in document.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if applies is None or applies(method, path):
                extra = dict(every_operation or {})
                if method in BODY_METHODS:
                    extra.update(with_body or {})
                for code, description in sorted(extra.items()):
                    responses.setdefault(str(code), {"description": description})
            for status, response in responses.items():
                if status[:1] in ("4", "5") and isinstance(response, dict) and "$ref" not in response:
                    response["content"] = _problem_content()
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name in _FASTAPI_VALIDATION:  # FastAPI's own 422 bodies, once nothing refers to them
        if f'"#/components/schemas/{name}"' not in json.dumps(document):
            schemas.pop(name, None)
    return document


def plain_schema_names(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with pydantic's ``X-Input``/``X-Output`` pairs (a model read and written in two
    shapes, e.g. a Decimal taken as a number or a string and given back as a string) named ``X`` and
    ``XRead``: client generators take a name with a dash for no name at all."""
    schemas = document.get("components", {}).get("schemas", {})
    renames = {}
    for name in schemas:
        base, dash, mode = name.rpartition("-")
        if dash and mode in ("Input", "Output"):
            wanted = base if mode == "Input" else f"{base}Read"
            renames[name] = wanted if wanted not in schemas else f"{base}{mode}"
    if not renames:
        return document
    text = json.dumps(document)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed["components"]["schemas"]
    renamed["components"]["schemas"] = {renames.get(k, k): v for k, v in schemas.items()}
    for new in renames.values():  # generators name a model by its title
        renamed["components"]["schemas"][new]["title"] = new
    return renamed


def routes_of(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every API route, within included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from routes_of(inner.routes)


def _models(annotation: Any, seen: set[Any]) -> Iterator[type[BaseModel]]:
    if annotation in seen:
        return
    seen.add(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation, seen)
    for argument in getattr(annotation, "__args__", ()):
        yield from _models(argument, seen)


def models_of(routes: Iterable[Any], *, read: bool = True, answered: bool = True) -> set[type[BaseModel]]:
    """The models the routes read (request bodies) and answer with, and the models those are made of."""
    found: set[type[BaseModel]] = set()
    seen: set[Any] = set()
    for route in routes_of(routes):
        if answered:
            found.update(_models(route.response_model, seen))
            for answer in (route.responses or {}).values():  # another status's model (a 202's job)
                found.update(_models(answer.get("model"), seen))
        if read and route.body_field is not None:
            found.update(_models(route.body_field.field_info.annotation, seen))
    return found


def examples_of(model: type[BaseModel]) -> list[Any]:
    """The examples a model shows (``model_config = ConfigDict(json_schema_extra={"examples": [...]})``)."""
    extra = model.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    return list(examples) if isinstance(examples, list) else []


def page_examples(row: type[BaseModel], **extra: Any) -> dict[str, Any]:
    """``json_schema_extra`` of a page (:mod:`shared.pagination`): a last page (``next`` null) holding the
    row model's first example, with ``extra`` fields (a ``total``...)."""
    return {"examples": [{"items": examples_of(row)[:1], "next": None, **extra}]}


def restore_examples(document: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """Put the models' examples in the document as the API reads and writes them: FastAPI drops every
    ``null`` from the document it makes, so an example whose field is null (``revoked_at``, a
    scheme's ``group``) would lose a required property. A body read is shown as written; an answer
    as its model serialises it, with its computed fields (the ``_label`` of each code). A schema is
    matched by its title, the model's name, when no other model of these routes has that name."""
    routes = list(routes)
    models = models_of(routes)
    read = models_of(routes, answered=False)
    names = [model.__name__ for model in models]
    shown = {model.__name__: model for model in models if examples_of(model) and names.count(model.__name__) == 1}
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        model = shown.get(schema.get("title", ""))
        if model is None:
            continue
        written = examples_of(model)
        if model in read and not name.endswith("-Output"):
            schema["examples"] = to_jsonable_python(written)
        else:
            schema["examples"] = [model.model_validate(e).model_dump(mode="json") for e in written]
    return document


def install_problem_documentation(app: FastAPI) -> None:
    """Serve ``app``'s own OpenAPI document with its error answers as problem+json."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = hostile.declare(plain_schema_names(document_problems(
                restore_examples(generate(), app.routes))))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
