"""``GET /api/v1/catalogue``: every code the API emits or accepts with its zh-CN and en labels,
fetched once by an app and kept (it changes only with a release: the ETag says when)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from gateway import policy
from gateway.identity import PrincipalDep
from shared.errors import Forbidden
from shared.labels import CATALOGUE, ETAG, LANGS

router = APIRouter(prefix="/api/v1", tags=["catalogue"])
CACHE_CONTROL = "private, max-age=86400"
_RULE = next(r for r in policy.RULES if r.template == "/api/v1/catalogue")


@router.get("/catalogue", summary="Every code of the API with its Chinese and English labels",
            description="`{\"langs\": [\"zh-CN\", \"en\"], \"kinds\": {kind: {code: {\"zh-CN\": ..., \"en\": ...}}}}`. "
                        "A field `x` holding a code is labelled in reads as `x_label` from the same catalogue; "
                        "error codes are the kind `error`. Send `If-None-Match` with the last `ETag`: "
                        "304 when nothing changed.",
            responses={200: {"headers": {"ETag": {"description": "the catalogue's version: send it as If-None-Match",
                                                  "schema": {"type": "string"}},
                                         "Cache-Control": {"schema": {"type": "string"}}},
                             "content": {"application/json": {"example": {
                                 "langs": ["zh-CN", "en"],
                                 "kinds": {"grade": {"excellent": {"zh-CN": "优秀", "en": "Excellent"},
                                                     "good": {"zh-CN": "好", "en": "Good"}},
                                           "error": {"round_closed": {"zh-CN": "测评已结束",
                                                                      "en": "The rating round is closed"}}}}}}},
                       304: {"description": "the catalogue is unchanged since the ETag sent",
                             "headers": {"ETag": {"schema": {"type": "string"}}}}})
async def catalogue(principal: PrincipalDep, request: Request, response: Response) -> Any:
    caller = principal.caller
    if not policy.allowed(_RULE, kind=caller.kind, roles=caller.roles, scopes=caller.scopes):
        raise Forbidden(f"GET {_RULE.template} is not open to this caller")
    headers = {"etag": ETAG, "cache-control": CACHE_CONTROL}
    if ETAG in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return {"langs": list(LANGS), "kinds": CATALOGUE}
