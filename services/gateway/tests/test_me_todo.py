"""``GET /api/v1/me/todo`` on the real services: a rater's people by name, a missing weekly record
under the scheme's deadline, a co-owned task, an objection for its unit's administrator, nothing
for another unit's member, and always the same few service calls.

Records stands on Wednesday 14 May 2025 (2025Q2): the weeks due are W15 (from Monday 7 April) to
W20 (Monday 12 May). The rater wrote every week but W19 (5-11 May) and April's report. The scheme's
deadlines: a weekly record by its Sunday (``log_deadline_days`` 0), a report by the 25th.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN
from records import todo as records_todo
from scoring import cards
from scoring import clock as scoring_clock
from shared.testing import asgi_client, ok, sign_in

from .conftest import PASSWORD

TODAY = date(2025, 5, 14)
DEFINITION = {
    "indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
    "raters": {"share": "0.2", "groups": {"staff": "1"}},
    "deadlines": {"log_deadline_days": 0, "report_deadline_day": 25},
    "missing_inputs": "zero",
}


@dataclass
class Town:
    ids: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


async def _build(client: httpx.AsyncClient) -> Town:
    town, tag = Town(), uuid.uuid4().hex[:6]
    admin = await sign_in(client, *TEST_ADMIN)

    async def post(path: str, body: Any, status: int = 201, headers: dict[str, str] = admin) -> Any:
        return await ok(await client.post(path, headers=headers, json=body), status)

    region = (await post("/api/v1/records/regions", {"code": f"td{tag}", "name": "待办县"}))["id"]
    for unit, name in (("x", "城关镇"), ("y", "河口镇")):
        town.ids[unit] = (await post("/api/v1/records/units", {"region_id": region, "code": f"{unit}{tag}",
                                                               "name": name, "kind": "township"}))["id"]
    section = (await post(f"/api/v1/records/units/{town.ids['x']}/sections", {"name": "党政办"}))["id"]
    for key, staff_no, name, unit in (("rater", "001", "王芳", "x"), ("a", "002", "张伟", "x"),
                                      ("b", "003", "李娜", "x"), ("c", "004", "刘洋", "x"),
                                      ("other", "101", "陈静", "y")):
        town.ids[key] = (await post("/api/v1/records/persons", {
            "unit_id": town.ids[unit], "staff_no": f"{tag}-{staff_no}", "name": name, "staff_category": "staff",
            "section_id": section if unit == "x" else None, "post": "综合岗" if unit == "x" else None,
            "active_from": "2024-01-01"}))["id"]
    for key, role, binding in (("rater", "member", {"person_id": town.ids["rater"]}),
                               ("a", "member", {"person_id": town.ids["a"]}),
                               ("other", "member", {"person_id": town.ids["other"]}),
                               ("admin_x", "unit_admin", {"unit_id": town.ids["x"]})):
        await post("/api/v1/admin/users", {"username": f"td-{key}-{tag}", "password": PASSWORD, "role": role,
                                           **binding})
        town.headers[key] = await sign_in(client, f"td-{key}-{tag}", PASSWORD)

    scheme = (await post("/api/v1/scoring/schemes", {"region_id": region, "unit_id": town.ids["x"],
                                                     "name": "城关镇机关", "definition": DEFINITION}))["id"]
    town.ids["scheme"] = scheme
    town.ids["round"] = (await post(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q2/rounds", {
        "raters": [{"rater_id": town.ids["rater"], "group": "staff"}]}))["id"]
    await ok(await client.put(f"/api/v1/scoring/rounds/{town.ids['round']}/ratings", headers=town.headers["rater"],
                              json={"ratings": [{"person_id": town.ids["a"], "mark": 90}]}), 200)
    close = (await post(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q1/close", None))["id"]
    await post(f"/api/v1/scoring/results/{close}/publish", None, 200)
    town.ids["objection"] = (await post(f"/api/v1/scoring/results/{close}/objections", {"reason": "任务量漏记"},
                                        headers=town.headers["a"]))["id"]

    town.ids["task"] = (await post("/api/v1/records/tasks", {
        "person_id": town.ids["a"], "title": "招商引资项目落地", "intensity": "1", "difficulty": "1", "quantity": "1",
        "due_on": "2025-06-30", "co_owners": [{"person_id": town.ids["rater"], "share": "0.4"}]}))["id"]
    for week in (15, 16, 17, 18, 20):
        await post("/api/v1/records/work-logs", {"person_id": town.ids["rater"], "week": f"2025-W{week}",
                                                 "content": "本周工作"}, headers=town.headers["rater"])
    await post("/api/v1/records/monthly-reports", {"person_id": town.ids["rater"], "month": "2025-04",
                                                   "content": "四月工作"}, headers=town.headers["rater"])
    return town


@pytest.fixture(scope="module")
async def town(gateway_app: FastAPI) -> AsyncIterator[Town]:
    async with asgi_client(gateway_app) as client:
        yield await _build(client)


@pytest.fixture
def on_day(records_app: FastAPI) -> AsyncIterator[None]:
    records_app.dependency_overrides[records_todo.today] = lambda: TODAY
    yield
    records_app.dependency_overrides.pop(records_todo.today, None)


def served(app: FastAPI) -> Counter[str]:
    """Requests the service has answered, by method and route template (its own metrics)."""
    counts: Counter[str] = Counter()
    for metric in app.state.metrics.registry.collect():
        for sample in metric.samples:
            if sample.name == "kaohe_http_requests_total":
                counts[f"{sample.labels['method']} {sample.labels['route']}"] += int(sample.value)
    return counts


async def todo_of(gateway_app: FastAPI, headers: dict[str, str]) -> dict[str, Any]:
    async with asgi_client(gateway_app) as client:
        response = await client.get("/api/v1/me/todo", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["unavailable"] == []
    return body


@pytest.mark.usefixtures("on_day")
class TestMyTodo:
    async def test_the_rater_sees_each_thing_to_do_due_first(self, gateway_app: FastAPI, town: Town) -> None:
        body = await todo_of(gateway_app, town.headers["rater"])
        assert [(i["kind"], i["due"], i["overdue"]) for i in body["items"]] == [
            ("work_log", "2025-05-11T23:59:59+08:00", True),
            ("monthly_report", "2025-05-25T23:59:59+08:00", False),
            ("task", "2025-06-30T23:59:59+08:00", False),
            ("rating", None, False),
        ]
        assert body["counts"] == {"rating": 1, "objection_review": 0, "work_log": 1, "monthly_report": 1, "task": 1}
        assert body["overdue"] == 1
        log, report, task, rating = body["items"]
        assert (log["title"], log["detail"], log["link"]) == (
            "填写 2025-W19 周工作纪实", {"week": "2025-W19"}, {"method": "POST", "path": "/api/v1/records/work-logs"})
        assert report["detail"] == {"month": "2025-05"}
        assert task["title"] == "协办：招商引资项目落地（进度 0.00%）"
        assert task["link"] == {"method": "GET", "path": f"/api/v1/records/tasks/{town.ids['task']}"}
        assert rating["link"] == {"method": "PUT", "path": f"/api/v1/scoring/rounds/{town.ids['round']}/ratings"}
        assert rating["title"] == "城关镇机关 2025Q2 民主测评：已评 1/3 人，还需评价 2 人"
        assert (rating["detail"]["done"], rating["detail"]["total"]) == (1, 3)
        assert [(p["name"], p["unit_name"], p["section_name"], p["post"]) for p in rating["detail"]["to_rate"]] == [
            ("李娜", "城关镇", "党政办", "综合岗"), ("刘洋", "城关镇", "党政办", "综合岗")]

    async def test_a_co_owner_reads_the_task_the_link_names(self, gateway_app: FastAPI, town: Town) -> None:
        async with asgi_client(gateway_app) as client:
            response = await client.get(f"/api/v1/records/tasks/{town.ids['task']}", headers=town.headers["rater"])
        assert response.status_code == 200, response.text
        assert response.json()["title"] == "招商引资项目落地"

    async def test_the_unit_administrator_reviews_the_objection(self, gateway_app: FastAPI, town: Town) -> None:
        body = await todo_of(gateway_app, town.headers["admin_x"])
        assert [(i["kind"], i["title"], i["link"]["path"]) for i in body["items"]] == [
            ("objection_review", "审核张伟对 城关镇机关 2025Q1 考核结果的异议",
             f"/api/v1/scoring/objections/{town.ids['objection']}/review")]

    async def test_another_units_member_sees_none_of_it(self, gateway_app: FastAPI, town: Town) -> None:
        """Only their own records: the six weeks and two months of the quarter they have not written."""
        body = await todo_of(gateway_app, town.headers["other"])
        assert body["counts"] == {"rating": 0, "objection_review": 0, "work_log": 6, "monthly_report": 2, "task": 0}
        assert [i["detail"] for i in body["items"]][:2] == [{"week": "2025-W15"}, {"week": "2025-W16"}]
        async with asgi_client(gateway_app) as client:
            response = await client.get("/api/v1/me/todo", headers=town.headers["other"])
        assert not [key for key in ("round", "task", "objection", "a", "b", "c", "rater")
                    if town.ids[key] in response.text]

    @pytest.mark.parametrize(("who", "records_calls"), [("rater", 1), ("other", 1), ("admin_x", 1)])
    async def test_the_service_calls_are_fixed(self, gateway_app: FastAPI, records_app: FastAPI,
                                               scoring_app: FastAPI, town: Town, who: str, records_calls: int) -> None:
        """Scoring and records once each from the gateway, at once; scoring names the people from its
        own cards (taken when the round opened, or when first shown): no call to records for names,
        nor, once looked up, for a unit's administrator's own unit (its region and group, kept a
        minute)."""
        await todo_of(gateway_app, town.headers[who])  # a person first shown: their card taken (one call)
        before = served(records_app), served(scoring_app)
        await todo_of(gateway_app, town.headers[who])
        records, scoring = served(records_app) - before[0], served(scoring_app) - before[1]
        assert scoring == Counter({"GET /api/v1/scoring/todo": 1})
        assert records["GET /api/v1/records/todo"] == 1
        assert records["POST /api/v1/records/persons/names"] == 0
        assert sum(records.values()) == records_calls

    async def test_an_api_key_has_no_todo(self, gateway_app: FastAPI) -> None:
        async with asgi_client(gateway_app) as client:
            admin = await sign_in(client, *TEST_ADMIN)
            key = await ok(await client.post("/api/v1/admin/api-keys", headers=admin, json={
                "name": f"td-key-{uuid.uuid4().hex[:6]}", "scopes": ["apportion"]}))
            response = await client.get("/api/v1/me/todo", headers={"x-api-key": key["key"]})
        assert response.status_code == 403
        assert response.json()["code"] == "not_a_user"

    async def test_a_card_is_taken_again_once_old(self, gateway_app: FastAPI, records_app: FastAPI,
                                                  scoring_app: FastAPI, town: Town) -> None:
        """A section renamed shows in the rater's to-do once the cards are older than ``cards.MAX_AGE``
        (records asked once then, for every name at once), not before."""
        admin = await _admin(gateway_app)
        section = f"/api/v1/records/units/{town.ids['x']}/sections"
        async with asgi_client(gateway_app) as client:
            section_id = (await ok(await client.get(section, headers=admin), 200))["items"][0]["id"]
            await ok(await client.patch(f"{section}/{section_id}", headers=admin, json={"name": "综合办"}), 200)
        try:
            assert await _sections_shown(gateway_app, town) == ["党政办", "党政办"]
            before = served(records_app)
            scoring_app.dependency_overrides[scoring_clock.now] = lambda: datetime.now(UTC) + cards.MAX_AGE
            assert await _sections_shown(gateway_app, town) == ["综合办", "综合办"]
            assert (served(records_app) - before)["POST /api/v1/records/persons/names"] == 1
        finally:
            async with asgi_client(gateway_app) as client:
                await ok(await client.patch(f"{section}/{section_id}", headers=admin, json={"name": "党政办"}), 200)
            scoring_app.dependency_overrides[scoring_clock.now] = lambda: datetime.now(UTC) + 2 * cards.MAX_AGE
            assert await _sections_shown(gateway_app, town) == ["党政办", "党政办"]
            scoring_app.dependency_overrides.pop(scoring_clock.now, None)


async def _admin(gateway_app: FastAPI) -> dict[str, str]:
    async with asgi_client(gateway_app) as client:
        return await sign_in(client, *TEST_ADMIN)


async def _sections_shown(gateway_app: FastAPI, town: Town) -> list[str]:
    body = await todo_of(gateway_app, town.headers["rater"])
    return [p["section_name"] for i in body["items"] if i["kind"] == "rating" for p in i["detail"]["to_rate"]]
