"""The review of a unit's scheme by its region's organisation department (方案审核).

A version a unit administrator writes is a draft; the unit submits it (checked first against the
region's requirements, see ``scoring.schemes.requirements``), and the region's administrators (the
province's too) approve it or return it with comments, after which the unit submits it again or
writes a new version. A version a region's or the province's administrator saves is approved as
saved: they are its reviewers. Only an approved version opens rating rounds or closes a period.
Each step is kept with who, when, the comments and the requirements the version broke.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.definitions import SchemeDefinition
from scoring.errors import InputInvalid, RegionNotFound, ReviewState, SchemeNotApproved, SchemeNotFound, bad_field
from scoring.examples import Examples
from scoring.models import Close, Scheme, SchemeReview, SchemeVersion, VersionReview
from scoring.schemes import requirements
from scoring.scope import Scope, scheme_or_404
from shared.errors import Forbidden
from shared.labels import label_of
from shared.periods import Period
from shared.service_auth import Caller
from shared.touched import touch

SAVED = "saved by the region's administrator: approved as saved"

# the examples' comment and requirement not met
_COMMENT: Examples = {"path": "/api/v1/scoring/schemes", "comment": "同意"}
_VIOLATION: Examples = {"requirement": "good_share", "field": "body.period", "message": "must match the period pattern",
                          "hard": False}


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str | None = Field(default=None, min_length=1, max_length=200,
                             description="the point of the definition it is about, e.g. indicators.0.standard or "
                                         "grades.caps; none: the whole scheme")
    comment: str = Field(min_length=1, max_length=2000)


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"comments": [{"comment": "同意"}]}]})
    comments: list[CommentIn] = Field(min_length=1, max_length=100,
                                      description="what to put right, per point where it can")


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"comment": "符合县委考核办要求，同意"}]})
    comment: str | None = Field(default=None, min_length=1, max_length=2000)


class Step(BaseModel):
    action: str = Field(description="submit, return or approve")
    at: datetime
    by: str
    comments: list[CommentIn]
    violations: list[requirements.Violation] = Field(description="at a submission: the region's requirements "
                                                                 "broken (none hard, or it was refused)")


class ReviewRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
         "version": 1,
         "state": "approved",
         "state_at": "2025-07-01T09:30:00Z",
         "created_by": "admin",
         "steps": [{"action": "close",
                    "at": "2025-07-01T09:30:00Z",
                    "by": "admin",
                    "comments": [_COMMENT],
                    "violations": [_VIOLATION]}]}]})
    scheme_id: uuid.UUID
    version: int
    state: str = Field(description="draft (not submitted), submitted, returned or approved")
    state_label: ClassVar[Any] = label_of("review_state", "state")
    state_at: datetime
    created_by: str
    steps: list[Step]


# ------------------------------------------------------------------ on writing a version


async def saved(session: AsyncSession, version: SchemeVersion, caller: Caller, scheme: Scheme) -> str:
    """A new version's review state, once stored: a unit administrator's is a draft; one the
    region's or the province's administrator saves is approved as saved (in its history)."""
    if caller.administers_region(scheme.region_id):
        session.add(SchemeReview(scheme_id=version.scheme_id, version=version.version, action="approve",
                                 comments=[{"path": None, "comment": SAVED}], violations=[], by=version.created_by))
        await session.flush()
        return "approved"
    session.add(VersionReview(scheme_id=version.scheme_id, version=version.version, state="draft"))
    await session.flush()
    return "draft"


async def states(session: AsyncSession, keys: list[tuple[uuid.UUID, int]]) -> dict[tuple[uuid.UUID, int],
                                                                                   tuple[str, datetime]]:
    """The review state and since when of the versions ``keys`` under review (one query); a version
    not listed is approved."""
    if not keys:
        return {}
    rows = await session.execute(select(VersionReview.scheme_id, VersionReview.version, VersionReview.state,
                                        VersionReview.since)
                                 .where(tuple_(VersionReview.scheme_id, VersionReview.version).in_(keys)))
    return {(sid, v): (state, since) for sid, v, state, since in rows}


async def state_of(session: AsyncSession, version: SchemeVersion) -> tuple[str, datetime]:
    found = (await states(session, [(version.scheme_id, version.version)])).get((version.scheme_id, version.version))
    return found if found is not None else ("approved", version.created_at)


async def require_approved(session: AsyncSession, scheme: Scheme, version: SchemeVersion) -> None:
    """A 409 unless the version a round or a close would run under is approved."""
    state, _ = await state_of(session, version)
    if state != "approved":
        raise SchemeNotApproved(
            f"version {version.version} of scheme {scheme.id} is {_STATE_WORDS[state]}: only a version its "
            f"region's organisation department approved opens rating rounds or closes a period",
            extra={"scheme_id": str(scheme.id), "version": version.version, "state": state})


_STATE_WORDS = {"draft": "a draft, not submitted for review", "submitted": "submitted and waiting for review",
                "returned": "returned by the reviewers", "approved": "approved"}


# ------------------------------------------------------------------ the steps


async def _version(session: AsyncSession, scheme: Scheme, number: int) -> tuple[SchemeVersion, str]:
    """The version and its state, its scheme's row locked so two steps of one review never cross."""
    await session.execute(select(Scheme.id).where(Scheme.id == scheme.id).with_for_update())
    version = await session.get(SchemeVersion, (scheme.id, number))
    if version is None:
        raise SchemeNotFound(f"scheme {scheme.id} has no version {number}")
    return version, (await state_of(session, version))[0]


async def _step(session: AsyncSession, version: SchemeVersion, action: str, state: str, by: str, *,
                comments: list[dict[str, Any]], violations: list[dict[str, Any]]) -> ReviewRead:
    session.add(SchemeReview(scheme_id=version.scheme_id, version=version.version, action=action,
                             comments=comments, violations=violations, by=by))
    await session.execute(update(VersionReview).where(VersionReview.scheme_id == version.scheme_id,
                                                      VersionReview.version == version.version)
                          .values(state=state, since=func.clock_timestamp()))
    await session.flush()
    return await _read(session, version)


async def submit(session: AsyncSession, scheme_id: uuid.UUID, number: int, scope: Scope) -> ReviewRead:
    """By the scheme's managers: the latest version, a draft or returned; refused (422, nothing
    written) if it breaks a hard requirement of the region, each violation named."""
    scheme = await scheme_or_404(session, scheme_id, scope)
    version, state = await _version(session, scheme, number)
    latest = await session.scalar(select(func.max(SchemeVersion.version)).where(SchemeVersion.scheme_id == scheme_id))
    if number != latest:
        raise ReviewState(f"version {number} of scheme {scheme_id} is not its latest ({latest}): submit that one",
                          extra={"version": number, "state": state})
    if state not in ("draft", "returned"):
        raise ReviewState(f"version {number} of scheme {scheme_id} is {_STATE_WORDS[state]}",
                          extra={"version": number, "state": state})
    settings, _ = await requirements.of_region(session, scheme.region_id)
    found = requirements.violations(settings, version.definition, version.stated)
    hard = [v for v in found if v["hard"]]
    if hard:
        raise InputInvalid(
            f"version {number} breaks {len(hard)} hard requirement(s) of region {scheme.region_id}; "
            "nothing was submitted", code="requirements_unmet",
            errors=[{"field": v["field"], "message": v["message"], "requirement": v["requirement"]} for v in hard])
    return await _step(session, version, "submit", "submitted", scope.caller.subject, comments=[], violations=found)


async def _reviewed(session: AsyncSession, scheme_id: uuid.UUID, number: int, scope: Scope) -> SchemeVersion:
    """A submitted version, for its region's administrators (whoever else sees the scheme: 403)."""
    scheme = await scheme_or_404(session, scheme_id, scope, manage=False)
    if not scope.caller.administers_region(scheme.region_id):
        raise Forbidden("only the region's organisation department (its administrators) reviews a scheme")
    version, state = await _version(session, scheme, number)
    if state != "submitted":
        raise ReviewState(f"version {number} of scheme {scheme_id} is {_STATE_WORDS[state]}: only a "
                          "submitted version is returned or approved", extra={"version": number, "state": state})
    return version


async def send_back(session: AsyncSession, scheme_id: uuid.UUID, number: int, body: ReturnIn,
                    scope: Scope) -> ReviewRead:
    """Returned with comments (required), each on a point of the definition where it names one."""
    version = await _reviewed(session, scheme_id, number, scope)
    for index, comment in enumerate(body.comments):
        if comment.path is not None and comment.path.split(".")[0] not in SchemeDefinition.model_fields:
            raise bad_field(f"{comment.path!r} is not a point of a scheme's definition (it starts with one of "
                            f"{', '.join(SchemeDefinition.model_fields)})", f"body.comments.{index}.path")
    return await _step(session, version, "return", "returned", scope.caller.subject,
                       comments=[c.model_dump() for c in body.comments], violations=[])


async def approve(session: AsyncSession, scheme_id: uuid.UUID, number: int, body: ApproveIn | None,
                  scope: Scope) -> ReviewRead:
    version = await _reviewed(session, scheme_id, number, scope)
    comments = [] if body is None or body.comment is None else [{"path": None, "comment": body.comment}]
    return await _step(session, version, "approve", "approved", scope.caller.subject, comments=comments,
                       violations=[])


async def _read(session: AsyncSession, version: SchemeVersion) -> ReviewRead:
    state, since = await state_of(session, version)
    steps = await session.scalars(select(SchemeReview).where(SchemeReview.scheme_id == version.scheme_id,
                                                             SchemeReview.version == version.version)
                                  .order_by(SchemeReview.id))
    return ReviewRead(scheme_id=version.scheme_id, version=version.version, state=state, state_at=since,
                      created_by=version.created_by,
                      steps=[Step.model_validate({"action": s.action, "at": s.at, "by": s.by, "comments": s.comments,
                                                  "violations": s.violations}) for s in steps])


async def history(session: AsyncSession, scheme_id: uuid.UUID, number: int, scope: Scope) -> ReviewRead:
    scheme = await scheme_or_404(session, scheme_id, scope, manage=False)
    version = await session.get(SchemeVersion, (scheme.id, number))
    if version is None:
        raise SchemeNotFound(f"scheme {scheme_id} has no version {number}")
    return await _read(session, version)


# ------------------------------------------------------------------ the department's list


class ReviewRow(BaseModel):
    unit_id: uuid.UUID | None = Field(description="the unit (a group's scheme: its lead unit, if any)")
    unit_name: str | None
    scheme_id: uuid.UUID | None = Field(description="none: the unit has no scheme of its own or leads none")
    scheme_name: str | None
    group: str | None
    version: int | None = Field(description="the latest version, the one a round or a close runs under")
    state: str = Field(description="no_scheme, not_submitted (a draft), submitted, returned or approved")
    state_label: ClassVar[Any] = label_of("review_state", "state")
    since: datetime | None = Field(description="when the version entered its state: for submitted, waiting since")
    last_comments: list[CommentIn] = Field(description="the comments of the version's last step")
    violations: list[requirements.Violation] = Field(description="the requirements its last submission broke")
    closed_version: int | None = Field(default=None, description="with period: the scheme version of the "
                                                                  "period's latest result version, if closed")


class ReviewList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "period": "2025Q2",
         "counts": {"de": 1},
         "items": [{"unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                    "unit_name": "夏村镇",
                    "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                    "scheme_name": "夏村镇机关干部",
                    "group": "leadership",
                    "version": 1,
                    "state": "approved",
                    "since": "2025-07-01T09:30:00Z",
                    "last_comments": [_COMMENT],
                    "violations": [_VIOLATION],
                    "closed_version": 1}]}]})
    region_id: uuid.UUID
    period: str | None
    counts: dict[str, int]
    items: list[ReviewRow]


STATE_ORDER = ("submitted", "returned", "not_submitted", "no_scheme", "approved")


async def latest_of_region(session: AsyncSession, region_id: uuid.UUID) -> list[tuple[Scheme, SchemeVersion]]:
    """The region's schemes, each with its latest version, oldest scheme first: one query."""
    latest = (select(SchemeVersion.scheme_id, func.max(SchemeVersion.version).label("version"))
              .group_by(SchemeVersion.scheme_id).subquery())
    rows = await session.execute(
        select(Scheme, SchemeVersion).join(latest, latest.c.scheme_id == Scheme.id)
        .join(SchemeVersion, (SchemeVersion.scheme_id == Scheme.id) & (SchemeVersion.version == latest.c.version))
        .where(Scheme.region_id == region_id).order_by(Scheme.created_at, Scheme.id))
    return [(scheme, version) for scheme, version in rows]


async def region_list(session: AsyncSession, neighbours: Neighbours, region_id: uuid.UUID, period: Period | None,
                      scope: Scope) -> ReviewList:
    """The region's schemes with their latest version's review state, and its units with no scheme:
    four queries and one call to records, whatever the number of units."""
    touch(region_id=region_id)
    if not scope.caller.administers_region(region_id):
        raise RegionNotFound(f"no region {region_id} of yours")
    rows = await latest_of_region(session, region_id)
    ids = [scheme.id for scheme, _ in rows]
    under_review = await states(session, [(scheme.id, version.version) for scheme, version in rows])
    steps: dict[tuple[uuid.UUID, int], SchemeReview] = {}
    submitted: dict[tuple[uuid.UUID, int], SchemeReview] = {}
    if ids:
        for step in await session.scalars(select(SchemeReview).where(SchemeReview.scheme_id.in_(ids))
                                          .order_by(SchemeReview.id)):
            steps[(step.scheme_id, step.version)] = step
            if step.action == "submit":
                submitted[(step.scheme_id, step.version)] = step
    closed: dict[uuid.UUID, int] = {}
    if ids and period is not None:
        closed = {sid: v for sid, v in await session.execute(  # the latest result version's, by order
            select(Close.scheme_id, Close.scheme_version).where(Close.scheme_id.in_(ids), Close.period == period.code)
            .order_by(Close.version))}
    units = await neighbours.region_units(region_id=region_id, caller=scope.caller)
    names = {str(u["id"]): str(u["name"]) for u in units}
    items = []
    for scheme, version in rows:
        unit = scheme.unit_id if scheme.unit_id is not None else scheme.lead_unit_id
        key = (scheme.id, version.version)
        last = steps.get(key)
        state, since = under_review.get(key, ("approved", version.created_at))
        items.append(ReviewRow(
            unit_id=unit, unit_name=names.get(str(unit)) if unit else None, scheme_id=scheme.id,
            scheme_name=scheme.name, group=scheme.group_name, version=version.version,
            state="not_submitted" if state == "draft" else state, since=since,
            last_comments=last.comments if last is not None else [],
            violations=submitted[key].violations if key in submitted else [],
            closed_version=closed.get(scheme.id)))
    covered = {str(r.unit_id) for r in items if r.unit_id is not None}
    groups = {r.group for r in items if r.group is not None}
    items.extend(ReviewRow(unit_id=uuid.UUID(str(u["id"])), unit_name=str(u["name"]), scheme_id=None,
                           scheme_name=None, group=u.get("evaluation_group"), version=None, state="no_scheme",
                           since=None, last_comments=[], violations=[])
                 for u in units if str(u["id"]) not in covered and u.get("evaluation_group") not in groups)
    # waiting first, the longest waiting first; then returned, drafts, units without one, approved
    items.sort(key=lambda r: (STATE_ORDER.index(r.state), r.since or datetime.max.replace(tzinfo=UTC)))
    counts = {state: sum(1 for r in items if r.state == state) for state in STATE_ORDER}
    return ReviewList(region_id=region_id, period=None if period is None else period.code, counts=counts,
                      items=items)
