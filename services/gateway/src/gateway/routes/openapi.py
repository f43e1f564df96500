"""One OpenAPI document for every public route: the gateway's own plus each service's
``/api/v1/...`` paths, fetched from the services and cached briefly."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.clients.services import Downstreams
from shared.errors import AppError
from shared.service_auth import SYSTEM_CALLER

CACHE_SECONDS = 30.0


async def _service_document(downstreams: Downstreams, name: str) -> dict[str, Any] | None:
    try:
        document = await downstreams.clients[name].get_json("/openapi.json", caller=SYSTEM_CALLER)
    except (AppError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def merge(base: dict[str, Any], documents: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    merged = dict(base)
    paths = dict(merged.get("paths", {}))
    schemas = dict(merged.get("components", {}).get("schemas", {}))
    missing = []
    for name, document in documents.items():
        if document is None:
            missing.append(name)
            continue
        for path, item in document.get("paths", {}).items():
            if path.startswith(f"/api/v1/{name}/"):
                paths[path] = item
        schemas.update(document.get("components", {}).get("schemas", {}))
    merged["paths"] = dict(sorted(paths.items()))
    merged.setdefault("components", {})["schemas"] = dict(sorted(schemas.items()))
    merged["components"]["securitySchemes"] = {
        "bearer": {"type": "oauth2", "flows": {"password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}}},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    merged["security"] = [{"bearer": []}, {"apiKey": []}]
    if missing:
        merged["info"] = {**merged["info"],
                          "x-missing-services": sorted(missing)}
    return merged


def install_merged_openapi(app: FastAPI) -> None:
    state: dict[str, Any] = {"document": None, "at": 0.0}

    async def merged_openapi() -> dict[str, Any]:
        now = time.monotonic()
        if state["document"] is not None and now - state["at"] < CACHE_SECONDS:
            return state["document"]  # type: ignore[no-any-return]
        base = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes)
        downstreams: Downstreams = app.state.downstreams
        names = list(downstreams.clients)
        documents = await asyncio.gather(*(_service_document(downstreams, n) for n in names))
        document = merge(base, dict(zip(names, documents, strict=True)))
        if "x-missing-services" not in document["info"]:
            state.update(document=document, at=now)
        return document

    app.state.merged_openapi = merged_openapi
