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
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import PROBLEM_JSON
from shared.openapi_inputs import declare_accepted_input

PROBLEM_REF = "#/components/schemas/Problem"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
BODY_METHODS = frozenset({"post", "put", "patch"})
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


class Problem(BaseModel):
    """Problem details (RFC 9457). ``code`` is stable: clients branch on it, not on ``title``."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="a URI naming the kind of problem, ending in `code`")
    title: str
    status: int
    code: str = Field(description="stable machine code, e.g. `validation_error`, `unit_not_found`")
    detail: str | None = None
    instance: str | None = Field(default=None, description="the path that was called")
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="each bad field (`field`, `message`) or bad row (`row`, `column`, `reason`)")


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


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in get_args(annotation):
        yield from _models(argument)


def _api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI keeps an included router whole
        if included is not None:
            yield from _api_routes(included.routes)


def restore_examples(document: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    """``document`` with the body models' examples as the models give them: FastAPI writes its document
    without null values, so an example's ``"active_to": null`` would go missing and the example would
    no longer be valid for its own schema."""
    given: dict[str, list[Any]] = {}
    for route in _api_routes(app.routes):
        bodies = [param.field_info.annotation for param in route.dependant.body_params]
        for model in (m for annotation in (*bodies, route.response_model) for m in _models(annotation)):
            extra = model.model_config.get("json_schema_extra")
            examples = extra.get("examples") if isinstance(extra, dict) else None
            if isinstance(examples, list):
                given.setdefault(model.__name__, examples)
    for schema in document.get("components", {}).get("schemas", {}).values():
        if "examples" in schema and schema.get("title") in given:
            schema["examples"] = copy.deepcopy(given[schema["title"]])
    return document


def install_problem_documentation(app: FastAPI) -> None:
    """Serve ``app``'s own OpenAPI document with its error answers as problem+json."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = declare_accepted_input(restore_examples(generate(), app))
            app.openapi_schema = plain_schema_names(document_problems(document))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
