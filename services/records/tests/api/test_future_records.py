"""Bug 4: records dated after today (in the regions' time zone, KAOHE_TIME_ZONE) are refused
with a 422 naming the field, or the row of an import; a week or month that has begun is not in
the future."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from records.config import RecordsSettings

from .test_roster import make_person, make_region, make_unit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(SHANGHAI).date()


@pytest.fixture
async def person(client: httpx.AsyncClient) -> dict[str, Any]:
    region = await make_region(client, f"f{uuid.uuid4().hex[:6]}")
    unit = await make_unit(client, region["id"], "XC")
    return await make_person(client, unit["id"], uuid.uuid4().hex[:8], "2024-01-01")


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def field_of(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return str(response.json()["errors"][0]["field"])


async def test_a_week_to_come_is_refused_the_week_begun_is_not(client: httpx.AsyncClient,
                                                              person: dict[str, Any]) -> None:
    for week in (iso_week(today() + timedelta(days=7)), "2027-W10"):
        response = await client.post("/api/v1/records/work-logs",
                                     json={"person_id": person["id"], "week": week, "content": "纪实"})
        assert field_of(response) == "body.week"
        assert "has not begun" in response.json()["errors"][0]["message"]
    begun = await client.post("/api/v1/records/work-logs",
                              json={"person_id": person["id"], "week": iso_week(today()), "content": "本周"})
    assert begun.status_code == 201, begun.text


async def test_a_month_to_come_is_refused_the_month_begun_is_not(client: httpx.AsyncClient,
                                                                person: dict[str, Any]) -> None:
    next_month = (today().replace(day=1) + timedelta(days=32)).replace(day=1)
    response = await client.post("/api/v1/records/monthly-reports",
                                 json={"person_id": person["id"], "month": month_of(next_month), "content": "月报"})
    assert field_of(response) == "body.month"
    begun = await client.post("/api/v1/records/monthly-reports",
                              json={"person_id": person["id"], "month": month_of(today()), "content": "本月"})
    assert begun.status_code == 201, begun.text


async def test_attendance_after_today_is_refused_by_row(client: httpx.AsyncClient, person: dict[str, Any]) -> None:
    staff_no, tomorrow = person["staff_no"], today() + timedelta(days=1)
    put = await client.put("/api/v1/records/attendance", json={"rows": [
        {"staff_no": staff_no, "day": today().isoformat(), "status": "present"},
        {"staff_no": staff_no, "day": tomorrow.isoformat(), "status": "present"}]})
    assert put.status_code == 422, put.text
    assert [(e["row"], e["column"], e["value"]) for e in put.json()["errors"]] == [(2, "day", tomorrow.isoformat())]
    sheet = f"工号,日期,状态\n{staff_no},{today().isoformat()},出勤\n{staff_no},{tomorrow.isoformat()},出勤\n"
    upload = await client.post("/api/v1/records/attendance/import",
                               files={"file": ("考勤.csv", sheet.encode(), "text/csv")})
    assert upload.status_code == 422, upload.text
    assert [(e["row"], e["column"]) for e in upload.json()["errors"]] == [(3, "day")]  # the header is row 1
    stream = await client.post("/api/v1/records/attendance/stream", headers={"content-type": "application/x-ndjson"},
                               content=f'{{"staff_no": "{staff_no}", "day": "{tomorrow.isoformat()}", '
                                       f'"status": "present"}}\n'.encode())
    assert stream.status_code == 422, stream.text
    assert [(e["row"], e["column"]) for e in stream.json()["errors"]] == [(1, "day")]
    ok = await client.put("/api/v1/records/attendance", json={"rows": [
        {"staff_no": staff_no, "day": today().isoformat(), "status": "present"}]})
    assert ok.status_code == 200, ok.text


async def test_a_task_is_not_confirmed_done_on_a_day_to_come(client: httpx.AsyncClient,
                                                             person: dict[str, Any]) -> None:
    task = (await client.post("/api/v1/records/tasks", json={
        "person_id": person["id"], "title": "招商", "intensity": "1", "difficulty": "1", "quantity": "1",
        "due_on": (today() + timedelta(days=30)).isoformat()})).json()
    response = await client.post(f"/api/v1/records/tasks/{task['id']}/confirm",
                                 json={"completed_on": (today() + timedelta(days=1)).isoformat()})
    assert field_of(response) == "body.completed_on"
    done = await client.post(f"/api/v1/records/tasks/{task['id']}/confirm", json={})
    assert done.status_code == 200 and done.json()["completed_on"] == today().isoformat()


async def test_today_is_the_regions_today(client: httpx.AsyncClient, person: dict[str, Any], records_app: FastAPI,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Kiritimati (UTC+14) is always a day or more ahead of Pago Pago (UTC-11)."""
    ahead = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    row = {"rows": [{"staff_no": person["staff_no"], "day": ahead.isoformat(), "status": "present"}]}
    monkeypatch.setattr(records_app.state.settings, "time_zone", "Pacific/Pago_Pago")
    assert (await client.put("/api/v1/records/attendance", json=row)).status_code == 422
    monkeypatch.setattr(records_app.state.settings, "time_zone", "Pacific/Kiritimati")
    assert (await client.put("/api/v1/records/attendance", json=row)).status_code == 200


def test_an_unknown_time_zone_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAOHE_TIME_ZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="unknown time zone"):
        RecordsSettings(RECORDS_DATABASE_URL="postgresql+asyncpg://x/y", KAOHE_SERVICE_SECRET="s")
    monkeypatch.delenv("KAOHE_TIME_ZONE")
    assert RecordsSettings(RECORDS_DATABASE_URL="postgresql+asyncpg://x/y",
                           KAOHE_SERVICE_SECRET="s").time_zone == "Asia/Shanghai"
