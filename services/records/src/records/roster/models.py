from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, validates

from records.db import Base
from records.roster import pinyin
from shared import change_feed

UNIT_KINDS = ("township", "street", "department", "institution")
STAFF_CATEGORIES = ("leadership", "middle", "staff", "non_staff")


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = (CheckConstraint("staff_no_width BETWEEN 1 AND 32", name="staff_no_width"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("regions.id"))
    # How many digits the region's staff numbers have: one a spreadsheet turned into a number (and so
    # stripped of its leading zeros) is padded back to it on import.
    staff_no_width: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("region_id", "code", name="units_region_id_code_key"),
        CheckConstraint(f"kind IN {UNIT_KINDS}", name="kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    region_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("regions.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    evaluation_group: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Section(Base):
    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("unit_id", "name", name="sections_unit_id_name_key"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    coefficient: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    staff_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    # the name's pinyin, for people search (records.roster.pinyin): set with the name, whoever writes it
    name_pinyin: Mapped[str] = mapped_column(String(255), server_default="")
    name_short: Mapped[str] = mapped_column(String(255), server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @validates("name")
    def _spell(self, _key: str, name: str) -> str:
        self.name_pinyin, self.name_short = pinyin.forms(name)
        return name


class Assignment(Base):
    """One stretch of a person's membership of a unit: the roster's history.

    ``active_to`` is the last day (inclusive); open while NULL. A person's stretches never
    overlap, so "who was in unit U during 2025Q2" and "year-end headcount" are exact."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint(f"staff_category IN {STAFF_CATEGORIES}", name="staff_category"),
        CheckConstraint("active_to IS NULL OR active_to >= active_from", name="range"),
        Index("assignments_unit_id_active_idx", "unit_id", "active_from", "active_to"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"))
    section_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sections.id"))
    staff_category: Mapped[str] = mapped_column(String(16))
    post: Mapped[str | None] = mapped_column(String(64))  # 岗位: compared within by Binzhou's third way
    active_from: Mapped[date] = mapped_column(Date)
    active_to: Mapped[date | None] = mapped_column(Date)


#: The roster's change log (``updated_after`` on a unit's members): see ``shared.change_feed``.
CHANGES = change_feed.change_table(Base.metadata)
