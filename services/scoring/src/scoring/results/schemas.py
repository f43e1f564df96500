from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from scoring.examples import NAMED
from shared.change_feed import FeedCursor
from shared.labels import label_of
from shared.openapi import examples_of, page_examples
from shared.pagination import Page, encode


class NamedRow(BaseModel):
    """A row about a person, and the person as records knows them in the period (their placement
    at its end): filled in for those records shows the caller."""

    person_id: uuid.UUID
    staff_no: str | None = Field(default=None, description="工号 (null: records did not say)")
    name: str | None = Field(default=None, description="姓名")
    unit_name: str | None = Field(default=None, description="the unit's name")
    section_id: uuid.UUID | None = Field(default=None, description="the section (科室), if any")
    section_name: str | None = Field(default=None, description="the section's name")


class PersonChange(NamedRow):
    score: list[str | None] = Field(description="[before, after]")
    grade: list[str | None] = Field(description="[before, after]")


class CloseRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
         "period": "2025Q2",
         "version": 1,
         "scheme_version": 1,
         "input_digest": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
         "result_digest": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
         "people": 1,
         "summary": {},
         "reason": "录入有误，更正",
         "created_at": "2025-07-01T09:30:00Z",
         "created_by": "admin",
         "published_at": "2025-07-01T09:30:00Z",
         "published_by": "admin",
         "unchanged": False,
         "changes": [{**NAMED,
                      "score": ["86.50"],
                      "grade": ["good"]}],
         "stale": False,
         "changed_since": 1,
         "inputs_changed_at": "2025-07-01T09:30:00Z",
         "records_changed_since": 1,
         "records_changed_at": "2025-07-01T09:30:00Z"}]})
    id: uuid.UUID
    scheme_id: uuid.UUID
    period: str
    version: int
    scheme_version: int
    input_digest: str
    result_digest: str
    people: int
    summary: dict[str, Any]
    reason: str
    created_at: datetime
    created_by: str
    published_at: datetime | None
    published_by: str | None
    unchanged: bool = Field(default=False, description="the inputs were the same as the latest version's: "
                                                       "no new version was made")
    changes: list[PersonChange] | None = Field(default=None, description="against the previous version")
    stale: bool = Field(default=False, description="the period's inputs (marks, items, events, rounds, ratings) "
                                                   "were written after this version was computed, or records' data "
                                                   "it was computed from (records_changed_since): close again. "
                                                   "With records_changed_since null, only as far as scoring knows")
    changed_since: int = Field(default=0, description="corrections listed since this version (GET the period's "
                                                      "changes with close_id=this id)")
    inputs_changed_at: datetime | None = Field(default=None, description="when the period's inputs last changed")
    records_changed_since: int | None = Field(default=None, description=(
        "records written after this version read them, among those it is computed from (the scheme's units' "
        "attendance days in the period's dates, weekly records, monthly reports, comments and marks on them, "
        "tasks due in it), each counted once: GET /api/v1/records/changes/latest; null if records did not "
        "answer (the staleness is then unknown on records' side)"))
    records_changed_at: datetime | None = Field(default=None, description="the last such write, if any")


class ClosePage(Page[CloseRead]):
    """Result versions of a period, oldest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(CloseRead))


class ResultRead(NamedRow):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {**NAMED,
         "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
         "score": "86.50",
         "rank": 1,
         "grade": "good",
         "group": {"de": "leadership"}}]})
    unit_id: uuid.UUID | None
    score: str | None = Field(description="exact decimal, rounded half-even at 6 places if longer")
    rank: int | None
    grade: str | None
    grade_label: ClassVar[Any] = label_of("grade", "grade")
    group: dict[str, str | None] | None = Field(
        default=None, description="the group the person was ranked and graded in (grades.compare_within)")


class ResultPage(Page[ResultRead]):
    """A version's results, best first."""

    model_config = ConfigDict(json_schema_extra=page_examples(ResultRead, close=examples_of(CloseRead)[0], total=1))
    close: CloseRead
    total: int


class ResultChanges(Page[ResultRead], FeedCursor):
    """A version's results not handed out before `updated_after`, in person order. A version's results
    are written once and never change or go, so no tombstone is given; a later version's are all new."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": examples_of(ResultRead)[:1], "next": None,
        "updated_after": encode([2, str(examples_of(ResultRead)[0]["person_id"])]),
        "close": examples_of(CloseRead)[0]}]})

    close: CloseRead


class Explanation(NamedRow):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {**NAMED,
         "close_id": "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82",
         "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
         "period": "2025Q2",
         "version": 1,
         "scheme_version": 1,
         "published": False,
         "score": "86.50",
         "rank": 1,
         "grade": "good",
         "detail": {},
         "sentences": ["sentence"]}]})
    close_id: uuid.UUID = Field(description="the result version explained (object to it by this id)")
    scheme_id: uuid.UUID
    period: str
    version: int
    scheme_version: int
    published: bool
    score: str | None
    rank: int | None
    grade: str | None
    grade_label: ClassVar[Any] = label_of("grade", "grade")
    detail: dict[str, Any]
    sentences: list[str] = Field(
        description="the explanation in words, in the language of Accept-Language (zh-CN when it prefers Chinese, "
                    "else en): each part with its exact numbers, e.g. \"民主测评 77 分 × 20% = 15.4 分\"; indicators "
                    "and items by the scheme's names, groups and grades by the catalogue's labels")


class ObjectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "录入有误，更正"}]})
    reason: str = Field(min_length=5, max_length=4000)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "accept", "reason": "录入有误，更正"}]})
    decision: Literal["accept", "uphold", "reject"] = Field(description="accept (or uphold): recompute; reject")
    reason: str = Field(min_length=5, max_length=4000)


class ObjectionRead(NamedRow):
    """An objection; person_id (and the names) is the person whose result it is about, who filed it."""
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {**NAMED,
         "id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "close_id": "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82",
         "reason": "录入有误，更正",
         "status": "rejected",
         "created_at": "2025-07-01T09:30:00Z",
         "created_by": "admin",
         "reviewed_at": "2025-07-01T09:30:00Z",
         "reviewed_by": "admin",
         "decision": "rejected",
         "decision_reason": "复核无误",
         "new_close_id": "4c415531-7e78-5c85-8162-60066d3902c1"}]})
    id: uuid.UUID
    close_id: uuid.UUID
    reason: str
    status: str
    status_label: ClassVar[Any] = label_of("objection_status", "status")
    created_at: datetime
    created_by: str
    reviewed_at: datetime | None
    reviewed_by: str | None
    decision: str | None = Field(description="upheld or rejected, once reviewed")
    decision_label: ClassVar[Any] = label_of("objection_decision", "decision")
    decision_reason: str | None = Field(description="the reviewer's reason")
    new_close_id: uuid.UUID | None


class ObjectionPage(Page[ObjectionRead]):
    """Objections, oldest first."""

    model_config = ConfigDict(json_schema_extra=page_examples(ObjectionRead))


class BonusIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"total": "86.5", "pool_share": "2", "coefficients": {"de": "2"}, "withholding": {"de": "2"}}]})
    total: Decimal = Field(gt=0, le=Decimal("1e10"), decimal_places=2,
                          json_schema_extra={"multipleOf": 0.01}, description="the unit's bonus total, yuan")
    pool_share: Decimal = Field(description="share pooled and paid by result, within the scheme's "
                                                    "annual.bonus_pool_min and bonus_pool_max (default 0.1 to 0.2, "
                                                    "Taibai)")
    coefficients: dict[str, Decimal] = Field(
        default_factory=lambda: {"excellent": Decimal("1.5"), "competent": Decimal(1),
                                 "basically_competent": Decimal("0.5"), "incompetent": Decimal(0)},
        description="annual grade → share of the pool per person")
    withholding: dict[str, Decimal] = Field(default_factory=lambda: {"average": Decimal("0.1")},
                                            description="quarter grade → share of the annual bonus withheld per "
                                                        "quarter (Chengbu: one average quarter withholds 10%)")


class BonusShareRead(NamedRow):
    """A person's share (person_id and the names)."""

    base: str
    pool: str
    withheld: str
    amount: Decimal
    reasons: list[str]


class BonusRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
         "year": 2025,
         "total": "86.50",
         "base_total": "86.50",
         "pool_total": "86.50",
         "paid_count": 1,
         "paid_total": "86.50",
         "excluded_count": 1,
         "withheld_total": "86.50",
         "undistributed": "2",
         "rounding_residue": "2",
         "gap": "2",
         "notes": ["已核实"],
         "people": [{**NAMED,
                     "base": "86.50",
                     "pool": "2",
                     "withheld": "2",
                     "amount": "2",
                     "reasons": ["录入有误，更正"]}]}]})
    scheme_id: uuid.UUID
    year: int
    total: str
    base_total: str
    pool_total: str
    paid_count: int
    paid_total: Decimal
    excluded_count: int
    withheld_total: str
    undistributed: str
    rounding_residue: str
    gap: Decimal | None = Field(description="highest minus lowest amount among the paid")
    notes: list[str]
    people: list[BonusShareRead]


class PersonMissing(NamedRow):
    blocks: bool = Field(description="the person holds the close back")
    indicators: list[dict[str, Any]] = Field(
        description="each leaf without a mark or value: indicator, path, policy, blocks (and why, when it does)")


class UnitReadiness(BaseModel):
    unit_id: uuid.UUID | None
    people: int
    people_missing: int
    people_blocking: int
    missing: list[PersonMissing]


class Readiness(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
         "period": "2025Q2",
         "people": 1,
         "ready": False,
         "people_blocking": 1,
         "missing_total": 1,
         "round": {"de": "round"},
         "quarters_unpublished": ["quarters_unpublished"],
         "units": [{"unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                    "people": 1,
                    "people_missing": 1,
                    "people_blocking": 1,
                    "missing": [{**NAMED,
                                 "blocks": False,
                                 "indicators": [{}]}]}]}]})
    scheme_id: uuid.UUID
    period: str
    people: int = Field(description="the scheme's people in the period")
    ready: bool = Field(description="a close now would succeed: nobody is held back and no rating round is open")
    people_blocking: int
    missing_total: int = Field(description="leaves missing, over everyone")
    round: dict[str, str] | None = Field(description="the period's rating round, if any (an open one holds the "
                                                     "close back)")
    quarters_unpublished: list[str] = Field(
        default_factory=list, description="a period built from its parts (a year, a half year): parts not published")
    units: list[UnitReadiness] = Field(description="units with people holding the close back first")
