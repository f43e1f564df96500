"""The history of a period's inputs and whether a result version is stale.

Every write of a scheme's period's inputs (marks, bonus and deduction items, negative-list events,
rounds and ratings, and every correction of them) counts up the period's input serial
(``input_states``); corrections are also kept in ``input_changes`` with the old and new values,
who, when and why. A result version keeps the serial it was computed at (``close_inputs``; a
close that finds the inputs unchanged checks the latest version again at the current serial), so
a version computed before a later write is *stale*: closing again makes a new version, and
comparing the two lists the difference person by person.

Records' own data (attendance, weekly records, reports, comments and marks, tasks: the metric
values) is records' to count: a close keeps the clock time just before it read its inputs
(``close_inputs.checked_at``), and a reading of versions asks records once how many of the
records of the scheme's units in the period's dates were written after each version's time
(``Neighbours.records_written``). A version with such writes is stale too (``records_changed_since``);
if records does not answer, that part is unknown (null) rather than the reading failing. Closing
again checks it (a close whose inputs are all the same returns the latest version, checked anew).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.models import Close, CloseInputs, InputChange, InputState, RatingRound, Scheme
from scoring.results.schemas import CloseRead
from shared.errors import UpstreamTimeout, UpstreamUnavailable


async def touch_inputs(session: AsyncSession, scheme_id: uuid.UUID, period: str) -> int:
    """Count up the period's input serial (its row stays locked until the commit, so the period's
    input writes queue) and return it."""
    statement = insert(InputState).values(scheme_id=scheme_id, period=period, serial=1)
    serial = await session.scalar(statement.on_conflict_do_update(
        index_elements=["scheme_id", "period"],
        set_={"serial": InputState.serial + 1, "changed_at": func.clock_timestamp()}).returning(InputState.serial))
    assert serial is not None
    return int(serial)


async def touch_round_inputs(session: AsyncSession, round_id: uuid.UUID) -> None:
    """A round's period's inputs changed (a round opened or closed, a ballot cast)."""
    found = (await session.execute(select(RatingRound.scheme_id, RatingRound.period)
                                   .where(RatingRound.id == round_id))).first()
    if found is not None:
        await touch_inputs(session, found[0], found[1])


async def record(session: AsyncSession, *, scheme_id: uuid.UUID, period: str, kind: str, action: str,
                 changes: Sequence[tuple[uuid.UUID | None, uuid.UUID, dict[str, Any] | None, dict[str, Any] | None]],
                 reason: str | None, by: str) -> int:
    """Keep each change ``(object id, person, old, new)`` in the history under one new serial."""
    serial = await touch_inputs(session, scheme_id, period)
    if changes:
        await session.execute(insert(InputChange), [
            {"id": uuid.uuid4(), "scheme_id": scheme_id, "period": period, "kind": kind, "action": action,
             "object_id": object_id, "person_id": person_id, "old": old, "new": new, "reason": reason,
             "serial": serial, "changed_by": by} for object_id, person_id, old, new in changes])
    return serial


async def current_serial(session: AsyncSession, scheme_id: uuid.UUID, period: str) -> tuple[int, datetime]:
    """The period's input serial and the clock time, read (in one statement) before a close reads its inputs."""
    serial = select(InputState.serial).where(InputState.scheme_id == scheme_id,
                                             InputState.period == period).scalar_subquery()
    found, now = (await session.execute(select(serial, func.clock_timestamp()))).one()
    return int(found or 0), now


async def note_close(session: AsyncSession, close_id: uuid.UUID, serial: int, checked_at: datetime) -> None:
    """The version was computed (or checked unchanged) at ``serial`` and at ``checked_at``, both
    read before its inputs were."""
    statement = insert(CloseInputs).values(close_id=close_id, serial=serial, checked_at=checked_at)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["close_id"], set_={"serial": func.greatest(CloseInputs.serial, serial),
                                           "checked_at": func.greatest(CloseInputs.checked_at, checked_at)}))


async def since(session: AsyncSession, close: Close | CloseRead) -> tuple[int | None, datetime]:
    """The serial of the version (None: closed before serials were kept) and the created_at to go by then."""
    serial = await session.scalar(select(CloseInputs.serial).where(CloseInputs.close_id == close.id))
    return (None if serial is None else int(serial)), close.created_at


async def with_staleness(session: AsyncSession, reads: Iterable[CloseRead],
                         records: Neighbours | None = None) -> list[CloseRead]:
    """Each version with whether its period's inputs were written after it was computed, how many
    corrections the history lists since, and when the inputs last changed; with ``records``, also
    how many of records' data it was computed from were written since (one call to records)."""
    reads = list(reads)
    written = await records_written(session, reads, records) if records is not None else {}
    out = []
    for read in await _scoring_staleness(session, reads):
        count, latest = written.get(read.id, (None, None))
        out.append(read.model_copy(update={"stale": read.stale or bool(count), "records_changed_since": count,
                                           "records_changed_at": latest}))
    return out


async def records_written(session: AsyncSession, reads: Sequence[CloseRead],
                          records: Neighbours) -> dict[uuid.UUID, tuple[int | None, datetime | None]]:
    """For each version, the records of its scheme's units and period's dates written after it
    read them, and the last such write: one question to records for each scheme and period (the
    versions of a listing share them), with every version's time; (None, None) where records
    does not answer."""
    if not reads:
        return {}
    checked = {close_id: at for close_id, at in await session.execute(
        select(CloseInputs.close_id, CloseInputs.checked_at).where(CloseInputs.close_id.in_([r.id for r in reads])))}
    moments = {r.id: checked.get(r.id) or r.created_at for r in reads}
    out: dict[uuid.UUID, tuple[int | None, datetime | None]] = {}
    for (scheme_id, period), group in itertools.groupby(sorted(reads, key=lambda r: (str(r.scheme_id), r.period)),
                                                        key=lambda r: (r.scheme_id, r.period)):
        versions = list(group)
        scheme = await session.get(Scheme, scheme_id)
        assert scheme is not None
        since = sorted({moments[v.id] for v in versions})
        try:
            answer = await records.records_written(unit_id=scheme.unit_id, region_id=scheme.region_id,
                                                   group=scheme.group_name, period=period, since=since)
        except (UpstreamUnavailable, UpstreamTimeout):
            out.update({v.id: (None, None) for v in versions})
            continue
        counts = {moment: int(entry["count"]) for moment, entry in zip(since, answer["since"], strict=True)}
        latest = datetime.fromisoformat(answer["latest_at"]) if answer["latest_at"] else None
        out.update({v.id: (counts[moments[v.id]], latest if counts[moments[v.id]] else None) for v in versions})
    return out


async def _scoring_staleness(session: AsyncSession, reads: Iterable[CloseRead]) -> list[CloseRead]:
    out = []
    for read in reads:
        state = await session.get(InputState, (read.scheme_id, read.period))
        if state is None:
            out.append(read.model_copy(update={"stale": await _parts_republished(session, read)}))
            continue
        serial, created_at = await since(session, read)
        count = select(func.count()).select_from(InputChange).where(InputChange.scheme_id == read.scheme_id,
                                                                    InputChange.period == read.period)
        if serial is not None:
            stale = state.serial > serial
            count = count.where(InputChange.serial > serial)
        else:
            stale = state.changed_at > created_at
            count = count.where(InputChange.changed_at > created_at)
        stale = stale or await _parts_republished(session, read)
        out.append(read.model_copy(update={"stale": stale, "changed_since": await session.scalar(count) or 0,
                                           "inputs_changed_at": state.changed_at}))
    return out


async def stale_one(session: AsyncSession, read: CloseRead, records: Neighbours | None = None) -> CloseRead:
    return (await with_staleness(session, [read], records))[0]


async def _parts_republished(session: AsyncSession, read: CloseRead) -> bool:
    """A longer period's version (a year, a half year) built from its parts is stale once one of
    the parts it used (its summary's quarters or parts, each with the version used) has a newer
    version published: a corrected quarter changes the year built on it."""
    used = read.summary.get("quarters") or read.summary.get("parts") or []
    for part in used:
        newer = await session.scalar(select(Close.id).where(
            Close.scheme_id == read.scheme_id, Close.period == part["period"], Close.version > part["version"],
            Close.published_at.is_not(None)).limit(1))
        if newer is not None:
            return True
    return False
