from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from records.db import Base

#: 国家级, 省级, 市级, 县级, 乡镇级: the level an honour was awarded at.
HONOUR_LEVELS = ("national", "provincial", "city", "county", "township")


class Honour(Base):
    """An honour or commendation (荣誉, 表彰) of a person or of a unit, in the honours ledger
    (荣誉台账). A person's honour belongs to the unit they were placed in on the day it was awarded.
    Voided, it is kept (with who voided it and why) and stops counting."""

    __tablename__ = "honours"
    __table_args__ = (CheckConstraint(f"level IN {HONOUR_LEVELS}", name="level"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    awarded_on: Mapped[date] = mapped_column(Date, index=True)
    awarded_by: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by: Mapped[str | None] = mapped_column(String(128))
    void_reason: Mapped[str | None] = mapped_column(Text)
