"""Weekly records (one per ISO week) and the unit's period summary for scoring."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from records import summary
from records.summary import mondays
from records.work_logs.models import WorkLog
from records.work_logs.service import on_time
from shared.http import NDJSON
from shared.service_auth import Caller
from shared.testing import service_headers

from .test_roster import make_person, make_region, make_unit


@pytest.fixture
async def unit(client: httpx.AsyncClient) -> dict[str, Any]:
    region = await make_region(client, f"r{uuid.uuid4().hex[:6]}")
    town = await make_unit(client, region["id"], "T", group="T+I")
    inst = await make_unit(client, region["id"], "I", "institution", group="T+I")
    tag = uuid.uuid4().hex[:4]
    zhang = await make_person(client, town["id"], f"{tag}z", "2024-01-01")
    li = await make_person(client, town["id"], f"{tag}l", "2025-02-03")  # joins on a Monday in Q1
    zhao = await make_person(client, inst["id"], f"{tag}i", "2024-01-01")
    return {"region": region, "town": town, "inst": inst, "zhang": zhang, "li": li, "zhao": zhao, "tag": tag}


async def log(client: httpx.AsyncClient, person_id: str, week: str, **headers: str) -> httpx.Response:
    return await client.post("/api/v1/records/work-logs", json={"person_id": person_id, "week": week,
                                                                "content": "完成了……"}, headers=headers)


class TestWeeklyRecords:
    async def test_one_per_week_then_409_then_edit(self, client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
        first = await log(client, unit["zhang"]["id"], "2025-W03")
        assert first.status_code == 201
        second = await log(client, unit["zhang"]["id"], "2025-W03")
        assert second.status_code == 409
        assert second.json()["code"] == "work_log_exists"
        assert second.json()["existing_id"] == first.json()["id"]
        edited = await client.patch(f"/api/v1/records/work-logs/{first.json()['id']}",
                                    json={"content": "改", "reason": "补记周五工作"})
        assert edited.status_code == 200 and edited.json()["content"] == "改"

    async def test_a_week_before_the_person_joined_is_422(self, client: httpx.AsyncClient,
                                                          unit: dict[str, Any]) -> None:
        response = await log(client, unit["li"]["id"], "2025-W03")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.week"

    async def test_a_bad_week_is_422(self, client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
        response = await log(client, unit["zhang"]["id"], "2025-W54")
        assert response.status_code == 422

    async def test_a_member_writes_their_own_only(self, client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
        me = service_headers(Caller(subject="user:z", roles=("member",), person_id=unit["zhang"]["id"]))
        assert (await log(client, unit["zhang"]["id"], "2025-W05", **me)).status_code == 201
        assert (await log(client, unit["li"]["id"], "2025-W07", **me)).status_code == 404

    def test_on_time_means_by_the_monday_after(self) -> None:
        # 2025-W03 runs Mon 13 to Sun 19 January; due by Monday 20 January, Beijing time.
        assert on_time(2025, 3, datetime(2025, 1, 20, 15, 59, tzinfo=UTC))      # 23:59 in Beijing
        assert not on_time(2025, 3, datetime(2025, 1, 20, 16, 1, tzinfo=UTC))   # 00:01 on Tuesday

    @pytest.mark.parametrize(("start", "end", "count"), [
        ("2025-01-01", "2025-03-31", 13),  # Q1 2025: Mondays 6 Jan ... 31 Mar
        ("2025-02-03", "2025-03-31", 9), ("2025-03-31", "2025-03-31", 1), ("2025-04-01", "2025-04-06", 0),
    ])
    def test_weeks_due(self, start: str, end: str, count: int) -> None:
        from datetime import date

        assert mondays(date.fromisoformat(start), date.fromisoformat(end)) == count


class TestSummary:
    async def test_the_whole_unit_in_one_call(self, client: httpx.AsyncClient, unit: dict[str, Any],
                                              session: AsyncSession) -> None:
        tag = unit["tag"]
        submitted = {"2025-W02": datetime(2025, 1, 12, 9, tzinfo=UTC), "2025-W03": datetime(2025, 1, 20, 2, tzinfo=UTC)}
        for week in ("2025-W02", "2025-W03", "2025-W10"):  # W10 is submitted today: late
            created = (await log(client, unit["zhang"]["id"], week)).json()
            if week in submitted:
                await session.execute(update(WorkLog).where(WorkLog.id == uuid.UUID(created["id"]))
                                      .values(submitted_at=submitted[week]))
        late = (await log(client, unit["li"]["id"], "2025-W06")).json()
        await session.execute(update(WorkLog).where(WorkLog.id == uuid.UUID(late["id"]))
                              .values(submitted_at=datetime(2025, 2, 20, tzinfo=UTC)))
        rows = [{"staff_no": f"{tag}z", "day": "2025-02-10", "status": "病假"},
                {"staff_no": f"{tag}z", "day": "2025-02-11", "status": "病假"},
                {"staff_no": f"{tag}z", "day": "2025-05-06", "status": "事假"},
                {"staff_no": f"{tag}z", "day": "2025-02-12", "status": "出勤"},
                {"staff_no": f"{tag}l", "day": "2025-02-12", "status": "出差"}]
        assert (await client.put("/api/v1/records/attendance", json={"rows": rows})).status_code == 200
        response = await client.get(f"/api/v1/records/units/{unit['town']['id']}/summary", params={"period": "2025Q1"})
        assert response.status_code == 200
        people = {p["staff_no"]: p for p in response.json()["people"]}
        zhang, li = people[f"{tag}z"], people[f"{tag}l"]
        assert (zhang["weeks_due"], zhang["weeks_submitted"], zhang["weeks_on_time"]) == (13, 3, 2)
        assert (li["weeks_due"], li["weeks_submitted"], li["weeks_on_time"]) == (9, 1, 0)
        assert zhang["attendance"] == {"present": 1, "sick_leave": 2}
        assert zhang["leave_days_in_year"] == 3  # the May personal leave counts for the year
        assert li["days_in_period"] == 57  # 3 Feb to 31 Mar
        group = await client.get(f"/api/v1/records/regions/{unit['region']['id']}/groups/T+I/summary",
                                 params={"period": "2025Q1"})
        assert {p["staff_no"] for p in group.json()["people"]} == {f"{tag}z", f"{tag}l", f"{tag}i"}


class TestMonthlyReportsAndComments:
    async def test_a_report_is_edited_but_its_content_never_cleared(self, client: httpx.AsyncClient,
                                                                    unit: dict[str, Any]) -> None:
        body = {"person_id": unit["zhang"]["id"], "month": "2025-03", "content": "三月工作", "achievements": "招商"}
        report = (await client.post("/api/v1/records/monthly-reports", json=body)).json()
        response = await client.patch(f"/api/v1/records/monthly-reports/{report['id']}", json={"content": None})
        assert response.status_code == 422, response.text  # not a database error
        assert response.json()["errors"][0]["field"] == "body.content"
        response = await client.patch(f"/api/v1/records/monthly-reports/{report['id']}",
                                      json={"achievements": None, "reason": "成绩未经认定"})
        assert response.status_code == 200
        assert (response.json()["content"], response.json()["achievements"]) == ("三月工作", None)

    async def test_report_once_per_month_and_a_leader_marks_it(self, client: httpx.AsyncClient,
                                                              unit: dict[str, Any]) -> None:
        body = {"person_id": unit["zhang"]["id"], "month": "2025-02", "content": "二月工作", "achievements": "招商"}
        first = await client.post("/api/v1/records/monthly-reports", json=body)
        assert first.status_code == 201
        again = await client.post("/api/v1/records/monthly-reports", json=body)
        assert again.status_code == 409 and again.json()["code"] == "monthly_report_exists"
        leader = service_headers(Caller(subject="user:leader", roles=("leader",), unit_ids=(unit["town"]["id"],)))
        mark = {"target_kind": "monthly_report", "target_id": first.json()["id"], "mark": "88.5", "comment": "好"}
        assert (await client.put("/api/v1/records/comments", json=mark, headers=leader)).status_code == 200
        revised = await client.put("/api/v1/records/comments", json={**mark, "mark": "92", "reason": "复核"},
                                 headers=leader)
        assert revised.json()["mark"] == "92.00"
        work = (await log(client, unit["zhang"]["id"], "2025-W07")).json()
        await client.put("/api/v1/records/comments", headers=leader,
                         json={"target_kind": "work_log", "target_id": work["id"], "mark": "80", "comment": "可"})
        me = service_headers(Caller(subject="user:z", roles=("member",), person_id=unit["zhang"]["id"]))
        seen = (await client.get(f"/api/v1/records/comments/monthly_report/{first.json()['id']}",
                                 headers=me)).json()["items"]
        assert [c["mark"] for c in seen] == ["92.00"] and "leader" not in seen[0]
        summary = (await client.get(f"/api/v1/records/units/{unit['town']['id']}/summary",
                                    params={"period": "2025Q1"})).json()
        zhang = next(p for p in summary["people"] if p["person_id"] == unit["zhang"]["id"])
        assert (zhang["months_due"], zhang["monthly_reports"], zhang["mean_leader_mark"]) == (3, 1, "86.00")

    async def test_no_one_marks_their_own_record(self, client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
        work = (await log(client, unit["zhang"]["id"], "2025-W08")).json()
        self_leader = service_headers(Caller(subject="user:z", roles=("leader",), unit_ids=(unit["town"]["id"],),
                                             person_id=unit["zhang"]["id"]))
        response = await client.put("/api/v1/records/comments", headers=self_leader,
                                    json={"target_kind": "work_log", "target_id": work["id"], "mark": 100,
                                          "comment": "自评"})
        assert response.status_code == 403

    async def test_a_mark_out_of_range_is_422(self, client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
        work = (await log(client, unit["zhang"]["id"], "2025-W09")).json()
        response = await client.put("/api/v1/records/comments", json={
            "target_kind": "work_log", "target_id": work["id"], "mark": 101, "comment": "x"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.mark"


class TestSummaryAsLines:
    @pytest.mark.parametrize("at_once", [1, 2, 3, 500])
    async def test_the_people_as_json_lines_are_the_documents_people_sent_in_pieces(
            self, client: httpx.AsyncClient, unit: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
            at_once: int) -> None:
        # three people in the group: pieces of one, of two then one, of three then none, of all
        monkeypatch.setattr(summary, "LINES_AT_ONCE", at_once)
        for week in ("2025-W02", "2025-W03"):
            assert (await log(client, unit["zhang"]["id"], week)).status_code == 201
        for path in (f"/api/v1/records/units/{unit['town']['id']}/summary",
                     f"/api/v1/records/regions/{unit['region']['id']}/groups/T+I/summary"):
            params = {"period": "2025Q1", "order": "person_id"}
            document = await client.get(path, params=params)
            lines = await client.get(path, params=params, headers={"accept": NDJSON})
            assert lines.status_code == 200, lines.text
            assert lines.headers["content-type"] == NDJSON
            assert lines.content.endswith(b"\n")
            people = [orjson.loads(line) for line in lines.content.splitlines()]
            assert people == document.json()["people"]
            assert len(people) == (2 if "/units/" in path else 3)
            assert next(p for p in people if p["person_id"] == unit["zhang"]["id"])["weeks_submitted"] == 2

    async def test_lines_are_given_only_to_a_caller_that_takes_nothing_else_and_failures_stay_problems(
            self, client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
        path = f"/api/v1/records/units/{unit['town']['id']}/summary"
        both = await client.get(path, params={"period": "2025Q1"}, headers={"accept": f"application/json, {NDJSON}"})
        assert both.headers["content-type"] == "application/json"
        assert len(both.json()["people"]) == 2
        missing = await client.get(f"/api/v1/records/units/{uuid.uuid4()}/summary", params={"period": "2025Q1"},
                                   headers={"accept": NDJSON})
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["code"] == "unit_not_found"
        wrong = await client.get(path, params={"period": "2025Q1", "fields": "weeks_due,nonsense"},
                                 headers={"accept": NDJSON})
        assert wrong.status_code == 422
        assert wrong.json()["code"] == "invalid_fields"
