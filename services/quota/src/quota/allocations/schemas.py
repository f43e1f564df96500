from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from quota import examples as ex
from quota.domain.apportion import METHOD_NAMES
from shared.change_feed import FeedCursor, Tombstone, feed_examples
from shared.labels import label_of
from shared.pagination import Page

Ratio = Annotated[Decimal, Field(ge=0, le=1, description="a decimal string, e.g. \"0.22\"")]
UnitKind = Literal["township", "street", "department", "institution"]
CommendationLevel = Literal["district", "city", "province", "national"]
Slots = Annotated[int, Field(ge=0, le=100)]
HonourLevel = Literal["national", "provincial", "city", "county", "township"]


class DesignatedRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    condition: str = Field(min_length=1, max_length=64)
    slots: int = Field(ge=0, le=100)


class DesignatedTableIn(BaseModel):
    """Designated slots computed from each township's inputs: its target-performance grade and
    its commendation level. A township that is both (e.g. 一等 and commended by the city)
    gets both."""

    model_config = ConfigDict(extra="forbid")
    by_grade: dict[str, Slots] = Field(default_factory=dict,
                                       description="target-performance grade -> designated slots, e.g. {\"一等\": 1}")
    by_commendation: dict[CommendationLevel, Slots] = Field(
        default_factory=dict, description="commendation level -> designated slots, e.g. {\"city\": 1}; a level "
                                          "stands for that level or above (the highest reached counts, once)")


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.POLICY))

    ratio_by_grade: dict[str, Ratio] = Field(
        min_length=1, description="excellent ratio per target-performance grade (first/second/third)")
    unit_cap_ratio: Ratio = Field(description="no unit above this share of its headcount")
    township_uplift: Annotated[Decimal, Field(ge=0, le=10)] = Field(
        description="townships' ratio must be this much higher than the comparison kinds' "
                    "(relatively, or in ratio points: see township_uplift_kind)")
    township_uplift_kind: Literal["relative", "absolute"] = Field(
        default="relative", description="relative: ratio >= comparison x (1 + uplift) (Bazhou: 0.2); "
                                        "absolute: ratio >= comparison + uplift (0.05 = five percentage points)")
    pool_min: Ratio = Field(default=Decimal(0), description="the pool is at least this share of the region's "
                                                            "slots, topped up from units' whole parts")
    pool_max: Ratio = Field(default=Decimal(1), description="the pool is at most this share of the region's "
                                                            "slots, the excess given back by largest remainder")
    designated_rules: list[DesignatedRuleIn] = Field(
        default_factory=list, description="designated slots by conditions keyed in per unit; not with designated")
    designated: DesignatedTableIn | None = Field(
        default=None, description="designated slots from grades and commendations; not with designated_rules")
    tilt_kinds: list[UnitKind] = Field(default=["township"])
    comparison_kinds: list[UnitKind] = Field(default=["department", "street"])
    tilt_method: str = Field(default="hamilton", description="apportionment method sharing tilt slots by points",
                             json_schema_extra={"enum": [*METHOD_NAMES]})
    leftover: Literal["largest_remainder", "keep"] = "largest_remainder"
    honour_points: dict[HonourLevel, Annotated[Decimal, Field(ge=0, le=1000)]] = Field(
        default_factory=dict,
        description="township points from the records honours ledger, by level (national 国家级, provincial 省级, "
                    "city 市级, county 县级, township 乡镇级): a unit's points add these for each of its honours "
                    "and its people's awarded in the year, not voided; none by default")


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    kind: UnitKind
    headcount: int = Field(ge=0, le=1_000_000, description="year-end headcount")
    grade: str = Field(min_length=1, max_length=32, description="target-performance grade")
    points: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    conditions: list[str] = Field(default_factory=list, description="positive-list conditions met")
    red_lines: list[str] = Field(default_factory=list, description="negative-list red lines hit")
    group: str | None = Field(default=None, max_length=64,
                              description="evaluation group: units sharing it are allocated as one")
    commendation: CommendationLevel | None = Field(
        default=None, description="highest level the unit was commended at (city: by the city party "
                                  "committee or government)")


class StoredUnitIn(UnitIn):
    """A unit as the region keeps it. Leave out ``headcount`` to take the year-end headcount
    from the records roster (the unit id must then be the records unit id)."""

    headcount: int | None = Field(default=None, ge=0, le=1_000_000)  # type: ignore[assignment]


class RunUnitRead(UnitIn):
    """A unit as a run used it, with where its headcount came from."""

    model_config = ConfigDict(extra="ignore")
    headcount_source: Literal["records", "stored"]


class SimulateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.SIMULATE))
    policy: PolicyIn
    units: list[UnitIn] = Field(min_length=1, max_length=20_000)


class UnitAllocationRead(BaseModel):
    id: str
    kind: str
    headcount: int
    grade: str
    points: str
    exact_quota: str = Field(description="headcount × ratio, exact decimal")
    exact_quota_fraction: str
    cap: int
    floor: int
    designated: int
    tilt: int
    remainder: int
    total: int
    ratio: str = Field(description="total / headcount, 6 decimal places")
    ratio_before: str = Field(description="floor / headcount")
    eligible: bool = Field(description="may take designated and tilt slots")
    members: list[str] = Field(default_factory=list, description="units of an evaluation group")


class PoolRead(BaseModel):
    collected: int
    used: int
    left: int
    fraction_left: str
    left_reason: str | None


class PoolBoundsRead(BaseModel):
    min: str = Field(description="pool_min, a share of the region's slots")
    max: str = Field(description="pool_max, a share of the region's slots")
    returned: int = Field(description="slots above pool_max given back by largest remainder")
    topped_up: int = Field(description="slots below pool_min taken from units' whole parts")


class TraceStepRead(BaseModel):
    step: str
    text: str
    unit: str | None
    slots: int
    rule: str | None


class WarningRead(BaseModel):
    code: str = Field(description="uplift_unreachable, designated_not_given, pool_bounds_unmet or "
                                  "pool_overspent")
    code_label: ClassVar[Any] = label_of("allocation_warning", "code")
    message: str
    unit_id: str | None = Field(default=None, description="the unit it is about, if one")


class AllocationResultRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.RESULT))
    units: list[UnitAllocationRead]
    pool: PoolRead
    township_ratio: str | None
    department_ratio: str | None
    required_township_ratio: str | None
    uplift: str | None = Field(description="townships' ratio / comparison ratio - 1")
    uplift_points: str | None = Field(default=None, description="townships' ratio - comparison ratio")
    uplift_kind: Literal["relative", "absolute"] = "relative"
    pool_bounds: PoolBoundsRead | None = None
    feasible: bool
    shortfall: int = Field(description="township slots missing to reach the uplift")
    warnings: list[WarningRead] = Field(default_factory=list,
                                        description="rules of the policy the allocation could not meet; a run "
                                                    "with any is published only if the publisher accepts them")
    trace: list[TraceStepRead]


class UnitsPut(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.UNITS_PUT))
    units: list[StoredUnitIn] = Field(min_length=1, max_length=20_000)


class StoredInputsRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.STORED))
    region_id: uuid.UUID
    year: int
    units: list[StoredUnitIn] | None = Field(description="a unit without headcount takes the roster's year-end one")
    policy: PolicyIn | None
    updated_at: datetime


class RunRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.RUN))
    id: uuid.UUID
    region_id: uuid.UUID
    year: int
    created_at: datetime
    created_by: str
    input_digest: str
    published: bool
    policy: PolicyIn
    units: list[RunUnitRead]
    result: AllocationResultRead


class RunSummary(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.RUN_SUMMARY))
    id: uuid.UUID
    created_at: datetime
    created_by: str
    input_digest: str
    feasible: bool
    published: bool
    warnings: int = Field(default=0, description="how many warnings the run has")


class RunPage(Page[RunSummary]):
    """A region's runs of a year, newest first."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.RUN_PAGE))
    total: int


class RunChanges(Page[RunSummary | Tombstone], FeedCursor):
    """A region's runs of a year kept or published since `updated_after`, in change order."""

    model_config = ConfigDict(json_schema_extra=feed_examples(RunSummary))


class UnitDifference(BaseModel):
    id: str
    before: int | None
    after: int | None
    change: int
    fields: dict[str, list[int | None]] = Field(description="field -> [before, after] where they differ")


class ComparisonRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.COMPARISON))
    base_id: uuid.UUID
    other_id: uuid.UUID
    same_inputs: bool
    units: list[UnitDifference]
    policy_changes: dict[str, list[object]]


class PublishRequest(BaseModel):
    """Publishing a run with warnings needs ``accept_warnings``; replacing a published allocation
    needs ``supersedes``. Either needs a reason."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.PUBLISH))
    accept_warnings: bool = Field(default=False, description="publish although the run has warnings")
    supersedes: bool = Field(default=False, description="replace the region's current publication for the year")
    reason: str | None = Field(default=None, min_length=1, max_length=500,
                               description="why: required with accept_warnings or supersedes")


class SlotChange(BaseModel):
    unit_id: str
    before: int | None = Field(description="slots in the superseded publication (none: the unit was not in it)")
    after: int | None = Field(description="slots in this publication (none: the unit is not in it)")
    change: int


class SupersessionRead(BaseModel):
    at: datetime
    by: str
    reason: str
    publication_id: uuid.UUID = Field(description="the publication that replaced this one")


class PublicationRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.PUBLICATION))
    id: uuid.UUID
    sequence: int = Field(description="1 for the first publication of the region and year, then 2, 3…")
    region_id: uuid.UUID
    year: int
    run_id: uuid.UUID
    published_at: datetime
    published_by: str
    slots: dict[str, int]
    reason: str | None = Field(description="why it was published so: warnings accepted or a correction")
    warnings: list[WarningRead] = Field(description="the run's warnings, accepted by the publisher")
    current: bool = Field(description="the publication scoring grades against; false once superseded")
    supersedes_id: uuid.UUID | None = Field(description="the publication this one replaced")
    changes: list[SlotChange] = Field(description="every unit whose slots differ from the publication replaced")
    superseded: SupersessionRead | None = Field(description="when, by whom and why this one was replaced")


class PublicationList(Page[PublicationRead]):
    """Every publication of a region and year, oldest first; the last (of the last page) is the current one."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.PUBLICATIONS))
