"""A small, well-behaved HTTP client of the gateway for the operator commands.

It signs in once (the OAuth2 password form) or sends an API key, and then:

- waits as told and sends again on a 429 (and on a 503 with ``Retry-After`` for requests that are
  safe to repeat), a few times at most;
- refreshes an expired access token once with the refresh token, and revokes the refresh token
  when it is done (``POST /api/v1/auth/logout``), so no command leaves a live session behind;
- puts an ``Idempotency-Key`` on every creating ``POST`` the gateway forwards, so that a request
  sent again after a lost answer (a connection reset, a timeout) creates nothing twice;
- turns every error answer (``application/problem+json``: ``title``, ``detail``, ``errors``) into
  an :class:`ApiError`, and an unreachable gateway into :class:`Unreachable`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import httpx

from kaohe.config import StackSettings

USER_AGENT = "kaohe-cli/0.1"
SIGN_IN = "/api/v1/auth/token"
# Routes the gateway answers itself (its idempotency keys apply only to forwarded routes).
OWN_ROUTES = ("/api/v1/auth/", "/api/v1/admin/", "/api/v1/audit", "/api/v1/me")
MAX_ATTEMPTS = 4
MAX_WAIT = 60.0  # seconds: longer than this, give up and say so rather than hang
SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})


def default_gateway(settings: StackSettings | None = None) -> str:
    """This machine's stack: ``http://{KAOHE_HOST}:{KAOHE_GATEWAY_PORT}`` (a wildcard host means loopback)."""
    settings = settings or StackSettings()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104 (not a bind)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.gateway_port}"


@dataclass(eq=False)
class ApiError(Exception):
    """An error answer from the gateway, as its problem+json body tells it."""

    status: int
    title: str
    detail: str | None = None
    errors: list[Any] = field(default_factory=list)
    code: str | None = None
    request_id: str | None = None
    method: str = ""
    path: str = ""
    body: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.title}" + (f": {self.detail}" if self.detail else "")

    @classmethod
    def of(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = None
        method, path = response.request.method, response.request.url.path
        if not isinstance(body, dict):
            text = " ".join(response.text.split())[:300] or None
            return cls(response.status_code, response.reason_phrase or "Error", text, method=method, path=path)
        errors = body.get("errors")
        return cls(status=response.status_code, title=str(body.get("title") or response.reason_phrase or "Error"),
                   detail=None if body.get("detail") is None else str(body["detail"]),
                   errors=errors if isinstance(errors, list) else [],
                   code=None if body.get("code") is None else str(body["code"]),
                   request_id=body.get("request_id") or response.headers.get("x-request-id"),
                   method=method, path=path, body=body)


class Unreachable(Exception):
    """The gateway could not be reached, or did not answer in time."""


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait, from the ``Retry-After`` header or a problem's ``retry_after``."""
    header = response.headers.get("retry-after")
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            return None
    if response.headers.get("content-type", "").endswith("json"):
        try:
            body = response.json()
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("retry_after"), int | float):
            return max(0.0, float(body["retry_after"]))
    return None


def filename_of(response: httpx.Response) -> str | None:
    """The plain file name a download offers (``filename``: ASCII, with the ids; the Chinese ``filename*``
    is for browsers), without any folder."""
    disposition = response.headers.get("content-disposition")
    if not disposition:
        return None
    message = Message()
    message["content-disposition"] = disposition
    name = message.get_filename()
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name if name not in ("", ".", "..") else None


class Gateway:
    """One signed-in conversation with the gateway. Use as a context manager."""

    def __init__(self, url: str, *, timeout: float = 900.0, sleep: Callable[[float], None] = time.sleep,
                 notice: Callable[[str], None] | None = None, transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self.client = httpx.Client(base_url=self.url, headers={"user-agent": USER_AGENT},
                                   timeout=httpx.Timeout(30.0, read=timeout), transport=transport)
        self.sleep = sleep
        self.notice = notice or (lambda _: None)
        self.refresh_token: str | None = None

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.refresh_token is not None:
            token, self.refresh_token = self.refresh_token, None
            try:  # a courtesy: the session ends with the command
                self.client.post("/api/v1/auth/logout", json={"refresh_token": token}, timeout=5.0)
            except httpx.HTTPError:
                pass
        self.client.close()

    # -- signing in ---------------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> None:
        response = self.send("POST", SIGN_IN, data={"username": username, "password": password})
        self._take_tokens(response.json())

    def use_api_key(self, key: str) -> None:
        self.client.headers["x-api-key"] = key

    def _take_tokens(self, tokens: Mapping[str, Any]) -> None:
        self.client.headers["authorization"] = f"Bearer {tokens['access_token']}"
        self.refresh_token = tokens.get("refresh_token")

    def _refresh(self) -> bool:
        if self.refresh_token is None:
            return False
        response = self.client.post("/api/v1/auth/refresh", json={"refresh_token": self.refresh_token})
        if response.status_code != 200:
            return False
        self._take_tokens(response.json())
        return True

    # -- requests -----------------------------------------------------------------------------

    def send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
             data: Mapping[str, Any] | None = None, files: Mapping[str, Any] | None = None,
             ok: tuple[int, ...] = (200, 201)) -> httpx.Response:
        """Send one request (again, where that is safe, as described above); an answer not in ``ok``
        raises :class:`ApiError`."""
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        request = self.client.build_request(method, path, params=clean or None, json=json, data=data, files=files)
        repeatable = method in SAFE_METHODS
        if method == "POST" and not path.startswith(OWN_ROUTES):
            request.headers["idempotency-key"] = str(uuid.uuid4())
            repeatable = True
        refreshed = False
        for attempt in range(1, MAX_ATTEMPTS + 1):
            last = attempt == MAX_ATTEMPTS
            try:
                response = self.client.send(request)
            except httpx.ConnectError as exc:  # nothing was sent: always safe to try again
                if last:
                    raise Unreachable(f"cannot reach the gateway at {self.url} ({exc}); is the stack running "
                                      "(`kaohe run`), or is --gateway wrong?") from exc
                self.sleep(0.5 * 2 ** (attempt - 1))
                continue
            except httpx.TimeoutException as exc:
                if last or not repeatable:
                    raise Unreachable(f"the gateway at {self.url} did not answer {method} {path} in time") from exc
                self.sleep(0.5 * 2 ** (attempt - 1))
                continue
            except httpx.TransportError as exc:
                if last or not repeatable:
                    raise Unreachable(f"the connection to {self.url} failed during {method} {path}: {exc}") from exc
                self.sleep(0.5 * 2 ** (attempt - 1))
                continue
            status = response.status_code
            if status == 401 and not refreshed and path != SIGN_IN and self._expired(response) and self._refresh():
                refreshed = True
                request.headers["authorization"] = self.client.headers["authorization"]
                continue
            wait = retry_after(response) if status in (429, 503) else None
            if not last and wait is not None and wait <= MAX_WAIT and (status == 429 or repeatable):
                self.notice(f"{'Rate limited' if status == 429 else 'The service is unavailable'}; "
                            f"trying again in {wait:g} s ...")
                self.sleep(wait)
                continue
            if status not in ok:
                raise ApiError.of(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover  (the loop returns or raises)

    @staticmethod
    def _expired(response: httpx.Response) -> bool:
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("code") == "token_expired"

    def get(self, path: str, **params: Any) -> Any:
        return self.send("GET", path, params=params).json()

    def every(self, path: str, **params: Any) -> list[Any]:
        """Every item of a paged list (``{"items", "next"}``), following ``next`` to the last page."""
        found: list[Any] = []
        page = self.get(path, **params, limit=500)
        while True:
            found.extend(page["items"])
            if not page.get("next"):
                return found
            page = self.send("GET", page["next"]).json()

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        """The answer's body; for long work (202), the job's result once it has ended (see ``kaohe.jobs``)."""
        response = self.send("POST", path, json=json, ok=(200, 201, 202), **kwargs)
        from kaohe.jobs import answered  # the commands' own module; it imports this one

        return answered(self, response)

    def put(self, path: str, json: Any = None) -> Any:
        return self.send("PUT", path, json=json).json()
