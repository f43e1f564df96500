"""Routing: ``/api/v1/<service>/...`` goes to that service with the caller's identity.

Every route is declared in :mod:`gateway.policy`; the caller must be signed in (or use an API
key) and hold a role (or scope) the route allows, except on a public route (a rating code's
ballot), which takes no credentials and is rate-limited per client address. Only idempotent
methods are retried, and only when the connection failed before the request was sent; every call
has a timeout, so a service that is down or slow becomes a 503 or 504 problem within the
timeout, never a hang.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import timedelta

import aiohttp
import httpx
from fastapi import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import idempotency, policy
from gateway.audit import disclosure
from gateway.clients.services import Downstreams
from gateway.identity import authenticate, client_address
from shared import touched
from shared.errors import (
    AppError,
    BadRequest,
    Forbidden,
    NotFound,
    UpstreamTimeout,
    UpstreamUnavailable,
    problem,
)
from shared.http import ServiceClient
from shared.service_auth import Caller

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "accept-language", "if-match",
                             "if-none-match", "idempotency-key")
PUBLIC_CALLER = Caller(subject="public", kind="public")
# Retry-After of a 503 for a service that is down: about one readiness period and a restart.
UNAVAILABLE_RETRY_SECONDS = 5
FORWARDED_RESPONSE_HEADERS = ("content-type", "content-disposition", "etag", "location", "content-location",
                              "retry-after", "cache-control", "link", "idempotent-replayed")


class MethodNotAllowed(AppError):
    status_code = 405
    code = "method_not_allowed"
    title = "Method not allowed"

    def __init__(self, detail: str, *, allow: list[str]) -> None:
        super().__init__(detail, headers={"allow": ", ".join(allow)})


async def proxy(request: Request, service: str) -> Response:
    found = policy.match(request.method, request.url.path)
    if found is None:
        offered = policy.methods_of(request.url.path)
        if offered:  # a known path asked with another method: 405 and what it does offer
            raise MethodNotAllowed(f"{request.method} is not offered on {request.url.path}; it offers "
                                   f"{', '.join(offered)}", allow=offered)
        raise NotFound(f"no route {request.url.path}")
    rule, params = found
    request.state.audit_route = rule.template
    request.state.audit_targets = params
    if policy.is_public(rule):  # no credentials asked, none used: the body is the credential
        request.app.state.rate_limits.check(f"public:{client_address(request)}", sign_in=True)
        caller = PUBLIC_CALLER
    else:
        caller = (await authenticate(request)).caller
    if not policy.allowed(rule, kind=caller.kind, roles=caller.roles, scopes=caller.scopes):
        raise Forbidden(f"{request.method} {rule.template} is not open to this caller")
    downstreams: Downstreams = request.app.state.downstreams
    client = downstreams.get(service)
    if client is None:
        raise NotFound(f"no service named {service!r}")
    settings = request.app.state.settings
    body = await request.body()  # its size and pace are limited by gateway.guard
    key = request.headers.get("idempotency-key")
    # An empty key (blank, or only spaces, which HTTP may strip) is refused too: sent on unchecked, the
    # service would take it for a key and replay another route's answer under it.
    if key is not None and request.method == "POST" and rule.replayable:
        if not key.strip() or len(key) > 200:
            raise BadRequest("an Idempotency-Key is 1 to 200 characters", code="idempotency_key_invalid")

        async def send() -> Response:
            return await _forward(request, service, client, downstreams, caller, body)

        return await idempotency.once(request.app.state.sessionmaker, key=key, subject=caller.subject,
                                      method=request.method, path=str(request.url.path) + "?" + request.url.query,
                                      body=body, send=send, lease=timedelta(seconds=settings.idempotency_lease))
    return await _forward(request, service, client, downstreams, caller, body, keyed=rule.replayable)


async def _forward(request: Request, service: str, client: ServiceClient, downstreams: Downstreams, caller: Caller,
                   body: bytes, *, keyed: bool = True) -> Response:
    """``keyed``: the Idempotency-Key goes on to the service, which keeps the write's answer under it
    (not on a route whose answer must never be replayed)."""
    headers = client.headers_for(caller)
    for name in FORWARDED_REQUEST_HEADERS:
        value = request.headers.get(name)
        if value is not None and (keyed or name != "idempotency-key"):
            headers[name] = value
    raw = downstreams.raw.get(service)
    started = time.perf_counter()
    status = "error"
    try:
        if raw is not None:
            answer = await _send_raw(raw, f"{downstreams.base_urls[service]}{request.url.path}", request, headers,
                                     body, service)
        else:
            answer = await _send_httpx(request, service, client, headers, body)
        status = str(answer.status_code)
        return answer
    finally:
        request.app.state.metrics.downstream.labels("gateway", service, status).observe(
            time.perf_counter() - started)


def _note_object(request: Request, headers: Mapping[str, str]) -> None:
    """Keep the region and unit of the object the service touched, and what its answer handed out
    (a read or export of people's results), for the audit event (never sent on)."""
    region, unit = headers.get(touched.REGION_HEADER), headers.get(touched.UNIT_HEADER)
    if region or unit:
        request.state.audit_object = {"region_id": region, "unit_id": unit}
    disclosed = disclosure(headers)
    if disclosed is not None:
        request.state.audit_disclosure = disclosed


def unavailable(service: str) -> UpstreamUnavailable:
    """503 for one service's routes while it is down; the gateway and the other services go on."""
    return UpstreamUnavailable(f"the {service} service is unavailable",
                               headers={"retry-after": str(UNAVAILABLE_RETRY_SECONDS)})


async def _send_httpx(request: Request, service: str, client: ServiceClient, headers: dict[str, str],
                      body: bytes) -> Response:
    upstream = client.http.build_request(request.method, request.url.path,
                                         params=request.url.query, headers=headers, content=body)
    attempts = 2 if request.method in IDEMPOTENT else 1
    for attempt in range(attempts):
        try:
            response = await client.http.send(upstream)
            break
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # No connection at all: the service is down or unreachable (503), and nothing was sent.
            if attempt + 1 < attempts:
                continue
            raise unavailable(service) from exc
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(f"the {service} service did not answer in time") from exc
        except httpx.TransportError as exc:
            raise unavailable(service) from exc
    out_headers = {name: response.headers[name] for name in FORWARDED_RESPONSE_HEADERS
                   if name in response.headers}
    _note_object(request, response.headers)
    return Response(content=response.content, status_code=response.status_code, headers=out_headers)


async def _send_raw(session: aiohttp.ClientSession, url: str, request: Request, headers: dict[str, str],
                    body: bytes, service: str) -> Response:
    """The same exchange over aiohttp, with the same retry and error rules."""
    query = request.url.query
    attempts = 2 if request.method in IDEMPOTENT else 1
    for attempt in range(attempts):
        try:
            async with session.request(request.method, f"{url}?{query}" if query else url, data=body or None,
                                       headers=headers, allow_redirects=False) as upstream:
                content = await upstream.read()
                out_headers = {name: upstream.headers[name] for name in FORWARDED_RESPONSE_HEADERS
                               if name in upstream.headers}
                _note_object(request, upstream.headers)
                return Response(content=content, status_code=upstream.status, headers=out_headers)
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            if attempt + 1 < attempts:
                continue
            raise unavailable(service) from exc
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout(f"the {service} service did not answer in time") from exc
        except aiohttp.ClientError as exc:
            raise unavailable(service) from exc
    raise unavailable(service)

# Percent-encoded ".", "/" and "\\" in a path: a server may decode them after we matched the policy.
_DISGUISED = re.compile(rb"%(2e|2f|5c)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def canonical_path_problem(scope: Scope) -> str | None:
    """Why a path is not in its one canonical form, or None if it is.

    The route a request reaches must be the route that was authorised: a dot segment
    (``/comments/../units``), an empty one (``//``), a backslash or an encoded ``.``, ``/`` or
    ``\\`` could be resolved differently by us, a proxy or a service, so such paths are refused
    before the policy is consulted."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    raw = raw.split(b"?", 1)[0]
    if _DISGUISED.search(raw):
        return "the path holds an encoded '.', '/' or '\\'"
    path: str = scope["path"]
    if "\\" in path or _CONTROL.search(path):
        # (a URL parser drops tabs and newlines: "/rounds/%09./raters" would reach "/rounds/raters")
        return "the path holds a backslash or a control character"
    if _DISGUISED.search(path.encode()):
        return "the path holds a '.', '/' or '\\' percent-encoded twice"
    segments = path.split("/")[1:]
    if any(s in (".", "..") for s in segments):
        return "the path holds a '.' or '..' segment"
    if any(s == "" for s in segments[:-1]):
        return "the path holds an empty segment ('//')"
    return None


SERVICES = ("records", "scoring", "quota")
_PREFIXES = tuple(f"/api/v1/{name}/" for name in SERVICES)


class ProxyMiddleware:
    """Serves ``/api/v1/<service>/...`` straight from ASGI, without FastAPI's routing and
    dependency machinery: the hot path of the gateway (see bench/gateway.py). It sits inside
    the request-id and audit middlewares, and renders its own problems."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if path.startswith("/api/"):
            why = canonical_path_problem(scope)
            if why is not None:
                refusal = problem(400, code="path_not_canonical", title="Bad request",
                                  detail=f"{why}; send the route's path as it is documented")
                await refusal(scope, receive, send)
                return
        if not path.startswith(_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await proxy(request, path.split("/", 4)[3])
        except AppError as exc:
            response = problem(exc.status_code, code=exc.code, title=exc.title, detail=exc.detail,
                               errors=exc.errors, instance=path, extra=exc.extra, headers=exc.headers)
        await response(scope, receive, send)
