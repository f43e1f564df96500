from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    func,
    text,
)
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
        # the days of units written since an instant (records.changes.latest)
        Index("attendance_unit_id_recorded_at_idx", "unit_id", "recorded_at", postgresql_include=["day"]),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(String(200))
    # the moment of the last write (not its transaction's start): what scoring's stale results go by
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())


CHANGE_SOURCES = ("correction", "import")


class AttendanceChange(Base):
    """A day's status or note as it was and as it became: kept for every change of a recorded day,
    with who changed it, when and (for a correction) why. A new day and a day sent again unchanged
    leave no trace here."""

    __tablename__ = "attendance_changes"
    __table_args__ = (
        CheckConstraint(f"source IN {CHANGE_SOURCES}", name="source"),
        Index("attendance_changes_unit_id_day_idx", "unit_id", "day"),
        Index("attendance_changes_person_id_day_idx", "person_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"))
    unit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))  # the day's unit after the change
    day: Mapped[date] = mapped_column(Date)
    old_status: Mapped[str] = mapped_column(String(24))
    new_status: Mapped[str] = mapped_column(String(24))
    old_note: Mapped[str | None] = mapped_column(String(200))
    new_note: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
