"""``GET /api/v1/me/mine``: the signed-in person's own results, explained, with their objections and
the schemes that evaluate them, in one call to scoring (which answers for the calling person only)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gateway.clients.services import Downstreams
from gateway.identity import PrincipalDep
from shared.errors import Forbidden, NotFound

router = APIRouter(prefix="/api/v1", tags=["me"])


@router.get("/me/mine", summary="My results of every published period (grade, score, rank where the scheme "
                                "publishes ranks, the explanation), my objections and my schemes' rules",
            responses={200: {"description": "scoring's MyResults: person_id, schemes, results, other_objections",
                             "content": {"application/json": {"schema": {"type": "object"}}}},
                       403: {"description": "an API key: only a person has results of their own"},
                       404: {"description": "the account is not a person of the roster"}})
async def mine(principal: PrincipalDep, request: Request) -> Response:
    caller = principal.caller
    if caller.kind != "user":
        raise Forbidden("an API key has no results of its own")
    if caller.person_id is None:
        raise NotFound("your account is not a person of the roster: you have no results of your own")
    downstreams: Downstreams = request.app.state.downstreams
    answer = await downstreams.clients["scoring"].request("GET", "/api/v1/scoring/me/results", caller=caller)
    return Response(content=answer.content, status_code=answer.status_code,
                    media_type=answer.headers.get("content-type", "application/json"))
