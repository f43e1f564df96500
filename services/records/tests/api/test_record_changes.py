"""Corrections of weekly records, monthly reports, comments and marks, and tasks: each needs a
reason and leaves its old and new values, who, when and why in the history."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from records.changes.models import RecordChange
from shared.service_auth import Caller
from shared.testing import service_headers

from . import test_attendance_changes
from .test_attendance_changes import town_admin

county = test_attendance_changes.county  # the fixture: a town of two, a department of one

CHANGES = "/api/v1/records/changes"
DROPPED = ("id", "changed_at", "staff_no", "name")


async def count_changes(session: AsyncSession, record_id: str) -> int:
    """The changes kept of one record (other tests' committed changes may share the database)."""
    return int(await session.scalar(select(func.count()).select_from(RecordChange)
                                    .where(RecordChange.record_id == uuid.UUID(record_id))) or 0)


async def week_log(client: httpx.AsyncClient, person: dict[str, Any], week: str = "2025-W10") -> dict[str, Any]:
    response = await client.post("/api/v1/records/work-logs", json={"person_id": person["id"], "week": week,
                                                                    "content": "走访农户"})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def of_record(client: httpx.AsyncClient, kind: str, record_id: str, **headers: str) -> list[dict[str, Any]]:
    response = await client.get(f"{CHANGES}/{kind}/{record_id}", headers=headers)
    assert response.status_code == 200, response.text
    return [{k: v for k, v in c.items() if k not in DROPPED} for c in response.json()["items"]]


class TestWeeklyRecords:
    async def test_a_change_without_a_reason_is_refused_and_nothing_written(
            self, client: httpx.AsyncClient, county: dict[str, Any], session: AsyncSession) -> None:
        log = await week_log(client, county["zhang"])
        for reason in (None, " "):
            response = await client.patch(f"/api/v1/records/work-logs/{log['id']}",
                                          json={"content": "走访农户十户", "reason": reason})
            assert response.status_code == 422, response.text
            assert (response.json()["code"], [e["field"] for e in response.json()["errors"]]) == (
                "reason_required", ["body.reason"])
        listed = (await client.get("/api/v1/records/work-logs", params={
            "person_id": county["zhang"]["id"], "period": "2025Q1"})).json()["items"]
        assert [(w["content"], w["updated_at"]) for w in listed] == [("走访农户", None)]
        same = await client.patch(f"/api/v1/records/work-logs/{log['id']}", json={"content": "走访农户"})
        assert same.status_code == 200  # nothing changes: no reason needed, no trace
        assert await count_changes(session, log["id"]) == 0

    async def test_the_change_is_kept_with_who_and_why(self, client: httpx.AsyncClient,
                                                       county: dict[str, Any]) -> None:
        log = await week_log(client, county["zhang"])
        admin = town_admin(county)
        response = await client.patch(f"/api/v1/records/work-logs/{log['id']}", headers=admin,
                                      json={"content": "走访农户十户", "reason": "漏记户数"})
        assert response.status_code == 200 and response.json()["content"] == "走访农户十户"
        expected = {"kind": "work_log", "record_id": log["id"], "person_id": county["zhang"]["id"],
                    "unit_id": county["town"]["id"], "day": "2025-03-03", "old": {"content": "走访农户"},
                    "new": {"content": "走访农户十户"}, "reason": "漏记户数", "changed_by": "user:town-admin",
                    "kind_label": {"zh-CN": "周工作纪实", "en": "Weekly work log"}}
        assert await of_record(client, "work_log", log["id"]) == [expected]
        page = (await client.get(CHANGES, params={"unit_id": county["town"]["id"], "period": "2025Q1"})).json()
        assert (page["total"], page["items"][0]["staff_no"]) == (1, county["tag"] + "01")
        for period, kind in (("2025Q2", None), ("2025Q1", "task")):
            params = {"unit_id": county["town"]["id"], "period": period, **({"kind": kind} if kind else {})}
            assert (await client.get(CHANGES, params=params)).json()["total"] == 0


class TestReportsAndComments:
    async def test_a_report_keeps_only_the_values_changed(self, client: httpx.AsyncClient,
                                                          county: dict[str, Any]) -> None:
        report = (await client.post("/api/v1/records/monthly-reports", json={
            "person_id": county["zhang"]["id"], "month": "2025-02", "content": "二月", "achievements": "招商"})).json()
        url = f"/api/v1/records/monthly-reports/{report['id']}"
        refused = await client.patch(url, json={"content": "二月", "achievements": None})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.reason"
        assert (await client.patch(url, json={"content": "二月", "achievements": None, "reason": "成绩未认定"}
                                   )).status_code == 200
        [change] = await of_record(client, "monthly_report", report["id"])
        assert (change["day"], change["old"], change["new"], change["reason"]) == (
            "2025-02-01", {"achievements": "招商"}, {"achievements": None}, "成绩未认定")

    async def test_a_leader_revising_a_mark_says_why_and_the_person_does_not_see_who(
            self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        log = await week_log(client, county["zhang"], "2025-W02")
        leader = service_headers(Caller(subject="user:leader", roles=("leader",), unit_ids=(county["town"]["id"],)))
        mark = {"target_kind": "work_log", "target_id": log["id"], "mark": "88", "comment": "好"}
        first = await client.put("/api/v1/records/comments", json=mark, headers=leader)
        assert first.status_code == 200 and await of_record(client, "comment", first.json()["id"]) == []
        refused = await client.put("/api/v1/records/comments", json={**mark, "mark": "80"}, headers=leader)
        assert refused.status_code == 422 and refused.json()["code"] == "reason_required"
        again = await client.put("/api/v1/records/comments", json={**mark, "mark": "88.00"}, headers=leader)
        assert again.status_code == 200  # the same mark: no change
        revised = await client.put("/api/v1/records/comments", headers=leader,
                                   json={**mark, "mark": "80", "comment": "一般", "reason": "复核扣分"})
        assert revised.json()["mark"] == "80.00"
        [change] = await of_record(client, "comment", first.json()["id"])
        assert (change["day"], change["old"], change["new"], change["changed_by"]) == (
            "2025-01-06", {"mark": "88.00", "comment": "好"}, {"mark": "80.00", "comment": "一般"}, "user:leader")
        me = service_headers(Caller(subject="user:zhang", roles=("member",), person_id=county["zhang"]["id"]))
        [mine] = await of_record(client, "comment", first.json()["id"], **me)
        assert (mine["reason"], mine["changed_by"]) == ("复核扣分", None)
        li = service_headers(Caller(subject="user:li", roles=("member",), person_id=county["li"]["id"]))
        assert (await client.get(f"{CHANGES}/comment/{first.json()['id']}", headers=li)).status_code == 404


class TestTasks:
    async def _task(self, client: httpx.AsyncClient, county: dict[str, Any]) -> dict[str, Any]:
        response = await client.post("/api/v1/records/tasks", json={
            "person_id": county["zhang"]["id"], "title": "招商引资", "intensity": "1.5", "difficulty": "2",
            "quantity": "2", "due_on": "2025-03-31"})
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def test_an_administrator_corrects_a_task_with_a_reason(self, client: httpx.AsyncClient,
                                                                  county: dict[str, Any]) -> None:
        task = await self._task(client, county)
        url = f"/api/v1/records/tasks/{task['id']}"
        refused = await client.patch(url, json={"quantity": "3"})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.reason"
        for bad in ({"intensity": "0.001", "reason": "x"}, {"title": "招\u0000商", "reason": "x"},
                    {"title": "招商", "reason": "\u0000"}):
            assert (await client.patch(url, json=bad)).status_code == 422, bad
        response = await client.patch(url, headers=town_admin(county),
                                      json={"quantity": "3", "due_on": "2025-04-15", "title": "招商引资",
                                            "reason": "数量录错，时限顺延"})
        assert response.status_code == 200, response.text
        assert (response.json()["quantity"], response.json()["load"], response.json()["due_on"]) == (
            "3.00", "9.0000", "2025-04-15")
        [change] = await of_record(client, "task", task["id"])
        assert (change["day"], change["old"], change["new"], change["changed_by"]) == (
            "2025-04-15", {"quantity": "2.00", "due_on": "2025-03-31"}, {"quantity": "3", "due_on": "2025-04-15"},
            "user:town-admin")

    async def test_who_may_correct_a_task(self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        task = await self._task(client, county)
        url = f"/api/v1/records/tasks/{task['id']}"
        body = {"title": "招商", "reason": "更正"}
        me = service_headers(Caller(subject="user:zhang", roles=("member",), person_id=county["zhang"]["id"]))
        leader = service_headers(Caller(subject="user:leader", roles=("leader",), unit_ids=(county["town"]["id"],)))
        dept = service_headers(Caller(subject="user:dept", roles=("unit_admin",), unit_ids=(county["dept"]["id"],)))
        assert [(await client.patch(url, json=body, headers=h)).status_code for h in (me, leader, dept)] == [
            403, 403, 404]
        assert (await client.get(f"{CHANGES}/task/{task['id']}", headers=dept)).status_code == 404


class TestLatestWrites:
    async def test_the_records_of_the_units_and_the_period_written_since(
            self, client: httpx.AsyncClient, county: dict[str, Any]) -> None:
        tag = county["tag"]
        rows = [{"staff_no": f"{tag}01", "day": "2025-03-03", "status": "present"},
                {"staff_no": f"{tag}01", "day": "2025-04-01", "status": "present"},
                {"staff_no": f"{tag}03", "day": "2025-03-03", "status": "present"}]
        assert (await client.put("/api/v1/records/attendance", json={"rows": rows})).status_code == 200
        await week_log(client, county["zhang"])  # 2025-W10: Q1
        task = (await client.post("/api/v1/records/tasks", json={
            "person_id": county["zhang"]["id"], "title": "招商", "intensity": "1", "difficulty": "1",
            "quantity": "1", "due_on": "2025-03-31"})).json()
        moved = await client.patch(f"/api/v1/records/tasks/{task['id']}", json={"due_on": "2025-04-15",
                                                                                   "reason": "顺延"})
        assert moved.status_code == 200, moved.text

        async def latest(*units: str, period: str = "2025Q1", **headers: str) -> httpx.Response:
            return await client.get(f"{CHANGES}/latest", headers=headers, params=[
                *(("unit_id", county[u]["id"]) for u in units), ("period", period),
                ("since", "2000-01-01T00:00:00Z"), ("since", "2100-01-01T00:00:00+08:00")])

        town = (await latest("town")).json()
        # Q1: zhang's day of March, his weekly record, the task corrected out of the quarter
        assert (town["count"], [s["count"] for s in town["since"]]) == (3, [3, 0])
        assert town["latest_at"] is not None and town["unit_ids"] == [county["town"]["id"]]
        assert (await latest("town", period="2025Q2")).json()["count"] == 2  # April's day, the task now due
        assert (await latest("town", period="2025-02")).json()["count"] == 0
        assert (await latest("town", "dept")).json()["count"] == 4
        assert (await latest("dept", **town_admin(county))).status_code == 404
        response = await client.get(f"{CHANGES}/latest", params={"period": "2025Q1"})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "query.unit_id"
        response = await client.get(f"{CHANGES}/latest", params={"unit_id": county["town"]["id"], "period": "2025Q1",
                                                                  "since": "0001-01-01T00:00:00+05:00"})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "query.since"
