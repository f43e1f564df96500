"""Rating rounds: who rates and who is rated, one-time codes, the ballots, and the corrections of a
round while it runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from scoring.db import Base
from scoring.models.columns import now_column


class RatingRound(Base):
    """A period's democratic evaluation under a scheme: who rates (in which group) and who is rated."""

    __tablename__ = "rating_rounds"
    __table_args__ = (UniqueConstraint("scheme_id", "period"),
                      CheckConstraint("status IN ('open', 'closed')", name="status"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"))
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(8), default="open")
    opened_at: Mapped[datetime] = now_column()
    opened_by: Mapped[str] = mapped_column(String(128))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # None: no deadline (the round takes ballots until an administrator closes it); else none after it
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RoundSums(Base):
    """A closed round's rating sums by person and rater group, kept for the closes after the first
    (``scoring.results.round_sums``): valid while the round is closed at ``closed_at``; the ratings'
    triggers drop them should the round's ratings be written all the same."""

    __tablename__ = "round_sums"

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id", ondelete="CASCADE"),
                                                primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sums: Mapped[bytes] = mapped_column(LargeBinary)  # JSON: {person: {group: [sum x 100, raters]}}
    extremes: Mapped[bytes] = mapped_column(LargeBinary)  # JSON: {person: {group: [highest, lowest] x 100}}
    trimmed: Mapped[list[str]] = mapped_column(ARRAY(String(64)))  # the groups ``extremes`` has
    made_at: Mapped[datetime] = now_column()


class RoundRater(Base):
    __tablename__ = "round_raters"
    __table_args__ = (Index("ix_round_raters_rater", "rater_id"),)  # a rater's rounds (their to-do)

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id"), primary_key=True)
    rater_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rater_group: Mapped[str] = mapped_column(String(64))
    # True: the ballot of an outside rater who used a one-time code; its id is random, tied to no code
    anonymous: Mapped[bool] = mapped_column(Boolean, server_default=false())


class RatingCode(Base):
    """A one-time rating code of a round for an outside rater group: only its SHA-256 is kept, and
    whether it was used (not when, nor which ballot it gave: the ballot keeps no link to it)."""

    __tablename__ = "rating_codes"
    __table_args__ = (Index("ix_rating_codes_round", "round_id", "rater_group"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id"))
    rater_group: Mapped[str] = mapped_column(String(64))
    used: Mapped[bool] = mapped_column(Boolean, server_default=false())


class RoundPerson(Base):
    __tablename__ = "round_people"

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)


class RatingRow(Base):
    """One rater's mark for one person in a round; revised in place until the round closes."""

    __tablename__ = "ratings"
    __table_args__ = (CheckConstraint("rater_id <> person_id", name="not_self"),
                      ForeignKeyConstraint(["round_id", "rater_id"],
                                           ["round_raters.round_id", "round_raters.rater_id"]))

    round_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rater_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rater_group: Mapped[str] = mapped_column(String(64))  # the rater's, kept here so a close is one scan
    mark: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    # None: written by the rater; else the subject of the administrator who keyed in the paper ballot
    keyed_by: Mapped[str | None] = mapped_column(String(128))
    # under a scheme with rating dimensions: the marks per dimension ({code: "90.00"}); ``mark`` is their
    # weighted sum
    dimensions: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = now_column()


class RoundChange(Base):
    """A correction of a round while it runs (or its reopening): what changed, by whom, when and
    why, with the old and the new value. Kept for good; never changed."""

    __tablename__ = "round_changes"
    __table_args__ = (Index("ix_round_changes_round", "round_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id"))
    what: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    old: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    changed_at: Mapped[datetime] = now_column()
    changed_by: Mapped[str] = mapped_column(String(128))


class VoidedRating(Base):
    """A rating voided by a correction (its rater removed or replaced, its person no longer rated):
    moved out of ``ratings`` whole, so no close counts it, and kept here with why, by whom and when."""

    __tablename__ = "voided_ratings"

    change_id: Mapped[int] = mapped_column(ForeignKey("round_changes.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rater_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id"), index=True)
    rater_group: Mapped[str] = mapped_column(String(64))
    mark: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    keyed_by: Mapped[str | None] = mapped_column(String(128))
    dimensions: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the rating's own updated_at
    void_reason: Mapped[str] = mapped_column(Text)
    voided_by: Mapped[str] = mapped_column(String(128))
    voided_at: Mapped[datetime] = now_column()
