"""A period's hand-given inputs: marks, bonus and deduction items, negative-list events, and the
corrections of them with the serial every write counts up."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from scoring.db import Base
from scoring.models.columns import now_column


class Mark(Base):
    """A hand-given mark on a manual indicator leaf."""

    __tablename__ = "marks"

    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(32), primary_key=True)
    mark: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    marked_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = now_column()


class PeriodItem:
    """What a bonus or deduction item and a negative-list event have alike: a person's item of a
    scheme's period, who made it, and once voided, who voided it and why (kept, and left out of
    every close)."""

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"))
    period: Mapped[str] = mapped_column(String(7))
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    item: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = now_column()
    created_by: Mapped[str] = mapped_column(String(128))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by: Mapped[str | None] = mapped_column(String(128))
    void_reason: Mapped[str | None] = mapped_column(Text)


class AdjustmentRow(PeriodItem, Base):
    """A bonus or deduction item (加减分) with its evidence and who approved it."""

    __tablename__ = "adjustments"
    __table_args__ = (Index("ix_adjustments_period", "scheme_id", "period", "person_id"),)

    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    evidence: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(128))


class NegativeEvent(PeriodItem, Base):
    """A negative-list event (负面清单): caps or vetoes the person's grade for the period."""

    __tablename__ = "negative_events"
    __table_args__ = (Index("ix_negative_events_period", "scheme_id", "period", "person_id"),)

    note: Mapped[str] = mapped_column(Text)


class InputChange(Base):
    """A correction of a period's input, kept for good: an item or event added, amended or voided, a
    mark changed or voided; the old and new values, who, when and why. ``serial`` is the period's
    input serial the change took (see ``InputState``)."""

    __tablename__ = "input_changes"
    __table_args__ = (Index("ix_input_changes_period", "scheme_id", "period", "serial"),
                      CheckConstraint("kind IN ('adjustment', 'negative_event', 'mark')", name="kind"),
                      CheckConstraint("action IN ('add', 'amend', 'void')", name="action"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"))
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(8))
    object_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))  # the item's or event's; none for a mark
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    old: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)
    serial: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    changed_by: Mapped[str] = mapped_column(String(128))


class InputState(Base):
    """A scheme's period's inputs: a serial counted up by every write of them (marks, items, events,
    rounds and ratings, corrections), and when the last one was."""

    __tablename__ = "input_states"

    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    serial: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
