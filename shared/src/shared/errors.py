"""Problem details (RFC 9457) for every error a client can see.

Services raise ``AppError`` subclasses; one set of handlers renders them, request
validation failures and anything unexpected as ``application/problem+json`` with a
stable machine ``code``. A stack trace never leaves the process: unexpected errors are
logged with the request id and answered with a bare 500 problem. ``title`` and ``detail`` are in
the caller's ``Accept-Language`` (see :mod:`shared.i18n`); ``code`` is the same in every language.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from shared.i18n import field_message, lang_var, localise, localise_errors, validation_detail
from shared.logging import request_id_var

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://kaohe.example/problems/"

logger = logging.getLogger("shared.errors")


class AppError(Exception):
    """An expected failure with a status and a stable code clients can branch on."""

    status_code: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[dict[str, Any]] | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors) if errors else None
        if code is not None:
            self.code = code
        self.extra = extra or {}
        self.headers = headers

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, title: str | None = None,
                          **kwargs: Any) -> None:
        """``class NotFound(AppError, status=404, code="not_found", title="Not found")``: a kind of
        problem in one line (a subclass may still set the three as class attributes)."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status
        if code is not None:
            cls.code = code
        if title is not None:
            cls.title = title


class BadRequest(AppError, status=400, code="bad_request", title="Bad request"): ...
class Unauthorized(AppError, status=401, code="unauthorized", title="Authentication required"): ...
class Forbidden(AppError, status=403, code="forbidden", title="Not allowed"): ...
class NotFound(AppError, status=404, code="not_found", title="Not found"): ...
class Conflict(AppError, status=409, code="conflict", title="Conflict"): ...
class Unprocessable(AppError, status=422, code="unprocessable", title="Unprocessable content"):
    """A payload that parses but breaks a rule (sums, ranges, references)."""


class PayloadTooLarge(AppError, status=413, code="payload_too_large", title="Payload too large"): ...
class RequestTimeout(AppError, status=408, code="request_timeout", title="Request timeout"): ...
class HeadersTooLarge(AppError, status=431, code="headers_too_large", title="Request header fields too large"): ...
class DatabaseUnavailable(AppError, status=503, code="database_unavailable", title="The database is unavailable"): ...


def database_down(exc: BaseException) -> bool:
    """The database is unreachable, shutting down, or dropped the connection (not a refused value)."""
    if isinstance(exc, ConnectionError):  # asyncpg raises the OS's own error when it cannot connect at all
        return True
    if not isinstance(exc, DBAPIError):
        return False
    state = _sqlstate(exc)
    return bool(exc.connection_invalidated or (isinstance(state, str) and state.startswith(("08", "57P"))))


def _sqlstate(exc: DBAPIError) -> object:
    return getattr(exc.orig, "sqlstate", None) or getattr(getattr(exc.orig, "__cause__", None), "sqlstate", None)


class UpstreamUnavailable(AppError, status=503, code="upstream_unavailable",
                          title="A service this request needs is unavailable"): ...
class UpstreamTimeout(AppError, status=504, code="upstream_timeout",
                      title="A service this request needs did not answer in time"): ...


def problem(
    status: int,
    *,
    code: str,
    title: str,
    detail: str | None = None,
    errors: Sequence[dict[str, Any]] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    lang = lang_var.get()
    title, detail = localise(status, code, title, detail, lang)
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = localise_errors(errors, lang)
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _location(loc: Sequence[int | str]) -> str:
    """Render a pydantic location as a JSON-pointer-ish path: body.units.3.headcount."""
    return ".".join(str(part) for part in loc)


def validation_errors(errors: Sequence[Any], lang: str) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = err.get("loc", ())
        out.append({"loc": list(loc), "field": _location(loc), "message": field_message(err, lang),
                    "type": err.get("type", "")})
    return out


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    if exc.status_code >= 500:
        logger.warning("%s: %s", exc.code, exc.detail)
    return problem(exc.status_code, code=exc.code, title=exc.title, detail=exc.detail,
                   errors=exc.errors, instance=request.url.path, extra=exc.extra, headers=exc.headers)


def validation_problem(raw: Sequence[Any], instance: str) -> JSONResponse:
    """The 422 of a request that fails validation: pydantic-style errors, each naming its field."""
    lang = lang_var.get()
    errors = validation_errors(raw, lang)
    return problem(422, code="validation_error", title="Request validation failed",
                   detail=validation_detail([e["field"] for e in errors], len(errors), lang), errors=errors,
                   instance=instance)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_problem(exc.errors(), request.url.path)


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
    413: "payload_too_large", 415: "unsupported_media_type", 429: "rate_limited",
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else None
    title = code.replace("_", " ").capitalize()
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:  # Starlette names the first route of the path only; name them all
        headers = {**{k: v for k, v in (headers or {}).items() if k.lower() != "allow"},
                   "allow": ", ".join(_methods_of(request))}
    return problem(exc.status_code, code=code, title=title, detail=detail,
                   instance=request.url.path, headers=headers)


def _methods_of(request: Request) -> list[str]:
    offered = []
    for method in ("DELETE", "GET", "PATCH", "POST", "PUT"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.routes):
            offered.append(method)
    return offered


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the database refuses (class 22, data exception: a NUL character, a number out of
    range, text in no encoding) is the client's to fix; anything else is ours."""
    assert isinstance(exc, DBAPIError)
    state = _sqlstate(exc)
    if database_down(exc):
        return await _database_down(request, exc)
    if isinstance(state, str) and state.startswith("22"):
        return problem(422, code="invalid_value", title="A value cannot be stored",
                       detail="A value in the request cannot be stored as given (for example a NUL character "
                              "in text or a number out of range).",
                       instance=request.url.path)
    return await _unexpected(request, exc)


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    """The database is unreachable or shutting down: a 503 the client may retry, never a 500."""
    logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return problem(503, code="database_unavailable", title="The database is unavailable",
                   detail="The request was not carried out; retry shortly.", instance=request.url.path,
                   headers={"retry-after": "5"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, code="internal_error", title="Internal server error",
                   detail="The server failed to handle this request; it has been logged.",
                   instance=request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    # asyncpg raises the OS's own error when it cannot connect at all.
    app.add_exception_handler(ConnectionError, _database_down)
    app.add_exception_handler(Exception, _unexpected)
