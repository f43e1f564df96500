"""Security headers on every answer of the gateway, and ``Cache-Control: no-store`` on answers that
carry a token or a person's own results, so that no shared cache or browser history keeps them."""

from __future__ import annotations

import re

from starlette.types import Message, Receive, Scope, Send

from shared.asgi import HttpMiddleware

ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NO_STORE = (b"cache-control", b"no-store")
# token answers, the signed-in person's own pages, results and their explanations (and their exports)
PRIVATE = re.compile(r"^/api/v1/(auth/|me(/|$)|.*/results(/|\.|$)|.*/explanation(/|$))")


def is_private(path: str) -> bool:
    return PRIVATE.match(path) is not None


class SecurityHeadersMiddleware(HttpMiddleware):
    """Pure ASGI middleware; HSTS only when the request itself came over https (``scope['scheme']``,
    which uvicorn sets from ``X-Forwarded-Proto`` only for the proxies it trusts)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra = list(ALWAYS)
        if scope.get("scheme") == "https":
            extra.append(HSTS)
        private = is_private(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                headers = [(k, v) for k, v in message.get("headers", [])
                           if not (private and k.lower() == b"cache-control")]
                headers.extend(pair for pair in extra if pair[0] not in names)
                if private:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
