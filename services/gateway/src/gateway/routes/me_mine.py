"""``GET /api/v1/me/mine``: the signed-in person's own results, explained, with their objections and
the schemes that evaluate them, in one call to scoring (which answers for the calling person only)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gateway.clients.services import Downstreams
from gateway.identity import PrincipalDep
from shared.errors import Forbidden, NotFound

router = APIRouter(prefix="/api/v1", tags=["me"])
EXAMPLE = {  # scoring's MyResults, shortened
    "person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
    "schemes": [{"id": "55070116-7a0a-5e5f-83b9-72778a55e596", "name": "夏村镇机关干部", "version": 1,
                 "state": "approved"}],
    "results": [{"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596", "scheme_name": "夏村镇机关干部",
                 "period": "2025Q2", "close_id": "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82", "version": 1,
                 "published_at": "2025-07-08T09:30:00Z", "score": "88.40", "rank": 2, "grade": "good",
                 "grade_label": {"zh-CN": "好", "en": "Good"}, "objections": []}],
    "other_objections": [],
}


@router.get("/me/mine", summary="My results of every published period (grade, score, rank where the scheme "
                                "publishes ranks, the explanation), my objections and my schemes' rules",
            responses={200: {"description": "scoring's MyResults: person_id, schemes, results, other_objections",
                             "content": {"application/json": {"schema": {"type": "object"}, "example": EXAMPLE}}},
                       403: {"description": "an API key: only a person has results of their own"},
                       404: {"description": "the account is not a person of the roster"}})
async def mine(principal: PrincipalDep, request: Request) -> Response:
    """My results of every published period (grade, score, rank where the scheme publishes ranks, and the
    explanation), my objections, and the rules of the schemes that evaluate me. 403 for an API key; 404 when
    the account is not a person of the roster. **Who may call:** a signed-in user who is a person of the
    roster.
    """
    caller = principal.caller
    if caller.kind != "user":
        raise Forbidden("an API key has no results of its own")
    if caller.person_id is None:
        raise NotFound("your account is not a person of the roster: you have no results of your own")
    downstreams: Downstreams = request.app.state.downstreams
    answer = await downstreams.clients["scoring"].request("GET", "/api/v1/scoring/me/results", caller=caller)
    return Response(content=answer.content, status_code=answer.status_code,
                    media_type=answer.headers.get("content-type", "application/json"))
