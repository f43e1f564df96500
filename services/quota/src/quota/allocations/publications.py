"""Publishing runs: the one current allocation of a region and year, what it replaced and why.

A run with warnings (rules of its policy it could not meet) is published only when the
publisher accepts them, with a reason; the warnings stay on the publication. A published
allocation is corrected by publishing another run that supersedes it, with a reason: the old
one stays readable, marked superseded by the new one, which lists every unit whose slots
changed. Without ``supersedes`` a second publication is refused, as it always was.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quota import events
from quota.allocations.models import AllocationPublication, AllocationRun
from quota.allocations.schemas import (
    PublicationList,
    PublicationRead,
    PublishRequest,
    SlotChange,
    SupersessionRead,
    WarningRead,
)
from quota.allocations.service import get_run_or_raise
from quota.errors import (
    AllocationHasWarnings,
    AlreadyPublished,
    InvalidAllocation,
    NothingPublished,
    NothingToSupersede,
)
from quota.scope import ensure_region
from shared.pagination import ALL, PageQuery
from shared.service_auth import Caller


def _slots(run: AllocationRun) -> dict[str, int]:
    return {u["id"]: u["total"] for u in run.result["units"]}


def _changes(before: dict[str, int], after: dict[str, int]) -> list[SlotChange]:
    return [SlotChange(unit_id=unit, before=before.get(unit), after=after.get(unit),
                       change=after.get(unit, 0) - before.get(unit, 0))
            for unit in sorted(before.keys() | after.keys()) if before.get(unit) != after.get(unit)]


def _read(publication: AllocationPublication, run: AllocationRun, *, replaced: AllocationRun | None,
          successor: AllocationPublication | None) -> PublicationRead:
    slots = _slots(run)
    superseded = None
    if successor is not None:
        superseded = SupersessionRead(at=successor.published_at, by=successor.published_by,
                                      reason=successor.reason or "", publication_id=successor.id)
    return PublicationRead(
        id=publication.id, sequence=publication.sequence, region_id=publication.region_id,
        year=publication.year, run_id=run.id, published_at=publication.published_at,
        published_by=publication.published_by, slots=slots, reason=publication.reason,
        warnings=[WarningRead.model_validate(w) for w in publication.warnings],
        current=successor is None, supersedes_id=publication.supersedes_id,
        changes=[] if replaced is None else _changes(_slots(replaced), slots), superseded=superseded)


async def _history(session: AsyncSession, region_id: uuid.UUID, year: int) -> list[AllocationPublication]:
    return list(await session.scalars(
        select(AllocationPublication)
        .where(AllocationPublication.region_id == region_id, AllocationPublication.year == year)
        .order_by(AllocationPublication.sequence)))


def _warnings(run: AllocationRun) -> list[dict[str, Any]]:
    return list(run.result.get("warnings") or [])


def _check_request(body: PublishRequest) -> None:
    if (body.supersedes or body.accept_warnings) and not (body.reason or "").strip():
        flag = "supersedes" if body.supersedes else "accept_warnings"
        raise InvalidAllocation(f"a reason is required with {flag}",
                                errors=[{"field": "body.reason", "message": f"required with {flag}"}])


async def publish(session: AsyncSession, *, run_id: uuid.UUID, body: PublishRequest | None,
                  caller: Caller) -> PublicationRead:
    """Atomic: (region, year, sequence) and the superseded id are unique, so of two publishes
    at once (first ones, or corrections of the same publication) exactly one goes through."""
    body = body or PublishRequest()
    record = await get_run_or_raise(session, run_id, caller=caller)
    _check_request(body)
    warnings = _warnings(record)
    if warnings and not body.accept_warnings:
        raise AllocationHasWarnings(
            f"run {record.id} breaks {len(warnings)} rule(s) of its policy: send accept_warnings with a reason "
            "to publish it anyway",
            errors=[{"field": "warnings", "message": f"{w['code']}: {w['message']}"} for w in warnings],
            extra={"warnings": warnings})
    history = await _history(session, record.region_id, record.year)
    current = history[-1] if history else None
    if current is not None and not body.supersedes:
        raise AlreadyPublished(f"region {record.region_id} already has a published allocation for "
                               f"{record.year}: send supersedes with a reason to correct it")
    if current is None and body.supersedes:
        raise NothingToSupersede(f"nothing is published for region {record.region_id} in {record.year}")
    if any(p.run_id == record.id for p in history):
        raise AlreadyPublished(f"run {record.id} is already published for {record.year}")
    publication = AllocationPublication(
        id=uuid.uuid4(), region_id=record.region_id, year=record.year, run_id=record.id,
        sequence=1 if current is None else current.sequence + 1,
        supersedes_id=None if current is None else current.id,
        reason=body.reason if (body.supersedes or warnings) else None,
        warnings=warnings, published_by=caller.subject)
    try:
        async with session.begin_nested():
            session.add(publication)
            await session.flush()
    except IntegrityError as exc:
        raise AlreadyPublished(f"region {record.region_id} already has a published allocation for "
                               f"{record.year}, or it was just corrected") from exc
    await session.refresh(publication)
    await events.allocation_published(session, publication_id=publication.id, region_id=publication.region_id,
                                      run_id=record.id, year=record.year, sequence=publication.sequence)
    replaced = None if current is None else await session.get(AllocationRun, current.run_id)
    return _read(publication, record, replaced=replaced, successor=None)


async def publications(session: AsyncSession, *, region_id: uuid.UUID, year: int, caller: Caller,
                       page: PageQuery = ALL) -> PublicationList:
    """Every publication of the region and year, oldest first; the last is the current one."""
    ensure_region(caller, region_id)
    history = await _history(session, region_id, year)
    runs = {r.id: r for r in await session.scalars(
        select(AllocationRun).where(AllocationRun.id.in_([p.run_id for p in history])))} if history else {}
    items = []
    for index, publication in enumerate(history):
        replaced = runs[history[index - 1].run_id] if index else None
        successor = history[index + 1] if index + 1 < len(history) else None
        items.append(_read(publication, runs[publication.run_id], replaced=replaced, successor=successor))
    shown, last = page.slice(items, lambda p: (p.sequence,))
    return page.page(PublicationList, shown, last)


async def published(session: AsyncSession, *, region_id: uuid.UUID, year: int, caller: Caller) -> PublicationRead:
    """The current publication, with the changes against the one it replaced."""
    listing = await publications(session, region_id=region_id, year=year, caller=caller)
    if not listing.items:
        raise NothingPublished(f"nothing is published for region {region_id} in {year}")
    return listing.items[-1]
