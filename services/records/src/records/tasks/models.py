from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Numeric, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from records.db import Base

# A person's report of 100 leaves their task awaiting_confirmation until the unit's leader or
# administrator confirms it done (and the day it was done).
TASK_STATUSES = ("open", "awaiting_confirmation", "done", "cancelled")
UPDATE_KINDS = ("progress", "rectification", "confirmation")


class Task(Base):
    """A key work task (重点工作任务) assigned to one person: "人人头上有指标" (Binzhou)."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(f"status IN {TASK_STATUSES}", name="status"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        CheckConstraint("intensity > 0 AND difficulty > 0 AND quantity > 0", name="weights"),
        CheckConstraint("lead_share > 0 AND lead_share <= 1", name="lead_share"),
        Index("tasks_unit_id_written_idx", "unit_id", text("coalesce(updated_at, created_at)")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    title: Mapped[str] = mapped_column(String(200))
    intensity: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    difficulty: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    quantity: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    due_on: Mapped[date] = mapped_column(Date)
    supervised: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(24), default="open")
    progress: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    completed_on: Mapped[date | None] = mapped_column(Date)
    # the lead's share of the task (the rest is its co-owners'): 1 for a task of one owner
    lead_share: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal(1), server_default="1")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # the last write after the assignment (a correction, progress, a confirmation)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TaskUpdate(Base):
    """Progress on a task, a rectification step on a supervised one (督办), or the confirmation
    that it is done, kept in order with who wrote each."""

    __tablename__ = "task_updates"
    __table_args__ = (CheckConstraint(f"kind IN {UPDATE_KINDS}", name="kind"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    progress: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    note: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TaskCoOwner(Base):
    """A co-owner (协办) of a task and their share of it: with the lead's share the shares add up to 1,
    and the task's load and completion are credited to each by share."""

    __tablename__ = "task_co_owners"
    __table_args__ = (CheckConstraint("share > 0 AND share < 1", name="share"),)

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True, index=True)
    share: Mapped[Decimal] = mapped_column(Numeric(5, 4))
