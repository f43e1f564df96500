"""Schemes and their versions, and the review of a version written by a unit's administrator."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from scoring.db import Base
from scoring.models.columns import now_column


class Scheme(Base):
    """Who a scheme evaluates: one unit, or an evaluation group of a region; optionally one staff category.
    A group's scheme may name its lead unit (the supervising department of a merged group), whose
    administrator runs it as their own unit's."""

    __tablename__ = "schemes"
    __table_args__ = (CheckConstraint("(unit_id IS NULL) <> (group_name IS NULL)", name="one_scope"),
                      CheckConstraint("lead_unit_id IS NULL OR group_name IS NOT NULL", name="lead_of_group"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    region_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    group_name: Mapped[str | None] = mapped_column(String(64))
    lead_unit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    staff_category: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = now_column()
    created_by: Mapped[str] = mapped_column(String(128))


class SchemeVersion(Base):
    """A scheme's rules; never changed, a change is a new version."""

    __tablename__ = "scheme_versions"

    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = now_column()
    created_by: Mapped[str] = mapped_column(String(128))
    # the top-level fields of the definition its author gave (not defaulted); None: not known
    stated: Mapped[list[str] | None] = mapped_column(JSONB)


class VersionReview(Base):
    """Where a version written by a unit administrator stands in its review (方案审核): draft,
    submitted, returned or approved, and since when. A version without one was saved by its
    region's or the province's administrators (or before schemes were reviewed): approved."""

    __tablename__ = "version_reviews"
    __table_args__ = (ForeignKeyConstraint(["scheme_id", "version"],
                                           ["scheme_versions.scheme_id", "scheme_versions.version"]),
                      CheckConstraint("state IN ('draft', 'submitted', 'returned', 'approved')",
                                      name="review_state"))

    scheme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = now_column()


class SchemeReview(Base):
    """A step of a version's review: submitted (with the region's requirements it breaks), returned
    (with the reviewer's comments) or approved; kept, never changed."""

    __tablename__ = "scheme_reviews"
    __table_args__ = (ForeignKeyConstraint(["scheme_id", "version"],
                                           ["scheme_versions.scheme_id", "scheme_versions.version"]),
                      Index("ix_scheme_reviews_version", "scheme_id", "version", "id"))

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    scheme_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    comments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    violations: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    at: Mapped[datetime] = now_column()
    by: Mapped[str] = mapped_column(String(128))


class ReviewRequirements(Base):
    """A region's requirements every submitted scheme is checked against (the national defaults
    where a region has set none)."""

    __tablename__ = "review_requirements"

    region_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = now_column()
    updated_by: Mapped[str] = mapped_column(String(128))
