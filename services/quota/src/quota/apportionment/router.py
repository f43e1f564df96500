"""``POST /api/v1/quota/apportion``: the engine as a service for provincial systems."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from quota.apportionment.schemas import ApportionRead, ApportionRequest, TieRead
from quota.domain.apportion import ApportionmentError, UnknownUnit, apportion
from quota.errors import InvalidApportionment, UndefinedReference
from shared.jobs import ACCEPTED, JobContext, start_job, task

router = APIRouter(prefix="/api/v1/quota", tags=["apportionment"])


@router.post(
    "/apportion",
    response_model=ApportionRead,
    summary="Apportion seats between units",
    responses={422: {"description": "bad input, named in `errors[].field`"}, **ACCEPTED},
)
async def apportion_seats(body: ApportionRequest, request: Request) -> ApportionRead | Response:
    """Apportion whole seats between units by an exact method, as a service for provincial systems: `hamilton` (largest
    remainder) or a divisor method (`jefferson` d'Hondt, `webster` Sainte-Laguë, `huntington_hill`, `adams`,
    `dean`). Divisor methods start every unit at its minimum and give the rest by priority, never above a unit's
    maximum. `hamilton` takes exact quotas, floors, lifts units to their minimum from the leftover, then gives the
    rest by largest remainder. Ties go to the larger population, then the id that sorts first, and are listed in
    `ties`.

    Callers: province and region administrators; API keys with `apportion`. Errors: 422 `apportionment_invalid`
    naming the field (no units, more seats than the maximums allow, fewer than the minimums need, …); 422
    `invalid_reference` for a unit in `min_seats` or `max_seats` that `populations` does not have. With
    `QUOTA_JOB_FROM_UNITS` units or more it runs as a job: this answer when done within a second, else 202 with the
    job's `Location`."""
    settings = request.app.state.settings
    if settings.job_from_units <= len(body.populations) <= settings.max_units:  # over the limit: refused here
        return await start_job(request, "quota.apportion", params={"body": body.model_dump(mode="json")},
                               total=len(body.populations))
    return seats(body, max_units=settings.max_units)


def seats(body: ApportionRequest, *, max_units: int) -> ApportionRead:
    """The apportionment the request asks for, or a 422 naming the field that breaks a rule."""
    try:
        result = apportion(body.method, body.seats, body.populations, min_seats=body.min_seats,
                           max_seats=body.max_seats, max_units=max_units)
    except ApportionmentError as exc:
        kind = UndefinedReference if isinstance(exc, UnknownUnit) else InvalidApportionment
        raise kind(str(exc), errors=[{"field": f"body.{exc.field}", "message": str(exc)}]) from exc
    return ApportionRead(
        method=result.method, seats=result.seats,
        ties=[TieRead(contenders=list(t.contenders), winners=list(t.winners), priority=t.priority,
                      rule=t.rule) for t in result.ties])


@task("quota.apportion")
async def apportion_job(ctx: JobContext) -> Any:
    """An apportionment of many units: the answer the call would have given."""
    body = ApportionRequest.model_validate(ctx.params["body"])
    await ctx.progress(0, len(body.populations), "apportioning")
    settings = ctx.resources["settings"]
    # in a thread: the worker's heartbeat beats on while the pure engine works (200,000 units take seconds)
    return (await asyncio.to_thread(seats, body, max_units=settings.max_units)).model_dump(mode="json")
