"""Quota's events (see ``shared.outbox``): an allocation published (or corrected), to its region's
systems, read by the gateway's webhooks."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from quota.db import Base
from shared import jobs, outbox

EVENTS = outbox.event_table(Base.metadata)
# a job's end, to its region's systems
jobs.on_finished("quota", jobs.announce_to_region(EVENTS))


async def allocation_published(session: AsyncSession, *, publication_id: uuid.UUID, region_id: uuid.UUID,
                               run_id: uuid.UUID,
                               year: int, sequence: int) -> None:
    await outbox.emit_to_region(session, EVENTS, region_id, kind="allocation_published", payload={
        "publication_id": str(publication_id), "region_id": str(region_id), "run_id": str(run_id), "year": year,
        "sequence": sequence, "correction": sequence > 1},
        link=f"/api/v1/quota/regions/{region_id}/years/{year}/published")


router = outbox.region_events_router("/api/v1/quota", EVENTS)
