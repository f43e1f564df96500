"""Result versions (closes) with one row per person, the closes under way in parts, objections to a
published result, and the reads of a person's file."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from scoring.db import Base
from scoring.models.columns import now_column


class CloseInputs(Base):
    """The input serial a result version was computed (or, closed again unchanged, last checked) at:
    a later write of the period's inputs makes it stale."""

    __tablename__ = "close_inputs"

    close_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("closes.id"), primary_key=True)
    serial: Mapped[int] = mapped_column(BigInteger)
    # the moment (clock time) before the version last read its inputs from records: a records
    # write after it makes the version stale (NULL: closed before it was kept; created_at then)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Close(Base):
    """One computed result of a period (a quarter, or a year) under a scheme version; immutable
    except for its publication stamp."""

    __tablename__ = "closes"
    __table_args__ = (UniqueConstraint("scheme_id", "period", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"))
    period: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    scheme_version: Mapped[int] = mapped_column(Integer)
    input_digest: Mapped[str] = mapped_column(String(64))
    # written last, in the transaction that writes the results (a constraint trigger checks it at commit)
    result_digest: Mapped[str | None] = mapped_column(String(64))
    people: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = now_column()
    created_by: Mapped[str] = mapped_column(String(128))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(128))


#: A table without a write-ahead log (emptied by a crash of the database).
UNLOGGED = {"prefixes": ["UNLOGGED"]}


class CloseRun(Base):
    """A quarter's close under way in parts (``scoring.results.staging``): what every part needs from
    everyone; gone when the close is stored or given up."""

    __tablename__ = "close_runs"
    __table_args__ = UNLOGGED  # kept for seconds; a database crash fails the close under way

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))
    scheme_version: Mapped[int] = mapped_column(Integer)
    shared: Mapped[dict[str, Any]] = mapped_column(JSONB)
    parts: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = now_column()


class ClosePart(Base):
    """One part of a close under way: its people's inputs, and once computed, what it gives (the
    bytes of ``scoring.results.parts.encode``), written once."""

    __tablename__ = "close_parts"
    __table_args__ = UNLOGGED

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("close_runs.id", ondelete="CASCADE"), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    people: Mapped[int] = mapped_column(Integer)
    inputs: Mapped[bytes] = mapped_column(LargeBinary)
    output: Mapped[bytes | None] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JsonText(TypeDecorator[dict[str, Any]]):
    """JSON kept as the text it was written as: the database stores it without parsing it, the
    service parses it when it reads it."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Any) -> str | None:
        return None if value is None else orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()

    def process_result_value(self, value: str | None, dialect: Any) -> dict[str, Any] | None:
        return None if value is None else orjson.loads(value)


class Result(Base):
    __tablename__ = "results"

    # close_id belongs to a close: checked once per inserting statement by the trigger
    # results_have_their_close (a foreign key would look each of a province's rows up).
    close_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    score: Mapped[Decimal | None] = mapped_column(Numeric(14, 6))
    rank: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonText)  # the bytes the close wrote and hashed


class Objection(Base):
    """考核结果异议: a person's objection to their published result and its review."""

    __tablename__ = "objections"
    __table_args__ = (CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name="status"),
                      CheckConstraint("decision IN ('upheld', 'rejected')", name="decision"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    close_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("closes.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = now_column()
    created_by: Mapped[str] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    decision: Mapped[str | None] = mapped_column(String(10))  # upheld (status accepted) or rejected
    decision_reason: Mapped[str | None] = mapped_column(Text)
    new_close_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("closes.id"))


class FileRead(Base):
    """One read of a person's file (干部成长档案): who read it, when and why; the person sees these."""

    __tablename__ = "file_reads"
    __table_args__ = (Index("ix_file_reads_person", "person_id", "read_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reason: Mapped[str] = mapped_column(Text)
    # the moment of the read, not of its transaction: reads in one transaction keep their order
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    read_by: Mapped[str] = mapped_column(String(128))

