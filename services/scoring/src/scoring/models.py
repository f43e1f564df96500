"""The scoring schema: schemes and their versions, rating rounds, marks, bonus and deduction
items, negative-list events, result versions with one row per person, and objections."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from scoring.db import Base
from shared import change_feed


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


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
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[str] = mapped_column(String(128))


class SchemeVersion(Base):
    """A scheme's rules; never changed, a change is a new version."""

    __tablename__ = "scheme_versions"

    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _now()
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
    since: Mapped[datetime] = _now()


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
    at: Mapped[datetime] = _now()
    by: Mapped[str] = mapped_column(String(128))


class ReviewRequirements(Base):
    """A region's requirements every submitted scheme is checked against (the national defaults
    where a region has set none)."""

    __tablename__ = "review_requirements"

    region_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = _now()
    updated_by: Mapped[str] = mapped_column(String(128))


class RatingRound(Base):
    """A period's democratic evaluation under a scheme: who rates (in which group) and who is rated."""

    __tablename__ = "rating_rounds"
    __table_args__ = (UniqueConstraint("scheme_id", "period"),
                      CheckConstraint("status IN ('open', 'closed')", name="status"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"))
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(8), default="open")
    opened_at: Mapped[datetime] = _now()
    opened_by: Mapped[str] = mapped_column(String(128))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # None: no deadline (the round takes ballots until an administrator closes it); else none after it
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RoundRater(Base):
    __tablename__ = "round_raters"
    __table_args__ = (Index("ix_round_raters_rater", "rater_id"),)  # a rater's rounds (their to-do)

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id"), primary_key=True)
    rater_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rater_group: Mapped[str] = mapped_column(String(64))
    # True: the ballot of an outside rater who used a one-time code; its id is random, tied to no code
    anonymous: Mapped[bool] = mapped_column(Boolean, server_default=false())


class RatingCode(Base):
    """A one-time rating code of a round for an outside rater group: only its SHA-256 is kept, and
    whether it was used (not when, nor which ballot it gave: the ballot keeps no link to it)."""

    __tablename__ = "rating_codes"
    __table_args__ = (Index("ix_rating_codes_round", "round_id", "rater_group"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id"))
    rater_group: Mapped[str] = mapped_column(String(64))
    used: Mapped[bool] = mapped_column(Boolean, server_default=false())


class RoundPerson(Base):
    __tablename__ = "round_people"

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)


class RatingRow(Base):
    """One rater's mark for one person in a round; revised in place until the round closes."""

    __tablename__ = "ratings"
    __table_args__ = (CheckConstraint("rater_id <> person_id", name="not_self"),
                      ForeignKeyConstraint(["round_id", "rater_id"],
                                           ["round_raters.round_id", "round_raters.rater_id"]))

    round_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rater_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rater_group: Mapped[str] = mapped_column(String(64))  # the rater's, kept here so a close is one scan
    mark: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    # None: written by the rater; else the subject of the administrator who keyed in the paper ballot
    keyed_by: Mapped[str | None] = mapped_column(String(128))
    # under a scheme with rating dimensions: the marks per dimension ({code: "90.00"}); ``mark`` is their
    # weighted sum
    dimensions: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = _now()


class RoundChange(Base):
    """A correction of a round while it runs (or its reopening): what changed, by whom, when and
    why, with the old and the new value. Kept for good; never changed."""

    __tablename__ = "round_changes"
    __table_args__ = (Index("ix_round_changes_round", "round_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id"))
    what: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    old: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    changed_at: Mapped[datetime] = _now()
    changed_by: Mapped[str] = mapped_column(String(128))


class VoidedRating(Base):
    """A rating voided by a correction (its rater removed or replaced, its person no longer rated):
    moved out of ``ratings`` whole, so no close counts it, and kept here with why, by whom and when."""

    __tablename__ = "voided_ratings"

    change_id: Mapped[int] = mapped_column(ForeignKey("round_changes.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rater_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating_rounds.id"), index=True)
    rater_group: Mapped[str] = mapped_column(String(64))
    mark: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    keyed_by: Mapped[str | None] = mapped_column(String(128))
    dimensions: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the rating's own updated_at
    void_reason: Mapped[str] = mapped_column(Text)
    voided_by: Mapped[str] = mapped_column(String(128))
    voided_at: Mapped[datetime] = _now()


class Mark(Base):
    """A hand-given mark on a manual indicator leaf."""

    __tablename__ = "marks"

    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(32), primary_key=True)
    mark: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    marked_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = _now()


class AdjustmentRow(Base):
    """A bonus or deduction item (加减分) with its evidence and who approved it."""

    __tablename__ = "adjustments"
    __table_args__ = (Index("ix_adjustments_period", "scheme_id", "period", "person_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"))
    period: Mapped[str] = mapped_column(String(7))
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    item: Mapped[str] = mapped_column(String(64))
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    evidence: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[str] = mapped_column(String(128))
    # voided: kept, with who voided it and why, and left out of every close
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by: Mapped[str | None] = mapped_column(String(128))
    void_reason: Mapped[str | None] = mapped_column(Text)


class NegativeEvent(Base):
    """A negative-list event (负面清单): caps or vetoes the person's grade for the period."""

    __tablename__ = "negative_events"
    __table_args__ = (Index("ix_negative_events_period", "scheme_id", "period", "person_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"))
    period: Mapped[str] = mapped_column(String(7))
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    item: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[str] = mapped_column(String(128))
    # voided: kept, with who voided it and why, and left out of every close
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by: Mapped[str | None] = mapped_column(String(128))
    void_reason: Mapped[str | None] = mapped_column(Text)


class InputChange(Base):
    """A correction of a period's input, kept for good: an item or event added, amended or voided, a
    mark changed or voided; the old and new values, who, when and why. ``serial`` is the period's
    input serial the change took (see ``InputState``)."""

    __tablename__ = "input_changes"
    __table_args__ = (Index("ix_input_changes_period", "scheme_id", "period", "serial"),
                      CheckConstraint("kind IN ('adjustment', 'negative_event', 'mark')", name="kind"),
                      CheckConstraint("action IN ('add', 'amend', 'void')", name="action"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"))
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(8))
    object_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))  # the item's or event's; none for a mark
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    old: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)
    serial: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    changed_by: Mapped[str] = mapped_column(String(128))


class InputState(Base):
    """A scheme's period's inputs: a serial counted up by every write of them (marks, items, events,
    rounds and ratings, corrections), and when the last one was."""

    __tablename__ = "input_states"

    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    serial: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())


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
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[str] = mapped_column(String(128))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(128))


class CloseRun(Base):
    """A quarter's close under way in parts (``scoring.results.staging``): what every part needs from
    everyone; gone when the close is stored or given up."""

    __tablename__ = "close_runs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))
    scheme_version: Mapped[int] = mapped_column(Integer)
    shared: Mapped[dict[str, Any]] = mapped_column(JSONB)
    parts: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = _now()


class ClosePart(Base):
    """One part of a close under way: its people's inputs, and once computed, what it gives (the
    bytes of ``scoring.results.parts.encode``), written once."""

    __tablename__ = "close_parts"

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
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[str] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    decision: Mapped[str | None] = mapped_column(String(10))  # upheld (status accepted) or rejected
    decision_reason: Mapped[str | None] = mapped_column(Text)
    new_close_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("closes.id"))


class ProcedureRun(Base):
    """A period run through its scheme's procedure: the stages as they were when it started, the
    stage it is at, and the publicity window once it has been opened."""

    __tablename__ = "procedure_runs"
    __table_args__ = (UniqueConstraint("scheme_id", "period"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id"))
    period: Mapped[str] = mapped_column(String(7))
    stages: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    stage: Mapped[int] = mapped_column(Integer)  # index into stages
    window_opened_on: Mapped[date | None] = mapped_column(Date)
    window_starts_on: Mapped[date | None] = mapped_column(Date)
    window_ends_on: Mapped[date | None] = mapped_column(Date)
    draft_close_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("closes.id"))
    final_close_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("closes.id"))
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[str] = mapped_column(String(128))


class ProcedureStage(Base):
    """One time a stage was open: who opened and closed it and on which days (as they took effect,
    and as recorded), whether it was left by moving back (and why), and the ballots missing when a
    rating stage was closed."""

    __tablename__ = "procedure_stages"
    __table_args__ = (Index("ix_procedure_stages_run", "run_id", "opened_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procedure_runs.id"))
    stage: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = _now()
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(128))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(128))
    moved_back: Mapped[bool] = mapped_column(Boolean, server_default=false())
    reason: Mapped[str | None] = mapped_column(Text)
    missing_ballots: Mapped[int | None] = mapped_column(Integer)
    # the days the moves were recorded (``opened_on``/``closed_on``: the days they took effect), and
    # why the move that opened it was recorded on a later day than it took effect
    opened_recorded_on: Mapped[date] = mapped_column(Date)
    closed_recorded_on: Mapped[date | None] = mapped_column(Date)
    late_reason: Mapped[str | None] = mapped_column(Text)


class CalendarDay(Base):
    """A province administrator's working-day override: a day of a year the official arrangement does
    not cover, or a day it has wrong; it wins over the arrangement."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = _now()
    updated_by: Mapped[str] = mapped_column(String(128))


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


#: The results' change log (``updated_after`` on a version's results): see ``shared.change_feed``.
CHANGES = change_feed.change_table(Base.metadata)
