"""The demo county's quarters (and one township's months): rating rounds, ballots, marks, bonus and
deduction items and negative-list events, each period closed and published."""

from __future__ import annotations

import json
import random
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import httpx

from kaohe.demo_county import DIMENSIONS, SERVICE_CODES, YEAR, Person, ok


async def monthly(gateway: httpx.AsyncClient, scheme_id: str, members: list[Person],
                   rng: random.Random) -> dict[str, Any]:
    """The fourth quarter's three months of a township that ranks monthly (Xiacun): marks, a close
    and its publication each month; then the quarter's bottom list."""
    base = f"/api/v1/scoring/schemes/{scheme_id}/periods"
    for month in (10, 11, 12):
        period = f"{YEAR}-{month:02d}"
        await ok(gateway.put, f"{base}/{period}/marks", json={"marks": [
            {"person_id": p.id, "indicator": code, "mark": round(min(100, max(40, rng.gauss(p.quality, 6))), 1)}
            for p in members for code in ("de", "neng", "work", "lian")]})
        close = await ok(gateway.post, f"{base}/{period}/close")
        await ok(gateway.post, f"/api/v1/scoring/results/{close['id']}/publish")
    return dict(await ok(gateway.get, f"{base}/{YEAR}Q4/bottom"))


def _dimension_marks(rng: random.Random, rated: Person) -> tuple[dict[str, str], Decimal]:
    """A ballot's marks in each rating dimension, and the rating they make: their weighted sum,
    rounded half up to 0.01 as the scoring service rounds it."""
    marks = {code: Decimal(str(round(min(100, max(50, rng.gauss(rated.quality, 6))), 1))) for code in DIMENSIONS}
    total = sum((marks[code] * Decimal(weight) for code, (_, weight) in DIMENSIONS.items()), Decimal(0))
    return {code: str(mark) for code, mark in marks.items()}, total.quantize(Decimal("0.01"), ROUND_HALF_UP)


def quarter_inputs(rng: random.Random, members: list[Person], period: str, *,
                    dimensions: bool = False) -> dict[str, Any]:
    """A quarter's marks, ballots and items for one scheme's people, drawn in a fixed order. Under
    a scheme with rating dimensions, each ballot marks every dimension, and service users rate some
    of the people with one-time codes."""
    marks = []
    for person in members:
        for code in ("de", "neng", "work", "lian"):
            marks.append({"person_id": person.id, "indicator": code,
                          "mark": round(min(100, max(40, rng.gauss(person.quality, 4))), 1)})
    ballots: list[tuple[Person, Person, Decimal | float, dict[str, str] | None]] = []
    for rater in members:
        others = [p for p in members if p is not rater]
        for rated in rng.sample(others, min(len(others), 15)):
            if dimensions:
                by_dimension, mark = _dimension_marks(rng, rated)
                ballots.append((rater, rated, mark, by_dimension))
            else:
                ballots.append((rater, rated, round(min(100, max(50, rng.gauss(rated.quality, 6))), 1), None))
    outside = []
    if dimensions:
        for _ in range(SERVICE_CODES):
            outside.append([{"person_id": rated.id, "dimensions": _dimension_marks(rng, rated)[0]}
                            for rated in rng.sample(members, min(len(members), 5))])
    items = []
    for person in members:
        roll = rng.random()
        if roll < 0.04:
            items.append(("adjustments", {"person_id": person.id, "item": rng.choice(["honour", "innovation",
                                                                                      "investment"]),
                                          "points": str(rng.choice((1, 1.5, 2))), "evidence": f"{period} 市级表彰文件",
                                          "approved_by": "县委组织部"}))
        elif roll < 0.06:
            items.append(("adjustments", {"person_id": person.id, "item": rng.choice(["discipline", "safety"]),
                                          "points": str(rng.choice((1, 2, 3))), "evidence": f"{period} 督查通报",
                                          "approved_by": "县纪委监委"}))
        elif roll < 0.065:
            items.append(("negative-events", {"person_id": person.id, "item": "criticised",
                                              "note": f"{period} 被市级通报批评"}))
        elif roll < 0.067:
            items.append(("negative-events", {"person_id": person.id, "item": "accident",
                                              "note": f"{period} 分管领域发生安全责任事故"}))
    return {"marks": marks, "ballots": ballots, "items": items, "outside": outside}


def year_marks(rng: random.Random, members: list[Person]) -> list[dict[str, Any]]:
    return [{"person_id": p.id, "indicator": code, "mark": round(min(100, max(40, rng.gauss(p.quality, 3))), 1)}
            for p in members for code in ("de", "neng", "work", "lian")]


async def quarter(gateway: httpx.AsyncClient, scoring_db: asyncpg.Pool, scheme_id: str,
                   members: list[Person], period: str, plan: dict[str, Any], *, mistake: bool = False) -> str:
    base = f"/api/v1/scoring/schemes/{scheme_id}/periods/{period}"
    round_ = await ok(gateway.post, f"{base}/rounds", json={"raters": [
        {"rater_id": p.id, "group": p.category} for p in members]})
    await scoring_db.copy_records_to_table("ratings", schema_name="scoring", records=[
        (uuid.UUID(round_["id"]), uuid.UUID(rated.id), uuid.UUID(rater.id), rater.category, mark,
         None if dimensions is None else json.dumps(dimensions))
        for rater, rated, mark, dimensions in plan["ballots"]],
        columns=["round_id", "person_id", "rater_id", "rater_group", "mark", "dimensions"])
    if plan["outside"]:  # the service users' ballots, each with a one-time code handed out on paper
        issued = await ok(gateway.post, f"/api/v1/scoring/rounds/{round_['id']}/codes",
                           json={"group": "service", "count": len(plan["outside"])})
        for code, ratings in zip(issued["codes"], plan["outside"], strict=True):
            await ok(gateway.post, "/api/v1/scoring/ballots/by-code", json={"code": code, "ratings": ratings})
    await ok(gateway.post, f"/api/v1/scoring/rounds/{round_['id']}/close")
    await ok(gateway.put, f"{base}/marks", json={"marks": plan["marks"]})
    for kind, body in plan["items"]:
        # a second item past its cap is refused, as it should be
        await ok(gateway.post, f"{base}/{kind}", json=body, expect=(201, 422))
    if mistake:  # a deduction keyed against the wrong person, voided with its reason (kept in the history)
        wrong = await ok(gateway.post, f"{base}/adjustments", json={
            "person_id": members[-1].id, "item": "discipline", "points": "2", "evidence": f"{period} 督查通报",
            "approved_by": "县纪委监委"})
        await ok(gateway.post, f"/api/v1/scoring/adjustments/{wrong['id']}/void",
                  json={"reason": "录入错误：督查通报所扣为同名的另一干部，撤销本条"})
    close = await ok(gateway.post, f"{base}/close")
    await ok(gateway.post, f"/api/v1/scoring/results/{close['id']}/publish")
    return str(close["id"])
