"""Supervision's tables: the department's inspections of a unit (督导), the rectification notices it
issues (整改通知) and their items, each with a deadline, the unit's response and the department's
sign-off (销号) or return. Nothing is deleted: an item or a notice is closed with a reason."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from scoring.db import Base

ITEM_STATES = ("open", "answered", "returned", "signed_off", "closed")
FINAL = ("signed_off", "closed")


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_region", "region_id", "visited_on"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    region_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    unit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    visited_on: Mapped[date] = mapped_column(Date)
    team: Mapped[list[str]] = mapped_column(JSONB)
    findings: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(128))


class Notice(Base):
    __tablename__ = "rectification_notices"
    __table_args__ = (Index("ix_rectification_notices_region", "region_id", "unit_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    region_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    unit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inspections.id"))
    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    issued_by: Mapped[str] = mapped_column(String(128))


class NoticeItem(Base):
    __tablename__ = "rectification_items"
    __table_args__ = (CheckConstraint(f"state IN {ITEM_STATES}", name="ck_rectification_items_state"),
                      Index("ix_rectification_items_notice", "notice_id", "position"),
                      Index("ix_rectification_items_open", "deadline", postgresql_where="state NOT IN "
                                                                                       "('signed_off', 'closed')"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rectification_notices.id"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), server_default="open")
    response: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    answered_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    # every step (answer, sign-off, return, close) with who, when and what: kept, never changed
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
