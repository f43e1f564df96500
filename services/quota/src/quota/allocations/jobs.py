"""Allocations, simulations and reports over many units, as jobs run by the quota worker.

A region's allocation, a simulation or a report of at least ``QUOTA_JOB_FROM_UNITS`` units is handed to a
worker (``shared.jobs``): the call answers as it always has when the job is done within a second, else
``202 Accepted`` with the job. Each handler does what the route does for fewer units, for the caller who
started it (checked again), and ends its job in the commit of what it wrote: a run is stored with the job's
success, or not at all.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from quota.allocations import exports, service
from quota.allocations.schemas import SimulateRequest
from quota.clients.records import RecordsClient
from shared.jobs import JobContext, task
from shared.jobs.files import caller_of, keep_file


def _records(ctx: JobContext) -> RecordsClient:
    records: RecordsClient = ctx.resources["records"]
    return records


@task("quota.allocate", status=201)
async def allocate(ctx: JobContext) -> Any:
    """A region's allocation from its stored inputs: the run the call would have answered, kept with the job."""
    caller = caller_of(ctx)
    region_id, year = uuid.UUID(ctx.params["region_id"]), int(ctx.params["year"])
    await ctx.progress(0, phase="reading the stored inputs and the roster's headcounts")
    async with ctx.session() as session:
        found = await service.run(session, _records(ctx), region_id=region_id, year=year, caller=caller)
        await ctx.progress(phase="storing the run")
        await ctx.commit(session, found.model_dump(mode="json"))
    return None


@task("quota.simulate")
async def simulate(ctx: JobContext) -> Any:
    """A simulation of the request's units and policy: nothing stored but the job's result."""
    body = SimulateRequest.model_validate(ctx.params["body"])
    await ctx.progress(0, len(body.units), "allocating")
    # in a thread: the worker's heartbeat beats on while the pure engine works
    return (await asyncio.to_thread(service.simulate, body.units, body.policy)).model_dump(mode="json")


@task("quota.allocation_report")
async def allocation_report(ctx: JobContext) -> Any:
    """A run's XLSX report, kept with the job until it is pruned (KAOHE_JOB_KEEP_DAYS)."""
    caller = caller_of(ctx)
    async with ctx.session() as session:
        await ctx.progress(phase="writing the workbook")
        file = await exports.report_file(session, _records(ctx), uuid.UUID(ctx.params["run_id"]), caller)
        await keep_file(ctx, session, file)
    return None
