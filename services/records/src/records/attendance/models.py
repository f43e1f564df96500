from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from records.db import Base

STATUSES = ("present", "business_trip", "sick_leave", "personal_leave", "annual_leave", "maternity_leave",
            "study", "absent", "rest")
LEAVE = ("sick_leave", "personal_leave")  # counted against the half-year rule for the annual bonus


class Attendance(Base):
    """One row per person per day (日常考勤); the unit is the person's unit on that day."""

    __tablename__ = "attendance"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        Index("attendance_unit_id_day_idx", "unit_id", "day"),
        # a person's leave in a year (the summary's leave_days_in_year) without their other days
        Index("attendance_leave_idx", "person_id", "day", postgresql_where=text(f"status IN {LEAVE}")),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
