"""Business dates are days in the regions' time zone (Asia/Shanghai by default), whatever the
server's own zone; timestamps are stored in UTC (timestamptz).

At 2026-12-06 17:30 UTC it is already 01:30 on 2026-12-07 in Shanghai: the service, stood at that
moment through its clock (``scoring.clock.now``), says today is the 7th."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from scoring.clock import now
from shared.business_time import business_day, business_today, time_zone

from .conftest import unit_with_people

LATE_EVENING_UTC = datetime(2026, 12, 6, 17, 30, tzinfo=UTC)


@pytest.fixture
def late_evening(scoring_app: FastAPI) -> Iterator[None]:
    scoring_app.dependency_overrides[now] = lambda: LATE_EVENING_UTC
    yield
    scoring_app.dependency_overrides.pop(now, None)


def test_the_business_day_of_a_utc_moment() -> None:
    assert business_today(time_zone("Asia/Shanghai"), now=LATE_EVENING_UTC) == date(2026, 12, 7)
    assert business_today(time_zone("UTC"), now=LATE_EVENING_UTC) == date(2026, 12, 6)
    assert business_day(LATE_EVENING_UTC) == date(2026, 12, 7)  # the default zone
    with pytest.raises(ValueError, match="no business day"):
        business_day(datetime(2026, 12, 6, 17, 30))


async def test_the_service_says_today_in_shanghai(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                  late_evening: None) -> None:
    county = await unit_with_people(records, "A")
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "夏村镇机关", "definition": {
            "indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
            "raters": {"share": "0.2", "groups": {"leadership": "1"}}, "procedure": "national"}})
    assert response.status_code == 201, response.text
    procedure = await client.get(f"/api/v1/scoring/schemes/{response.json()['id']}/periods/2026Q4/procedure")
    assert procedure.status_code == 200, procedure.text
    assert procedure.json()["today"] == "2026-12-07"


async def test_every_timestamp_column_is_timestamptz(database_urls: dict[str, str], postgres_admin_url: str) -> None:
    database = make_url(database_urls["records"]).database
    admin = make_url(postgres_admin_url).set(drivername="postgresql", database=database)
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))  # sees every schema
    try:
        naive = await connection.fetch(
            "SELECT table_schema || '.' || table_name || '.' || column_name AS col FROM information_schema.columns "
            "WHERE data_type = 'timestamp without time zone' "
            "AND table_schema IN ('records', 'scoring', 'quota', 'gateway')")
        stamped = await connection.fetchval(
            "SELECT count(*) FROM information_schema.columns WHERE data_type = 'timestamp with time zone' "
            "AND table_schema IN ('records', 'scoring', 'quota', 'gateway')")
    finally:
        await connection.close()
    assert [row["col"] for row in naive] == []
    assert stamped > 20
