from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Identity, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from records.db import Base

KINDS = ("work_log", "monthly_report", "comment", "task")


class RecordChange(Base):
    """A weekly record, monthly report, leader's comment and mark, or task as it was and as it
    became: kept for every correction, with who made it, when and why. ``day`` is the day the
    record belongs to (its week's Monday, its month's first day, the commented record's, the task's
    due day after the change); the unit is the record's."""

    __tablename__ = "record_changes"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        Index("record_changes_unit_id_day_idx", "unit_id", "day"),
        Index("record_changes_person_id_day_idx", "person_id", "day"),
        Index("record_changes_record_idx", "kind", "record_id"),
        Index("record_changes_unit_id_changed_at_idx", "unit_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"))
    unit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    day: Mapped[date] = mapped_column(Date)
    old: Mapped[dict[str, Any]] = mapped_column(JSONB)
    new: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
