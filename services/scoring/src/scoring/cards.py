"""People by name without asking records each time: records' display fields of a person (name,
staff number, unit, section, post, region, evaluation group, staff category) kept in scoring's own
table, with when they were taken.

A round's raters and rated people are taken when it opens (its list of who rates whom is fixed
then), in calls of 1,000; anyone else the first time they are shown. A card is taken again when
shown more than ``MAX_AGE`` after it was taken (a renamed person, a move to another unit or
section shows within that), so the screens that name people (a rater's to-do) ask records nothing
in the steady state, and a fixed number of calls when cards are missing or old.

Only the fields are kept, not who may see them: the code that shows a card has decided the caller
may see that person (a rater sees whom they rate, a reviewer the objection's filer), and a card is
taken with that caller's identity (records leaves out a person it does not show them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, bindparam, select
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from scoring.clients import Neighbours
from scoring.db import Base
from shared.service_auth import SYSTEM_CALLER, Caller

#: a card older than this is taken again from records when next shown
MAX_AGE = timedelta(minutes=10)
FIELDS = ("name", "staff_no", "unit_id", "unit_name", "region_id", "evaluation_group", "section_id", "section_name",
          "post", "staff_category")


class PersonCard(Base):
    __tablename__ = "person_cards"

    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    card: Mapped[dict[str, Any]] = mapped_column(JSONB)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


#: the cards of these people (``ids``): built once, executed per request
KEPT = select(PersonCard.person_id, PersonCard.card, PersonCard.taken_at).where(
    PersonCard.person_id.in_(bindparam("ids", expanding=True)))


async def keep(session: AsyncSession, found: dict[str, dict[str, Any]], now: datetime) -> None:
    """Write the cards records gave (person id → its row of ``/persons/names``), in person order
    (two requests keeping the same people wait for each other rather than deadlock)."""
    rows = [{"person_id": uuid.UUID(person), "card": {k: found[person].get(k) for k in FIELDS}, "taken_at": now}
            for person in sorted(found)]
    if rows:
        statement = insert(PersonCard)
        await session.execute(statement.on_conflict_do_update(
            index_elements=[PersonCard.person_id],
            set_={"card": statement.excluded.card, "taken_at": statement.excluded.taken_at}), rows)


async def take(session: AsyncSession, neighbours: Neighbours, person_ids: Iterable[object], now: datetime) -> None:
    """Take the cards of these people now (a round opening: its raters and rated people), asked as
    the system: one call to records per 1,000 people."""
    await keep(session, await neighbours.names(list(person_ids), on=None, caller=SYSTEM_CALLER), now)


async def cards(session: AsyncSession, neighbours: Neighbours, person_ids: Iterable[object], *, caller: Caller,
                now: datetime) -> dict[str, dict[str, Any]]:
    """The cards of these people by id (as str): one statement, and one call to records (with the
    caller's identity) for those without a card or with an old one; a person records does not show
    the caller (or does not answer for) keeps their old card if any, else has none."""
    ids = list(dict.fromkeys(uuid.UUID(str(p)) for p in person_ids))
    if not ids:
        return {}
    kept = {str(p): (card, at) for p, card, at in await session.execute(KEPT, {"ids": ids})}
    due = [str(p) for p in ids if str(p) not in kept or kept[str(p)][1] <= now - MAX_AGE]
    found = await neighbours.names(due, on=None, caller=caller) if due else {}
    await keep(session, found, now)
    taken = {p: {k: c.get(k) for k in FIELDS} for p, c in found.items()}
    return {**{p: card for p, (card, _) in kept.items()}, **taken}
