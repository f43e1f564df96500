from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from quota.db import Base
from shared import change_feed


class AllocationInputs(Base):
    """What the region keeps for a year: its units' inputs and its policy (either may be unset)."""

    __tablename__ = "allocation_inputs"

    region_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    units: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
    updated_by: Mapped[str] = mapped_column(String(128))


class AllocationRun(Base):
    """One computed allocation: inputs snapshot, policy and result, never changed afterwards."""

    __tablename__ = "allocation_runs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    region_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    year: Mapped[int] = mapped_column(Integer)
    units: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    policy: Mapped[dict[str, Any]] = mapped_column(JSONB)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    input_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(128))


class AllocationPublication(Base):
    """A published run of a region and year. The first has sequence 1; a correction supersedes
    the current one with the next sequence, naming it, so (region, year, sequence) and the
    superseded id being unique let exactly one publish through. Append-only: a publication is
    superseded by the row that names it, never changed."""

    __tablename__ = "allocation_publications"
    __table_args__ = (UniqueConstraint("region_id", "year", "sequence",
                                       name="allocation_publications_sequence_key"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    region_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("allocation_runs.id"),
                                              unique=True)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("allocation_publications.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_by: Mapped[str] = mapped_column(String(128))


#: The runs' change log (``updated_after`` on a region's runs of a year): see ``shared.change_feed``.
CHANGES = change_feed.change_table(Base.metadata)
