"""One-time rating codes for outside rater groups (Binzhou's 服务对象 and 群众).

An outside rater has no account: the round's administrators issue N codes for the group (printed
or sent as links), each shown once; only its SHA-256 digest is kept. A code rates once: the ballot
is written under a new random rater id marked anonymous, counted and weighted in the group like
any rater's, and its rows carry the round's opening time rather than when they were cast. The code
keeps only that it was used — not when, nor which ballot — so nothing stored ties a ballot to a
code, nor (through the time of a request) to whoever sent it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.errors import InputInvalid, RoundClosed
from scoring.models import RatingCode, RatingRound, RatingRow, RoundRater
from scoring.rounds.schemas import CodeBallot, CodeCount, CodesCreate, CodesIssued, Stored
from scoring.rounds.service import ballot_rows, lock_open
from scoring.schemes.service import rules_of
from scoring.scope import Scope, round_of_code, round_or_404
from shared.errors import Forbidden, NotFound

#: no 0/O, 1/I/L: a code is read off paper and typed in
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12  # 31^12 ≈ 2^59


class CodeUnusable(NotFound):
    code = "rating_code_unusable"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, LENGTH, 4))


def digest_of(code: str) -> str:
    """The digest of a code as typed: case, spaces and dashes do not matter."""
    plain = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(plain.encode()).hexdigest()


async def _managed(session: AsyncSession, round_id: uuid.UUID, scope: Scope) -> uuid.UUID:
    _, scheme = await round_or_404(session, round_id, scope)
    if not scope.manages(scheme):
        raise Forbidden("only the scheme's administrators issue and count a round's rating codes")
    return scheme.id


async def issue(session: AsyncSession, round_id: uuid.UUID, body: CodesCreate, scope: Scope) -> CodesIssued:
    """``count`` new codes for an outside group of the round's scheme, while the round is open."""
    scheme_id = await _managed(session, round_id, scope)
    _, rules = await rules_of(session, scheme_id)
    outside = rules.rater_settings.outside
    if body.group not in outside:
        listed = ", ".join(sorted(outside)) or "none"
        raise InputInvalid(f"{body.group!r} is not an outside rater group of the scheme ({listed})",
                           errors=[{"field": "body.group", "message": "not an outside rater group"}])
    status = await session.scalar(select(RatingRound.status).where(RatingRound.id == round_id).with_for_update())
    if status != "open":
        raise RoundClosed(f"rating round {round_id} is closed: no more codes")
    codes: dict[str, str] = {}
    while len(codes) < body.count:
        code = new_code()
        codes[digest_of(code)] = code
    await session.execute(insert(RatingCode), [{"digest": d, "round_id": round_id, "rater_group": body.group}
                                               for d in codes])
    return CodesIssued(group=body.group, codes=list(codes.values()))


async def counts(session: AsyncSession, round_id: uuid.UUID, scope: Scope) -> dict[str, CodeCount]:
    """Per outside group: how many codes were issued and how many used (never which)."""
    await _managed(session, round_id, scope)
    return {group: CodeCount(issued=issued, used=used) for group, issued, used in await session.execute(
        select(RatingCode.rater_group, func.count(), func.count().filter(RatingCode.used))
        .where(RatingCode.round_id == round_id).group_by(RatingCode.rater_group).order_by(RatingCode.rater_group))}


async def rate(session: AsyncSession, body: CodeBallot, now: datetime) -> Stored:
    """An outside rater's ballot: the code is the credential, used up by the ballot. A code that
    is unknown and one already used get the same 404, so the answer tells nothing of other codes;
    a refused ballot (a 422, a closed round) leaves the code unused."""
    found = (await session.execute(
        update(RatingCode).where(RatingCode.digest == digest_of(body.code), ~RatingCode.used).values(used=True)
        .returning(RatingCode.round_id, RatingCode.rater_group))).first()
    if found is None:
        raise CodeUnusable("no unused rating code is this one")
    round_id, group = found
    round_, scheme = await round_of_code(session, round_id)
    await lock_open(session, round_id, now)
    _, rules = await rules_of(session, scheme.id)
    rows = await ballot_rows(session, round_id, rules, body.ratings, rater_id=None)
    rater_id = uuid.uuid4()  # random: derived from nothing, the code least of all
    session.add(RoundRater(round_id=round_id, rater_id=rater_id, rater_group=group, anonymous=True))
    await session.flush()
    await session.execute(insert(RatingRow), [
        {**row, "round_id": round_id, "rater_id": rater_id, "rater_group": group, "keyed_by": None,
         "updated_at": round_.opened_at} for row in rows])
    return Stored(stored=len(rows))
