"""Names a client generator builds from: every operation of the merged document has a unique
camelCase ``operationId`` and a summary, every schema a plain name that means one shape."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kaohe import openapi
from shared.openapi import METHODS, plain_schema_names


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return openapi.documents()


@pytest.fixture(scope="module")
def merged() -> dict[str, Any]:
    return openapi.merged_document()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def test_operation_ids_are_unique_and_camel_case(merged: dict[str, Any]) -> None:
    ids = [operation.get("operationId") for _, _, operation in operations(merged)]
    assert len(ids) > 150
    assert all(i and re.fullmatch(r"[a-z][a-zA-Z0-9]*", i) for i in ids), [i for i in ids if not i or "_" in i]
    assert len(set(ids)) == len(ids), sorted({i for i in ids if ids.count(i) > 1})
    by_route = {(method, path): operation["operationId"] for method, path, operation in operations(merged)}
    assert by_route["get", "/api/v1/scoring/schemes"] == "listSchemes"
    assert by_route["post", "/api/v1/scoring/results/{close_id}/publish"] == "publishResults"
    assert by_route["post", "/api/v1/quota/allocations/{run_id}/publish"] == "publishAllocation"


def test_every_operation_has_a_summary(merged: dict[str, Any]) -> None:
    assert [f"{m} {p}" for m, p, operation in operations(merged) if not operation.get("summary")] == []


def test_schema_names_are_plain(merged: dict[str, Any]) -> None:
    names = merged["components"]["schemas"]
    assert [n for n in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*(_[A-Za-z0-9]+)*", n)] == []
    # a generator names a model by its title: one title, one model
    assert [n for n, schema in names.items() if schema.get("title", n) != n] == []
    assert {"PolicyIn", "PolicyInRead", "StoredUnitIn", "StoredUnitInRead"} <= set(names)  # were -Input/-Output
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', str(merged).replace("'", '"')))
    assert refs <= set(names)


def test_no_two_services_give_one_schema_name_two_shapes(documents: dict[str, dict[str, Any]]) -> None:
    seen: dict[str, tuple[str, Any]] = {}
    clashes = []
    for service, document in documents.items():
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            first = seen.setdefault(name, (service, schema))
            if first[1] != schema:
                clashes.append(f"{name}: {first[0]} and {service}")
    assert clashes == []


def test_a_renamed_pair_keeps_its_references() -> None:
    document = {"paths": {"/x": {"post": {"requestBody": {"$ref": "#/components/schemas/A-Input"},
                                          "responses": {"200": {"$ref": "#/components/schemas/A-Output"}}}}},
                "components": {"schemas": {"A-Input": {"title": "A"}, "A-Output": {"title": "A"}}}}
    renamed = plain_schema_names(document)
    assert set(renamed["components"]["schemas"]) == {"A", "ARead"}
    assert renamed["components"]["schemas"]["ARead"]["title"] == "ARead"
    assert renamed["paths"]["/x"]["post"]["requestBody"]["$ref"] == "#/components/schemas/A"
    assert renamed["paths"]["/x"]["post"]["responses"]["200"]["$ref"] == "#/components/schemas/ARead"
