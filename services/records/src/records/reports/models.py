from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from records.db import Base


class MonthlyReport(Base):
    """A person's monthly report (月工作汇报): one per calendar month."""

    __tablename__ = "monthly_reports"
    __table_args__ = (UniqueConstraint("person_id", "year", "month", name="monthly_reports_person_month_key"),
                      CheckConstraint("month BETWEEN 1 AND 12", name="month"),
                      Index("monthly_reports_unit_id_written_idx", "unit_id",
                            text("coalesce(updated_at, submitted_at)")))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    achievements: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(128))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LeaderComment(Base):
    """A leader's comment and mark (领导点评) on a weekly record or a monthly report; one per
    leader per record, revised in place."""

    __tablename__ = "leader_comments"
    __table_args__ = (UniqueConstraint("target_kind", "target_id", "leader", name="leader_comments_target_leader_key"),
                      CheckConstraint("target_kind IN ('work_log', 'monthly_report')", name="target_kind"),
                      CheckConstraint("mark >= 0 AND mark <= 100", name="mark"),
                      Index("leader_comments_unit_id_written_idx", "unit_id", text("coalesce(updated_at, created_at)")))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    leader: Mapped[str] = mapped_column(String(128))
    mark: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
