"""The bulletins' tables: a region's bulletins and the counter that numbers them per year."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from scoring.db import Base


class Bulletin(Base):
    """A region's bulletin of a period: its generated content kept as generated, a preface and the
    lines removed (each with its reason, kept). Once issued (numbered 第N期 of the year of issue)
    nothing of it changes."""

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("region_id", "year", "number", name="uq_bulletins_number"),
                      Index("ix_bulletins_region", "region_id", "created_at"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    region_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    period: Mapped[str] = mapped_column(String(7))
    year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(8), default="draft")
    title: Mapped[str] = mapped_column(Text)
    preface: Mapped[str | None] = mapped_column(Text)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    removed: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[str | None] = mapped_column(String(128))


class BulletinNumber(Base):
    """The last number issued of a region's year: one row, updated by each issuing transaction."""

    __tablename__ = "bulletin_numbers"

    region_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
