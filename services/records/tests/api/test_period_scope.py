"""Bug 5: who is in a period's scope is one rule (shared.periods.in_scope_of), and the unit's
summary (who is graded) and the region's headcounts for the period (what quota's excellent quota
is computed from) agree on it for people who join, leave or move at any date."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from records.roster.models import Assignment, Person, Region, Unit
from shared.periods import DEFAULT_MIN_SHARE, in_scope_of, parse_period

PERIODS = ("2025", "2025Q1", "2025Q2", "2025Q3", "2025Q4")

#: a person's roster history: a first day, then stretches in unit 0 or 1 of some length, or a gap
_day = st.dates(min_value=date(2024, 9, 1), max_value=date(2026, 3, 31))
_stretch = st.tuples(st.integers(min_value=0, max_value=1), st.integers(min_value=1, max_value=300))
histories = st.lists(st.tuples(_day, st.lists(_stretch, min_size=1, max_size=3), st.booleans()),
                     min_size=1, max_size=8)


async def county(session: AsyncSession, people: list[tuple[date, list[tuple[int, int]], bool]]
                 ) -> tuple[Region, list[Unit], dict[uuid.UUID, list[tuple[int, date, date | None]]]]:
    tag = uuid.uuid4().hex[:8]
    region = Region(id=uuid.uuid4(), code=f"h{tag}", name="县")
    session.add(region)
    await session.flush()
    units = [Unit(id=uuid.uuid4(), region_id=region.id, code=code, name=code, kind="township") for code in "AB"]
    session.add_all(units)
    await session.flush()
    placed: dict[uuid.UUID, list[tuple[int, date, date | None]]] = {}
    for i, (first, stretches, still_there) in enumerate(people):
        person = Person(id=uuid.uuid4(), staff_no=f"{tag}-{i}", name=f"人{i}")
        session.add(person)
        await session.flush()
        day = first
        for n, (unit, length) in enumerate(stretches):
            last: date | None = day + timedelta(days=length - 1)
            if n == len(stretches) - 1 and still_there:
                last = None
            session.add(Assignment(id=uuid.uuid4(), person_id=person.id, unit_id=units[unit].id,
                                   staff_category="staff", active_from=day, active_to=last))
            placed.setdefault(person.id, []).append((unit, day, last))
            if last is not None:
                day = last + timedelta(days=1)
    await session.flush()
    return region, units, placed


async def agree(client: httpx.AsyncClient, region: Region, units: list[Unit],
                placed: dict[uuid.UUID, list[tuple[int, date, date | None]]], code: str,
                share: Fraction = DEFAULT_MIN_SHARE) -> dict[str, int]:
    period = parse_period(code)
    response = await client.get(f"/api/v1/records/regions/{region.id}/headcounts", params={"period": code})
    assert response.status_code == 200, response.text
    assert response.json()["period"] == code
    headcounts = {u["unit_id"]: u["headcount"] for u in response.json()["units"]}
    for index, unit in enumerate(units):
        summary = await client.get(f"/api/v1/records/units/{unit.id}/summary",
                                   params={"period": code, "fields": "days_in_period"})
        graded = {p["person_id"] for p in summary.json()["people"]}
        by_rule = {str(person) for person, stretches in placed.items()
                   if in_scope_of([(a, b) for u, a, b in stretches if u == index], period, share)}
        assert graded == by_rule, (code, unit.code)
        assert headcounts[str(unit.id)] == len(graded), (code, unit.code)
    return {u.code: headcounts[str(u.id)] for u in units}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=histories)
async def test_the_summary_and_the_headcounts_agree(client: httpx.AsyncClient, session: AsyncSession,
                                                    people: list[tuple[date, list[tuple[int, int]], bool]]) -> None:
    region, units, placed = await county(session, people)
    for code in PERIODS:
        await agree(client, region, units, placed, code)


async def test_joiners_leavers_and_movers_by_hand(client: httpx.AsyncClient, session: AsyncSession) -> None:
    """2025 has 365 days: 183 on a unit's roster are needed (at the default share, one half)."""
    people = [
        (date(2020, 1, 1), [(0, 2009)], False),   # A from 2020 to 1 July 2025 (182 days of 2025): not counted
        (date(2020, 1, 1), [(0, 2010)], False),   # to 2 July (183 days): counted in A
        (date(2025, 7, 2), [(1, 1)], True),       # joins B on 2 July (183 days): counted in B
        (date(2025, 7, 3), [(1, 1)], True),       # joins B on 3 July (182 days): not counted
        (date(2025, 1, 1), [(0, 200), (1, 1)], True),  # 200 days in A, then 165 in B: counted in A only
    ]
    region, units, placed = await county(session, people)
    assert await agree(client, region, units, placed, "2025") == {"A": 2, "B": 1}
    # the third quarter: 92 days, 46 needed; in A 1, 2 and 19 days (the mover, to 19 July); in B 91, 90
    # and 73 (the mover, from 20 July)
    assert await agree(client, region, units, placed, "2025Q3") == {"A": 0, "B": 3}


@pytest.mark.parametrize("share", ["0", "1"])
async def test_the_share_is_a_setting_both_follow(client: httpx.AsyncClient, session: AsyncSession,
                                                  records_app: FastAPI, monkeypatch: pytest.MonkeyPatch,
                                                  share: str) -> None:
    monkeypatch.setattr(records_app.state.settings, "min_share_of_period", Decimal(share))
    people = [(date(2025, 12, 31), [(0, 1)], True), (date(2020, 1, 1), [(0, 3000)], True)]
    region, units, placed = await county(session, people)
    response = await client.get(f"/api/v1/records/regions/{region.id}/headcounts", params={"period": "2025"})
    assert response.json()["min_share"] == share
    # a share of 0: one day (31 December) is enough; of 1: only the whole year
    assert await agree(client, region, units, placed, "2025", Fraction(share)) == {"A": 2 if share == "0" else 1,
                                                                                    "B": 0}


async def test_a_bad_period_is_422(client: httpx.AsyncClient, session: AsyncSession) -> None:
    region, _, _ = await county(session, [(date(2025, 1, 1), [(0, 1)], True)])
    response = await client.get(f"/api/v1/records/regions/{region.id}/headcounts", params={"period": "2025Q7"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.period"
