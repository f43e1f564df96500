"""Tenancy in records, through the real gateway: every object the caller names (in the path,
the query, the body or a row of an uploaded file) is checked against their region, unit and
person, and a record is authorised by the unit it was made in, not by where its person is now.

The world: region A with units A1 and A2, region B with unit B1; a region administrator of A,
unit administrators of A1, A2 and B1, a leader of A1. People are made per test.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN
from shared.testing import asgi_client, ok, sign_in

PASSWORD = "tenancy-password-1"
ROSTER = "工号,姓名,单位编码,科室,人员类别,起始日期\n"


@dataclass
class Tenancy:
    tag: str
    region: dict[str, str]
    unit: dict[str, str]
    code: dict[str, str]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    count: int = 0

    def staff_no(self) -> str:
        self.count += 1
        return f"{self.tag}-{self.count:03d}"


@pytest.fixture(scope="module")
async def t(gateway_app: FastAPI) -> AsyncIterator[Tenancy]:
    tag = "t" + uuid.uuid4().hex[:6]
    async with asgi_client(gateway_app) as client:
        admin = await sign_in(client, *TEST_ADMIN)
        region, unit, code = {}, {}, {}
        for side in ("A", "B"):
            region[side] = (await ok(await client.post("/api/v1/records/regions", headers=admin, json={
                "code": f"{tag}{side}", "name": f"区{side}"})))["id"]
        for name, side in (("A1", "A"), ("A2", "A"), ("B1", "B")):
            code[name] = f"{name}{tag}"
            unit[name] = (await ok(await client.post("/api/v1/records/units", headers=admin, json={
                "region_id": region[side], "code": code[name], "name": f"单位{name}", "kind": "department"})))["id"]
        world = Tenancy(tag=tag, region=region, unit=unit, code=code)
        world.headers["P"] = admin
        for name, role, scope in (("RA", "region_admin", {"region_id": region["A"]}),
                                  ("UA1", "unit_admin", {"unit_id": unit["A1"]}),
                                  ("UA2", "unit_admin", {"unit_id": unit["A2"]}),
                                  ("UB1", "unit_admin", {"unit_id": unit["B1"]}),
                                  ("LA1", "leader", {"unit_id": unit["A1"]})):
            await add_user(client, world, name, role, scope)
    yield world


async def add_user(client: httpx.AsyncClient, world: Tenancy, name: str, role: str, scope: dict[str, str]) -> None:
    username = f"{name.lower()}-{world.tag}-{world.count}"
    world.users[name] = await ok(await client.post("/api/v1/admin/users", headers=world.headers["P"], json={
        "username": username, "password": PASSWORD, "role": role, **scope}))
    world.headers[name] = await sign_in(client, username, PASSWORD)


async def person(client: httpx.AsyncClient, world: Tenancy, unit: str, *, member: str | None = None) -> dict[str, Any]:
    """A person placed in a unit from 2024; ``member`` also makes them a user of that name."""
    made = await ok(await client.post("/api/v1/records/persons", headers=world.headers["P"], json={
        "unit_id": world.unit[unit], "staff_no": world.staff_no(), "name": "张三", "staff_category": "staff",
        "active_from": "2024-01-01"}))
    if member:
        await add_user(client, world, member, "member", {"person_id": made["id"]})
    return dict(made)


async def history(client: httpx.AsyncClient, world: Tenancy, person_id: str) -> list[dict[str, Any]]:
    found = await ok(await client.get(f"/api/v1/records/persons/{person_id}", headers=world.headers["P"]), 200)
    return list(found["history"])


async def members(client: httpx.AsyncClient, world: Tenancy, unit: str) -> set[str]:
    page = await ok(await client.get(f"/api/v1/records/units/{world.unit[unit]}/members",
                                     params={"period": "2025", "limit": 500}, headers=world.headers["P"]), 200)
    return {m["staff_no"] for m in page["items"]}


def upload(text: str, name: str = "sheet.csv") -> dict[str, Any]:
    return {"file": (name, text.encode(), "text/csv")}


def ndjson(*rows: dict[str, Any]) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


class TestRosterImportStaysInItsRegion:
    async def test_a_staff_number_of_another_regions_person_refuses_the_file(self, gateway_app: FastAPI,
                                                                           t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            outsider = await person(client, t, "B1")
            newcomer = t.staff_no()
            sheet = (ROSTER + f"{newcomer},新人,{t.code['A1']},,其他在编,2025-01-01\n"
                     f"{outsider['staff_no']},改名,{t.code['A1']},,其他在编,2025-01-01\n")
            response = await client.post(f"/api/v1/records/regions/{t.region['A']}/roster/import",
                                         files=upload(sheet), headers=t.headers["RA"])
            assert response.status_code == 422, response.text
            assert response.json()["code"] == "import_rejected"
            assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(3, "staff_no")]
            # nothing written: the outsider stays in B1 under their name, the newcomer was not added
            placements = await history(client, t, outsider["id"])
            assert [(p["unit_id"], p["active_to"]) for p in placements] == [(t.unit["B1"], None)]
            found = await ok(await client.get(f"/api/v1/records/persons/{outsider['id']}",
                                              headers=t.headers["P"]), 200)
            assert found["name"] == "张三"
            assert newcomer not in await members(client, t, "A1")

    async def test_even_the_province_cannot_move_people_across_regions_by_roster(self, gateway_app: FastAPI,
                                                                                t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            outsider = await person(client, t, "B1")
            response = await client.post(
                f"/api/v1/records/regions/{t.region['A']}/roster/stream", headers={
                    **t.headers["P"], "content-type": "application/x-ndjson"},
                content=ndjson({"staff_no": outsider["staff_no"], "name": "改名", "unit": t.code["A2"],
                                "category": "staff", "active_from": "2025-02-01"}))
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["column"] == "staff_no"
            assert len(await history(client, t, outsider["id"])) == 1

    async def test_a_unit_of_another_region_is_no_unit_of_this_one(self, gateway_app: FastAPI, t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            response = await client.post(
                f"/api/v1/records/regions/{t.region['A']}/roster/stream", headers={
                    **t.headers["RA"], "content-type": "application/x-ndjson"},
                content=ndjson({"staff_no": t.staff_no(), "name": "新人", "unit": t.code["B1"],
                                "category": "staff", "active_from": "2025-02-01"}))
            assert response.status_code == 422, response.text
            assert [e["column"] for e in response.json()["errors"]] == ["unit"]

    async def test_people_of_the_region_still_move_by_roster(self, gateway_app: FastAPI, t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            insider = await person(client, t, "A1")
            sheet = ROSTER + f"{insider['staff_no']},张三,{t.code['A2']},,其他在编,2025-01-01\n"
            result = await ok(await client.post(f"/api/v1/records/regions/{t.region['A']}/roster/import",
                                                files=upload(sheet), headers=t.headers["RA"]), 200)
            assert result["moved"] == 1
            assert [p["unit_id"] for p in await history(client, t, insider["id"])] == [t.unit["A1"], t.unit["A2"]]


class TestOtherImportsCheckEveryRow:
    async def test_a_task_sheet_naming_someone_of_another_unit_writes_nothing(self, gateway_app: FastAPI,
                                                                             t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            mine, theirs = await person(client, t, "A1"), await person(client, t, "A2")
            sheet = ("工号,任务名称,强度,难度,数量,完成时限\n"
                     f"{mine['staff_no']},招商,1,1,1,2025-03-31\n{theirs['staff_no']},招商,1,1,1,2025-03-31\n")
            response = await client.post("/api/v1/records/tasks/import", files=upload(sheet),
                                         headers=t.headers["UA1"])
            assert response.status_code == 422, response.text
            assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(3, "staff_no")]
            tasks = await ok(await client.get("/api/v1/records/tasks", params={
                "person_id": mine["id"], "period": "2025"}, headers=t.headers["P"]), 200)
            assert tasks["total"] == 0

    async def test_attendance_naming_someone_of_another_region_writes_nothing(self, gateway_app: FastAPI,
                                                                            t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            mine, theirs = await person(client, t, "A1"), await person(client, t, "B1")
            response = await client.post(
                "/api/v1/records/attendance/stream",
                headers={**t.headers["RA"], "content-type": "application/x-ndjson"},
                content=ndjson({"staff_no": mine["staff_no"], "day": "2025-01-06", "status": "present"},
                               {"staff_no": theirs["staff_no"], "day": "2025-01-06", "status": "absent"}))
            assert response.status_code == 422, response.text
            assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(2, "staff_no")]
            days = await ok(await client.get("/api/v1/records/attendance", params={
                "person_id": mine["id"], "period": "2025"}, headers=t.headers["P"]), 200)
            assert days["total"] == 0


class TestRecordsBelongToTheUnitTheyWereMadeIn:
    async def test_a_transfer_leaves_the_history_with_the_old_unit(self, gateway_app: FastAPI, t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            mover = await person(client, t, "A1", member="mover")
            ua1, ua2 = t.headers["UA1"], t.headers["UA2"]
            log = await ok(await client.post("/api/v1/records/work-logs", headers=ua1, json={
                "person_id": mover["id"], "week": "2025-W02", "content": "调研"}))
            report = await ok(await client.post("/api/v1/records/monthly-reports", headers=ua1, json={
                "person_id": mover["id"], "month": "2025-01", "content": "一月"}))
            task = await ok(await client.post("/api/v1/records/tasks", headers=ua1, json={
                "person_id": mover["id"], "title": "招商", "intensity": "1", "difficulty": "1", "quantity": "1",
                "due_on": "2025-03-31"}))
            await ok(await client.put("/api/v1/records/attendance", headers=ua1, json={
                "rows": [{"staff_no": mover["staff_no"], "day": "2025-01-06", "status": "present"}]}), 200)
            await ok(await client.put("/api/v1/records/comments", headers=t.headers["LA1"], json={
                "target_kind": "work_log", "target_id": log["id"], "mark": 90, "comment": "好"}), 200)
            await ok(await client.post(f"/api/v1/records/persons/{mover['id']}/moves", headers=t.headers["RA"],
                                       json={"on": "2025-04-01", "unit_id": t.unit["A2"]}), 200)

            # the new unit's administrator neither edits nor reads what was kept in A1
            for method, path, body in (
                    ("PATCH", f"/api/v1/records/work-logs/{log['id']}", {"content": "改"}),
                    ("PATCH", f"/api/v1/records/monthly-reports/{report['id']}", {"content": "改"}),
                    ("GET", f"/api/v1/records/tasks/{task['id']}", None),
                    ("POST", f"/api/v1/records/tasks/{task['id']}/progress", {"progress": 10, "note": "x"}),
                    ("GET", f"/api/v1/records/comments/work_log/{log['id']}", None),
                    ("PUT", "/api/v1/records/comments", {"target_kind": "monthly_report", "target_id": report["id"],
                                                         "mark": 10, "comment": "差"})):
                response = await client.request(method, path, json=body, headers=ua2)
                assert response.status_code == 404, (method, path, response.text)
            for noun in ("work-logs", "tasks", "attendance"):
                page = await ok(await client.get(f"/api/v1/records/{noun}", params={
                    "person_id": mover["id"], "period": "2025"}, headers=ua2), 200)
                assert page["total"] == 0, noun
            # nor writes into A1's history in the person's name
            refused = await client.post("/api/v1/records/work-logs", headers=ua2, json={
                "person_id": mover["id"], "week": "2025-W03", "content": "补"})
            assert refused.status_code == 403, refused.text

            # the old unit keeps reading and editing its records; the region and the person see them all
            for who in ("UA1", "RA", "mover"):
                for noun in ("work-logs", "tasks", "attendance"):
                    page = await ok(await client.get(f"/api/v1/records/{noun}", params={
                        "person_id": mover["id"], "period": "2025"}, headers=t.headers[who]), 200)
                    assert page["total"] == 1, (who, noun)
                comments = await ok(await client.get(f"/api/v1/records/comments/work_log/{log['id']}",
                                                     headers=t.headers[who]), 200)
                assert [c["mark"] for c in comments["items"]] == ["90.00"]
            edited = await ok(await client.patch(f"/api/v1/records/work-logs/{log['id']}", headers=ua1,
                                                 json={"content": "补充", "reason": "补记"}), 200)
            assert edited["unit_id"] == t.unit["A1"]
            await ok(await client.patch(f"/api/v1/records/monthly-reports/{report['id']}", headers=ua1,
                                        json={"content": "补充", "reason": "补记"}), 200)
            await ok(await client.get(f"/api/v1/records/tasks/{task['id']}", headers=ua1), 200)

            # records made after the move are the new unit's
            later = await ok(await client.post("/api/v1/records/work-logs", headers=ua2, json={
                "person_id": mover["id"], "week": "2025-W20", "content": "新岗位"}))
            assert later["unit_id"] == t.unit["A2"]
            assert (await client.patch(f"/api/v1/records/work-logs/{later['id']}", headers=ua1,
                                       json={"content": "x"})).status_code == 404

    async def test_a_leader_reads_but_does_not_write_their_units_records(self, gateway_app: FastAPI,
                                                                       t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            someone = await person(client, t, "A1")
            log = await ok(await client.post("/api/v1/records/work-logs", headers=t.headers["UA1"], json={
                "person_id": someone["id"], "week": "2025-W05", "content": "调研"}))
            response = await client.patch(f"/api/v1/records/work-logs/{log['id']}", headers=t.headers["LA1"],
                                          json={"content": "改"})
            assert response.status_code == 403, response.text


class TestTaskCompletionIsConfirmed:
    async def test_a_members_100_awaits_the_leaders_confirmation(self, gateway_app: FastAPI, t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            owner = await person(client, t, "A1", member="owner")
            task = await ok(await client.post("/api/v1/records/tasks", headers=t.headers["UA1"], json={
                "person_id": owner["id"], "title": "项目落地", "intensity": "1", "difficulty": "1", "quantity": "1",
                "due_on": "2025-06-30"}))
            reported = await ok(await client.post(f"/api/v1/records/tasks/{task['id']}/progress",
                                                  headers=t.headers["owner"], json={"progress": 100, "note": "完成"}),
                                200)
            assert (reported["status"], Decimal(reported["progress"]), reported["completed_on"]) == (
                "awaiting_confirmation", 100, None)
            refused = await client.post(f"/api/v1/records/tasks/{task['id']}/confirm", headers=t.headers["owner"],
                                        json={})
            assert refused.status_code == 403, refused.text
            outsider = await client.post(f"/api/v1/records/tasks/{task['id']}/confirm", headers=t.headers["UA2"],
                                         json={})
            assert outsider.status_code == 404, outsider.text
            confirmed = await ok(await client.post(f"/api/v1/records/tasks/{task['id']}/confirm",
                                                   headers=t.headers["LA1"],
                                                   json={"completed_on": "2025-06-20", "note": "核实"}), 200)
            assert (confirmed["status"], confirmed["completed_on"]) == ("done", "2025-06-20")
            trail = [(u["kind"], u["by"]) for u in confirmed["trail"]]
            assert trail == [("progress", f"user:{t.users['owner']['id']}"),
                             ("confirmation", f"user:{t.users['LA1']['id']}")]
            again = await client.post(f"/api/v1/records/tasks/{task['id']}/confirm", headers=t.headers["UA1"],
                                      json={})
            assert again.status_code == 409, again.text


class TestTargetsNamedInTheBody:
    async def test_a_move_into_another_regions_unit_is_refused(self, gateway_app: FastAPI, t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            someone = await person(client, t, "A1")
            for who, unit in (("RA", "B1"), ("UA1", "A2"), ("UA1", "B1")):
                response = await client.post(f"/api/v1/records/persons/{someone['id']}/moves", headers=t.headers[who],
                                             json={"on": "2025-04-01", "unit_id": t.unit[unit]})
                assert response.status_code == 422, (who, unit, response.text)
            assert len(await history(client, t, someone["id"])) == 1

    async def test_no_section_in_another_regions_unit(self, gateway_app: FastAPI, t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            for who, unit in (("RA", "B1"), ("UA1", "A2"), ("UB1", "A1")):
                response = await client.post(f"/api/v1/records/units/{t.unit[unit]}/sections",
                                             headers=t.headers[who], json={"name": f"科{who}"})
                assert response.status_code == 404, (who, unit, response.text)

    async def test_no_comment_on_another_units_record(self, gateway_app: FastAPI, t: Tenancy) -> None:
        async with asgi_client(gateway_app) as client:
            someone = await person(client, t, "B1")
            log = await ok(await client.post("/api/v1/records/work-logs", headers=t.headers["UB1"], json={
                "person_id": someone["id"], "week": "2025-W07", "content": "调研"}))
            for who in ("RA", "UA1", "LA1"):
                response = await client.put("/api/v1/records/comments", headers=t.headers[who], json={
                    "target_kind": "work_log", "target_id": log["id"], "mark": 0, "comment": "差"})
                assert response.status_code == 404, (who, response.text)
