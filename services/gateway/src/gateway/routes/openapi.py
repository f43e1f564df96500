"""One OpenAPI document for every public route: the gateway's own plus each service's
``/api/v1/...`` operations that the route policy declares (anything else the gateway answers
with 404), fetched from the services and cached briefly. Every error answer is documented as
problem+json, with the answers the gateway itself may give on any route."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway import policy
from gateway.clients.services import SERVICES, Downstreams
from gateway.etag import ETAG_HEADER
from shared import hostile
from shared.errors import AppError
from shared.openapi import METHODS, document_problems, plain_schema_names, restore_examples
from shared.service_auth import SYSTEM_CALLER

CACHE_SECONDS = 30.0
# Answers the gateway itself may give on every signed-in route, whatever the service documents.
GATEWAY_ANSWERS = {
    400: "the path is not in its canonical form (a '.' or '..' segment, '//', a backslash or a control "
         "character, an encoded '.', '/' or '\\'); with a body, also a body that cannot be parsed or a bad "
         "Idempotency-Key",
    401: "not signed in, or the token or API key is invalid or expired",
    403: "the caller's role or API key scope does not open this route",
    404: "no such object, or it is outside the caller's region, unit or person",
    429: "too many requests from this caller",
    503: "a service or the database this request needs is unavailable",
}
BODY_ANSWERS = {
    400: "the body cannot be parsed, an Idempotency-Key is not 1 to 200 characters, or the path is not in its "
         "canonical form (a '.' or '..' segment, '//', a backslash or a control character, an encoded '.', '/' "
         "or '\\')",
    413: "the body is larger than the gateway accepts for this route (an import or any other request); "
         "`limit_bytes` says how large it may be",
    422: "the body breaks a rule, or the Idempotency-Key was first used for another request",
}
# Answers to any request at all, from the gateway's guards (gateway.guard, gateway.server).
LIMIT_ANSWERS = {
    408: "the headers or the body arrived too slowly; the connection is closed",
    431: "too many header fields, or headers too large in all",
}
RETRY_AFTER = {"Retry-After": {"description": "whole seconds, rounded up, until a request is admitted again",
                               "schema": {"type": "integer", "minimum": 1}}}
RETRY_AFTER_UNAVAILABLE = {"Retry-After": {
    "description": "whole seconds to wait before retrying; sent when the database is unavailable "
                   "(`database_unavailable`)", "required": False, "schema": {"type": "integer", "minimum": 1}}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "1 to 200 printable characters, not blank (400 `idempotency_key_invalid`), unique per "
                   "intended write (a UUID will do). A retry with the same key, caller, route and body within 24 "
                   "hours gets the first answer again, marked "
                   "`Idempotent-Replayed: true`, and nothing is written twice; the same key with another body is "
                   "422 `idempotency_key_reused`, a retry while the first is still running 409 "
                   "`idempotency_key_in_flight`; a 5xx answer is not kept.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^[!-~]([ -~]*[!-~])?$"},
    "example": "6f1c2b9e-0d3a-4b8e-9c51-2e7d4a1f8b30"}
REPLAYED = {"Idempotent-Replayed": {"description": "`true` on an answer replayed for a repeated Idempotency-Key",
                                    "required": False, "schema": {"type": "string", "pattern": "^true$"}}}
PROXIED_ANSWERS = {504: "a service this request needs did not answer in time"}
IDEMPOTENT_POST_ANSWERS = {409: "the first request with this Idempotency-Key has not finished yet (its lease has "
                                "not run out), or was applied but its answer was not kept"}


def _declared(path: str, item: dict[str, Any]) -> dict[str, Any]:
    """The operations of ``item`` that the route policy opens; the rest are 404 at the gateway."""
    templates = {(rule.method, rule.template) for rule in policy.RULES}
    return {key: value for key, value in item.items()
            if key not in METHODS or (key.upper(), path) in templates}


def _is_signed_in_route(method: str, path: str) -> bool:
    return not path.startswith("/api/v1/auth/")


async def _service_document(downstreams: Downstreams, name: str) -> dict[str, Any] | None:
    try:
        document = await downstreams.clients[name].get_json("/openapi.json", caller=SYSTEM_CALLER)
    except (AppError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def merge(base: dict[str, Any], documents: Mapping[str, dict[str, Any] | None]) -> dict[str, Any]:
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
                declared = _declared(path, item)
                if any(key in METHODS for key in declared):
                    paths[path] = declared
        schemas.update(document.get("components", {}).get("schemas", {}))
    merged["paths"] = dict(sorted(paths.items()))
    merged.setdefault("components", {})["schemas"] = dict(sorted(schemas.items()))
    merged["components"]["securitySchemes"] = {
        "bearer": {"type": "oauth2", "flows": {"password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}}},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    merged["security"] = [{"bearer": []}, {"apiKey": []}]
    for rule in policy.RULES:  # a public route asks for no credentials
        operation = merged["paths"].get(rule.template, {}).get(rule.method.lower())
        if policy.is_public(rule) and operation is not None:
            merged["paths"][rule.template] = {**merged["paths"][rule.template],
                                              rule.method.lower(): {**operation, "security": []}}
    if missing:
        merged["info"] = {**merged["info"],
                          "x-missing-services": sorted(missing)}
    merged = document_problems(merged, every_operation=GATEWAY_ANSWERS, with_body=BODY_ANSWERS,
                               applies=_is_signed_in_route)
    merged = document_problems(merged, every_operation=LIMIT_ANSWERS, with_body={413: BODY_ANSWERS[413]})
    _document_retry_after(merged)
    _document_etag(merged)
    proxied = tuple(f"/api/v1/{name}/" for name in documents)
    _document_idempotency_key(merged)
    _document_callers(merged, proxied)
    merged = document_problems(merged, every_operation=PROXIED_ANSWERS,
                               applies=lambda method, path: path.startswith(proxied))
    return hostile.declare(plain_schema_names(document_problems(
        merged, every_operation=IDEMPOTENT_POST_ANSWERS,
        applies=lambda method, path: method == "post" and path.startswith(proxied))))


ROLE_NAMES = {policy.P: "province_admin (省级管理员)", policy.R: "region_admin (县区管理员)",
              policy.U: "unit_admin (单位管理员)", policy.L: "leader (单位领导)", policy.M: "member (干部职工)"}


CALLERS = "**Who may call:**"


def callers(rule: policy.Rule) -> str:
    """Who may call the route, in words, from the route policy (the one place that decides it)."""
    if policy.is_public(rule):
        return (f"{CALLERS} anyone, without signing in: the one-time code in the body is the credential; "
                "rate-limited per client address.")
    roles = ", ".join(ROLE_NAMES[r] for r in ROLE_NAMES if r in rule.roles)
    keys = (f"; API keys with the scope {', '.join(f'`{s}`' for s in sorted(rule.scopes))}" if rule.scopes
            else "; not API keys")
    return f"{CALLERS} {roles}{keys}."


def _document_callers(document: dict[str, Any], proxied: tuple[str, ...]) -> None:
    for rule in policy.RULES:
        operation = document["paths"].get(rule.template, {}).get(rule.method.lower())
        if operation is None or CALLERS in operation.get("description", ""):
            continue
        said = callers(rule)
        if rule.template.startswith(proxied) and not policy.is_public(rule):
            said += (" The service then checks every object against the caller's region, unit or person: one "
                     "outside them is 404.")
        operation["description"] = f"{operation.get('description', '').strip()}\n\n{said}".strip()


def _document_retry_after(document: dict[str, Any]) -> None:
    for item in document["paths"].values():
        for method in METHODS:
            responses = item.get(method, {}).get("responses", {})
            for status, headers in (("429", RETRY_AFTER), ("503", RETRY_AFTER_UNAVAILABLE)):
                if isinstance(responses.get(status), dict):
                    responses[status]["headers"] = {**responses[status].get("headers", {}), **headers}


def honours_idempotency_key(rule: policy.Rule) -> bool:
    """A POST to a service whose answer may be kept: the gateway honours an Idempotency-Key there
    (:mod:`gateway.routes.proxy`)."""
    return rule.method == "POST" and rule.replayable and not policy.is_public(rule) and any(
        rule.template.startswith(f"/api/v1/{name}/") for name in SERVICES)


def _document_idempotency_key(document: dict[str, Any]) -> None:
    for rule in policy.RULES:
        operation = document["paths"].get(rule.template, {}).get(rule.method.lower())
        if operation is None or not honours_idempotency_key(rule):
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key" for p in parameters):
            parameters.append(IDEMPOTENCY_KEY)
        for status, answer in operation.get("responses", {}).items():
            if status.startswith("2") and isinstance(answer, dict):
                answer["headers"] = {**answer.get("headers", {}), **REPLAYED}


def _document_etag(document: dict[str, Any]) -> None:
    """Every GET's 200 carries an ETag (gateway.etag), and answers 304 to a matching If-None-Match."""
    for item in document["paths"].values():
        operation = item.get("get")
        if not isinstance(operation, dict) or "200" not in operation.get("responses", {}):
            continue
        answer = operation["responses"]["200"]
        answer["headers"] = {**answer.get("headers", {}), **ETAG_HEADER}
        operation["responses"].setdefault("304", {"description": "unchanged since the ETag sent as If-None-Match "
                                                                 "(no body)", "headers": ETAG_HEADER})
        names = {p.get("name", "").lower() for p in operation.get("parameters", []) if isinstance(p, dict)}
        if "if-none-match" not in names:
            operation.setdefault("parameters", []).append({
                "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                "description": "the ETag of the answer held: 304 while it is still the answer"})


def install_merged_openapi(app: FastAPI) -> None:
    state: dict[str, Any] = {"document": None, "at": 0.0}

    async def merged_openapi() -> dict[str, Any]:
        now = time.monotonic()
        if state["document"] is not None and now - state["at"] < CACHE_SECONDS:
            return state["document"]  # type: ignore[no-any-return]
        base = restore_examples(get_openapi(title=app.title, version=app.version, description=app.description,
                                            routes=app.routes), app.routes)
        downstreams: Downstreams = app.state.downstreams
        names = list(downstreams.clients)
        documents = await asyncio.gather(*(_service_document(downstreams, n) for n in names))
        document = merge(base, dict(zip(names, documents, strict=True)))
        if "x-missing-services" not in document["info"]:
            state.update(document=document, at=now)
        return document

    app.state.merged_openapi = merged_openapi
