"""Checks, for a service's tests, that its OpenAPI document helps a client author: every operation
has a summary and a description, every JSON request and answer body has an example, and every
example is a valid body, both for its pydantic model and for the schema the document declares
(with the patterns and bounds of ``shared.openapi_inputs``)."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.openapi import METHODS, examples_of

_REF = "#/components/schemas/"


def models_of(package: ModuleType) -> Iterator[type[BaseModel]]:
    """Every pydantic model defined in ``package`` and its modules."""
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__:
                yield value


def model_example_errors(package: ModuleType) -> list[str]:
    """Examples that their own model refuses, or that name a field the model does not have."""
    errors = []
    for model in models_of(package):
        names = ({field.alias or name for name, field in model.model_fields.items()} | set(model.model_fields)
                 | set(model.model_computed_fields))
        for number, example in enumerate(examples_of(model)):
            where = f"{model.__module__}.{model.__name__} example {number}"
            unknown = sorted(set(example) - names) if isinstance(example, dict) else []
            if unknown:
                errors.append(f"{where}: unknown fields {unknown}")
            try:
                model.model_validate_json(json.dumps(example))
            except ValidationError as exc:
                errors.append(f"{where}: {exc}")
    return errors


def _body_refs(operation: dict[str, Any]) -> Iterator[tuple[str, str]]:
    # a file upload (multipart) or a download has no JSON example to give
    bodies = [("request", media) for kind, media in operation.get("requestBody", {}).get("content", {}).items()
              if kind.endswith("json")]
    bodies += [(f"answer {status}", media) for status, answer in operation.get("responses", {}).items()
               if status.startswith("2") for kind, media in answer.get("content", {}).items() if kind.endswith("json")]
    for what, media in bodies:
        schema = media.get("schema", {})
        schema = schema.get("items", schema) if schema.get("type") == "array" else schema
        ref = schema.get("$ref", "")
        if ref.startswith(_REF):
            yield what, ref.removeprefix(_REF)


def document_errors(document: dict[str, Any], prefix: str) -> list[str]:
    """What the operations under ``prefix`` miss (summary, description, body examples), and the
    examples the document's own schemas refuse."""
    from jsonschema import Draft202012Validator

    schemas = document["components"]["schemas"]
    errors, checked = [], set()
    for path, item in document["paths"].items():
        if not path.startswith(prefix):
            continue
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            label = f"{method.upper()} {path}"
            errors += [f"{label}: no {key}" for key in ("summary", "description") if not operation.get(key)]
            for what, name in _body_refs(operation):
                if not schemas[name].get("examples"):
                    errors.append(f"{label}: the {what} body {name} has no example")
                checked.add(name)
    for name in sorted(checked):
        validator = Draft202012Validator({"$ref": f"{_REF}{name}", "components": document["components"]})
        for number, example in enumerate(schemas[name].get("examples", [])):
            errors += [f"{name} example {number}: {error.message} at {list(error.absolute_path)}"
                       for error in validator.iter_errors(example)]
    return errors
