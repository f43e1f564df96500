"""A period run through its scheme's procedure, each time a stage was open, and the working-day
overrides of the calendar."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from scoring.db import Base
from scoring.models.columns import now_column


class ProcedureRun(Base):
    """A period run through its scheme's procedure: the stages as they were when it started, the
    stage it is at, and the publicity window once it has been opened."""

    __tablename__ = "procedure_runs"
    __table_args__ = (UniqueConstraint("scheme_id", "period"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"))
    period: Mapped[str] = mapped_column(String(7))
    stages: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    stage: Mapped[int] = mapped_column(Integer)  # index into stages
    window_opened_on: Mapped[date | None] = mapped_column(Date)
    window_starts_on: Mapped[date | None] = mapped_column(Date)
    window_ends_on: Mapped[date | None] = mapped_column(Date)
    draft_close_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("closes.id"))
    final_close_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("closes.id"))
    created_at: Mapped[datetime] = now_column()
    created_by: Mapped[str] = mapped_column(String(128))


class ProcedureStage(Base):
    """One time a stage was open: who opened and closed it and on which days (as they took effect,
    and as recorded), whether it was left by moving back (and why), and the ballots missing when a
    rating stage was closed."""

    __tablename__ = "procedure_stages"
    __table_args__ = (Index("ix_procedure_stages_run", "run_id", "opened_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procedure_runs.id"))
    stage: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = now_column()
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(128))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(128))
    moved_back: Mapped[bool] = mapped_column(Boolean, server_default=false())
    reason: Mapped[str | None] = mapped_column(Text)
    missing_ballots: Mapped[int | None] = mapped_column(Integer)
    # the days the moves were recorded (``opened_on``/``closed_on``: the days they took effect), and
    # why the move that opened it was recorded on a later day than it took effect
    opened_recorded_on: Mapped[date] = mapped_column(Date)
    closed_recorded_on: Mapped[date | None] = mapped_column(Date)
    late_reason: Mapped[str | None] = mapped_column(Text)


class CalendarDay(Base):
    """A province administrator's working-day override: a day of a year the official arrangement does
    not cover, or a day it has wrong; it wins over the arrangement."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = now_column()
    updated_by: Mapped[str] = mapped_column(String(128))
